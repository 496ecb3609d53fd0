//! Logging through the host: each record becomes one FC log line,
//! `<UTC time>: <request id> [LEVEL]  <message>`. Plain `println!`/`eprintln!` work
//! too (as `INFO` and `ERROR` records); these add levels.

pub use crate::bindings::Level;

/// Writes one record at `level`. A multi-line message stays one record.
pub fn log(level: Level, message: &str) {
    crate::bindings::log(level, message);
}

/// Logs a formatted message at `INFO`: `guest_sdk::info!("got {} bytes", n)`.
#[macro_export]
macro_rules! info {
    ($($arg:tt)+) => { $crate::log::log($crate::log::Level::Info, &::std::format!($($arg)+)) };
}

/// Logs a formatted message at `WARN`.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)+) => { $crate::log::log($crate::log::Level::Warn, &::std::format!($($arg)+)) };
}

/// Logs a formatted message at `ERROR`.
#[macro_export]
macro_rules! error {
    ($($arg:tt)+) => { $crate::log::log($crate::log::Level::Error, &::std::format!($($arg)+)) };
}

/// Logs a formatted message at `DEBUG`.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)+) => { $crate::log::log($crate::log::Level::Debug, &::std::format!($($arg)+)) };
}

/// Logs a formatted message at `TRACE`.
#[macro_export]
macro_rules! trace {
    ($($arg:tt)+) => { $crate::log::log($crate::log::Level::Trace, &::std::format!($($arg)+)) };
}
