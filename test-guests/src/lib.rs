//! Paths of the guest components the tests and benchmarks run: every example and every
//! fixture of `fixtures/`, built from source for `wasm32-wasip2` by `build.rs` (no
//! `.wasm` file is committed). One `const` per guest, named after its crate.

include!(concat!(env!("OUT_DIR"), "/guests.rs"));
