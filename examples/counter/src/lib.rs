//! Counter: the initializer builds the state (a counter at 0); each invoke increments
//! it and returns the new value as decimal text. The state lives in the handler's type,
//! built once per instance: by `/initialize` on FC, else before the first call.
//!
//! Build/run with:
//!   cargo build --manifest-path examples/Cargo.toml -p counter --target wasm32-wasip2 --release
//!   cargo run --release -p host -- --module examples/target/wasm32-wasip2/release/counter.wasm

use guest_sdk::{Context, Error, EventFunction, Function};

struct Counter {
    value: u64,
}

impl Function for Counter {
    fn initialize(ctx: &Context) -> Result<Self, Error> {
        guest_sdk::info!("counter starts for {}", ctx.function().name);
        Ok(Counter { value: 0 })
    }
}

impl EventFunction for Counter {
    type Event = Vec<u8>;
    type Output = String;

    fn handle(&mut self, _ctx: &Context, _event: Vec<u8>) -> Result<String, Error> {
        self.value += 1;
        Ok(self.value.to_string())
    }
}

guest_sdk::export!(Counter: EventFunction);
