//! Counter: the initializer sets a counter to 0; each invoke increments it and returns
//! the new value as decimal text. Invoking before `/initialize` is an error, so the
//! example shows that state built by the initializer is there for every call.
//!
//! Build/run with:
//!   cargo build --manifest-path examples/Cargo.toml -p counter --target wasm32-wasip2 --release
//!   cargo run --release -p host -- --module examples/target/wasm32-wasip2/release/counter.wasm

use std::sync::Mutex;

use guest_sdk::{Context, Error, EventHandler, Lifecycle};

/// `None` until the initializer runs.
static COUNTER: Mutex<Option<u64>> = Mutex::new(None);

struct Counter;

impl Lifecycle for Counter {
    fn initialize(_ctx: &Context) -> Result<(), Error> {
        *COUNTER.lock()? = Some(0);
        Ok(())
    }
}

impl EventHandler for Counter {
    fn handle(_ctx: &Context, _event: Vec<u8>) -> Result<Vec<u8>, Error> {
        let mut counter = COUNTER.lock()?;
        let value = counter
            .as_mut()
            .ok_or_else(|| Error::new("NotInitialized", "call /initialize first"))?;
        *value += 1;
        Ok(value.to_string().into_bytes())
    }
}

guest_sdk::export!(Counter: EventHandler, Lifecycle);
