//! `fcwasm`: the developer tool of `bootstrap`, as `cargo-lambda` is Lambda's. It
//! starts projects (`new`), builds Python, JavaScript, Go and C projects into
//! components (`build`), precompiles them (`compile`), runs one call without a server
//! (`invoke`) and writes FC's `code.zip` (`package`). It runs the runtime's own code
//! (the `host` crate) for `invoke` and for what it compiles, so the two never
//! disagree; the runtime itself, `bootstrap`, links none of this.

#![deny(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod build;
mod compile;
mod events;
mod invoke;
mod languages;
mod linkage;
mod new;
mod package;

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

pub use build::BuildArgs;
pub use compile::CompileArgs;
pub use invoke::InvokeArgs;
pub use new::NewArgs;
pub use package::PackageArgs;

/// `fcwasm`: build, try and package WebAssembly functions for `bootstrap`, the
/// Function Compute custom runtime.
#[derive(Debug, Parser)]
#[command(name = "fcwasm", version, about, long_about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a new function project (`--http` for an HTTP function) that builds,
    /// serves with `bootstrap --watch` and packages.
    New(NewArgs),
    /// Build a Python project (`index.py`, `requirements.txt`), a JavaScript one
    /// (`index.js`, `package.json`), a Go one (`.go` files) or a C one (`.c` files)
    /// into `handler.wasm`, installing the language's toolchain the first time, and
    /// compile it for a fast start.
    Build(BuildArgs),
    /// Precompile a module, so `bootstrap` maps it at start instead of compiling:
    /// `fcwasm compile handler.wasm` writes `handler.cwasm` beside it.
    Compile(CompileArgs),
    /// Run one call locally, without a server, as `bootstrap` would: the result body
    /// on stdout, the log on stderr, a non-zero exit code when the call fails.
    Invoke(Box<InvokeArgs>),
    /// Write `code.zip` for an FC custom runtime: the `bootstrap` runtime, the module
    /// and its precompiled form, laid out as the platform expects.
    Package(PackageArgs),
}

impl Cli {
    /// Parses this process's command line; `invoke` takes `bootstrap.toml`'s settings
    /// (from `--config` or `$BOOTSTRAP_CONFIG`) as its defaults, as `bootstrap` does.
    /// Exits with clap's message on a bad command line (and for `--help`).
    pub fn load() -> anyhow::Result<Cli> {
        let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
        let mut command = Cli::command();
        if let Some(file) = config_file(&args) {
            command = host::config_defaults(&file, command)?;
        }
        let matches = command
            .try_get_matches_from(args)
            .unwrap_or_else(|usage| usage.exit());
        Cli::from_arg_matches(&matches).map_err(anyhow::Error::from)
    }
}

/// The config file `invoke` reads: `--config FILE` (or `--config=FILE`), else
/// `$BOOTSTRAP_CONFIG`.
fn config_file(args: &[std::ffi::OsString]) -> Option<PathBuf> {
    let mut words = args.iter().map(|arg| arg.to_string_lossy());
    while let Some(word) = words.next() {
        if word == "--config" {
            return words.next().map(|value| PathBuf::from(value.as_ref()));
        }
        if let Some(value) = word.strip_prefix("--config=") {
            return Some(PathBuf::from(value));
        }
    }
    std::env::var_os("BOOTSTRAP_CONFIG").map(PathBuf::from)
}

/// Runs the command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::New(args) => new::run(&args),
        Command::Build(args) => build::run(&args),
        Command::Compile(args) => compile::run(&args),
        Command::Package(args) => package::run(&args),
        Command::Invoke(args) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?
            .block_on(invoke::run(*args)),
    }
}
