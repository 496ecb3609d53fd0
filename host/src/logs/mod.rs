//! Where FC log output goes ([`LogSink`]), the bounded stdout writer behind it, and the
//! per-instance writer that turns a guest's stdout, stderr and `log` calls into FC log
//! records tagged with the current request id.
//!
//! Memory stays bounded whatever a guest writes, and writing never blocks an async
//! worker: stdout is written by a thread of its own from a bounded buffer; when stdout
//! does not keep up, records are dropped (never the Start/End lines) and the number
//! dropped is written to the log.

mod guest;
mod stdout;

use std::io::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

pub(crate) use self::guest::{GuestLog, Stream, TAIL_BYTES, last_bytes};
pub(crate) use self::stdout::flush_stdout;

/// The destination of every FC log line: the process's stdout, or a buffer (tests).
#[derive(Clone, Debug, Default)]
pub enum LogSink {
    /// Write to stdout, through a bounded buffer and a writer thread.
    #[default]
    Stdout,
    /// Write to stderr (`fcwasm invoke`, whose stdout is the result).
    Stderr,
    /// Collect everything in memory (for tests that read the log).
    Capture(Arc<Mutex<Vec<u8>>>),
    /// Drop everything (for benchmarks of the call path).
    Discard,
}

impl LogSink {
    /// A sink that collects output in memory, and the handle to read it.
    pub fn capture() -> (Self, Arc<Mutex<Vec<u8>>>) {
        let buffer = Arc::default();
        (LogSink::Capture(Arc::clone(&buffer)), buffer)
    }

    /// Appends a Start or End line with `append`, straight into the destination. These
    /// are never dropped: the platform cuts per-request logs by them.
    pub(crate) fn write_marker(&self, append: impl FnOnce(&mut Vec<u8>)) {
        match self {
            LogSink::Stdout => stdout::shared().write(stdout::Kind::Marker, append),
            LogSink::Capture(buffer) => append(&mut lock(buffer)),
            LogSink::Stderr | LogSink::Discard => {
                let mut line = Vec::with_capacity(128);
                append(&mut line);
                self.write_record(&line);
            }
        }
    }

    /// Writes whole record lines. On stdout they may be dropped (and counted) when it
    /// does not keep up; errors (a closed stdout) are ignored, the host carries on.
    pub(crate) fn write_record(&self, bytes: &[u8]) {
        match self {
            LogSink::Stdout => {
                stdout::shared().write(stdout::Kind::Record, |out| out.extend_from_slice(bytes))
            }
            LogSink::Stderr => {
                let _ = std::io::stderr().lock().write_all(bytes);
            }
            LogSink::Capture(buffer) => lock(buffer).extend_from_slice(bytes),
            LogSink::Discard => {}
        }
    }
}

/// Locks a mutex, recovering from poisoning: log state is plain bytes, always usable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
