//! Library error backtraces off unless the environment asks for them.
//!
//! wasmtime and anyhow capture a backtrace for every error they create when
//! `RUST_BACKTRACE=1` is set, including errors created and discarded while a
//! precompiled module is mapped, and every trap. In the static build each capture walks
//! the executable's unwind tables: with `RUST_BACKTRACE=1`, two such captures were 86% of
//! the instructions of a cold start, a trapping call cost three times the CPU and
//! peak RSS grew by 3 MB. `bootstrap` prints errors as one line and never their
//! backtraces, so it sets `RUST_LIB_BACKTRACE=0` for itself when that is unset; panics
//! still follow `RUST_BACKTRACE`, and guests never see the variable it set.

use std::sync::atomic::{AtomicBool, Ordering};

/// The variable std reads, before `RUST_BACKTRACE`, for library backtraces.
pub(crate) const LIBRARY_BACKTRACE: &str = "RUST_LIB_BACKTRACE";

/// Whether `bootstrap` set [`LIBRARY_BACKTRACE`] itself (so guests must not see it).
static SET_BY_HOST: AtomicBool = AtomicBool::new(false);

/// Turns library error backtraces off for this process unless `RUST_LIB_BACKTRACE`
/// chooses. Call it first in `main`, before any thread starts.
pub fn turn_off_library_backtraces() {
    if std::env::var_os(LIBRARY_BACKTRACE).is_some() {
        return;
    }
    // SAFETY: called at the start of `main`, before any other thread exists, so no
    // other thread reads or writes the environment at the same time.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var(LIBRARY_BACKTRACE, "0");
    }
    SET_BY_HOST.store(true, Ordering::Relaxed);
}

/// Whether `name` is a variable `bootstrap` set for itself.
pub(crate) fn set_by_host(name: &str) -> bool {
    name == LIBRARY_BACKTRACE && SET_BY_HOST.load(Ordering::Relaxed)
}
