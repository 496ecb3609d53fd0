//! `fcwasm`, the developer tool: parse the command line, start logging, run it.

fn main() -> std::process::ExitCode {
    host::turn_off_library_backtraces();
    host::start_logging();
    match fcwasm::Cli::load().and_then(fcwasm::run) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // One line: the chain of causes joined by ": ".
            let message = format!("{error:#}").replace('\n', " ");
            eprintln!("fcwasm: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
