//! Context: returns the call's context as JSON, in the shape of FC's Node.js context.
//!
//! Build/run with:
//!   cargo build --manifest-path examples/Cargo.toml -p context --target wasm32-wasip2 --release
//!   cargo run --release -p host -- --module examples/target/wasm32-wasip2/release/context.wasm

use guest_sdk::{Context, Error, EventHandler};

struct ShowContext;

impl EventHandler for ShowContext {
    fn handle(ctx: &Context, _event: Vec<u8>) -> Result<Vec<u8>, Error> {
        Ok(serde_json::to_vec(ctx)?)
    }
}

guest_sdk::export!(ShowContext: EventHandler);
