//! Fail: the event `error` returns a handler error, `trap` panics, anything else is
//! echoed. Shows what FC's error responses look like for each.
//!
//! Build/run with:
//!   cargo build --manifest-path examples/Cargo.toml -p fail --target wasm32-wasip2 --release
//!   cargo run --release -p host -- --module examples/target/wasm32-wasip2/release/fail.wasm

use guest_sdk::{Context, Error};

fn fail(_ctx: &Context, event: Vec<u8>) -> Result<Vec<u8>, Error> {
    match event.as_slice() {
        b"error" => Err(Error::new(
            "ValidationError",
            "the event asked for an error",
        )),
        b"trap" => panic!("the event asked for a trap"),
        _ => Ok(event),
    }
}

guest_sdk::start!(fail);
