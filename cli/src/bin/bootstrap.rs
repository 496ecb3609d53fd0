//! `bootstrap`, the runtime FC starts: everything is in the `host` crate, and nothing
//! of the developer tool is linked in.

fn main() -> std::process::ExitCode {
    host::main()
}
