//! The `bootstrap` executable: parse flags, start logging, run the host.

use std::process::ExitCode;

use std::io::IsTerminal as _;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = host::Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match host::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line: the chain of causes joined by ": ".
            let message = format!("{error:#}").replace('\n', " ");
            eprintln!("bootstrap: {message}");
            ExitCode::FAILURE
        }
    }
}
