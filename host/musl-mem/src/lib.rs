//! `memcpy` and `memmove` for the static musl build of `bootstrap` on x86_64.
//!
//! musl's x86_64 `memcpy` is `rep movsq` whatever the size: a few dozen cycles of
//! start-up on every call, which a server pays on each of the many small copies of a
//! request (header values, futures moved into place, log lines). glibc, which the native
//! baseline uses, copies small and medium sizes with unaligned vector loads and stores.
//! These versions do the same: up to 64 bytes with overlapping loads and stores from
//! both ends (every byte loaded before any is stored, so they also serve `memmove`),
//! up to 512 bytes in 32-byte steps, and beyond with `rep movsb`, which
//! every x86_64 CPU since 2012 runs at full speed for large copies (ERMSB).
//!
//! Defining the symbols in the executable keeps musl's from being linked: `memmove` is
//! defined here too, since musl's calls into its `memcpy` object (two definitions of
//! `memcpy` would not link). The crate is `no_builtins`, so the compiler never turns
//! the copy loops below back into calls to `memcpy`. On any other target the crate is
//! empty.

#![no_std]
#![no_builtins]
// The one crate of the workspace that is all `unsafe`: C's memory functions.
#![allow(unsafe_code)]

#[cfg(all(target_arch = "x86_64", target_env = "musl"))]
mod x86_64;
