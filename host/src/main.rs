//! The `bootstrap` executable: parse flags, start logging, run the host.

use std::io::IsTerminal as _;
use std::process::ExitCode;

/// mimalloc, not the C library's allocator: musl's (the static build's) is several
/// times slower under concurrent calls, and glibc's no faster (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    host::turn_off_library_backtraces();
    start_logging();
    match host::Cli::load().and_then(host::run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line: the chain of causes joined by ": ".
            let message = format!("{error:#}").replace('\n', " ");
            eprintln!("bootstrap: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The host's own diagnostics: stderr, filtered by `RUST_LOG` (default `info`).
fn start_logging() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
}
