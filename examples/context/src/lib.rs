//! Context: returns the call's context as JSON, in the shape of FC's Node.js context.
//!
//! Build/run with:
//!   cargo build --manifest-path examples/Cargo.toml -p context --target wasm32-wasip2 --release
//!   cargo run --release -p host -- --module examples/target/wasm32-wasip2/release/context.wasm

use guest_sdk::{Context, ContextFields, Error, Json};

fn show_context(ctx: &Context, _event: Vec<u8>) -> Result<Json<ContextFields>, Error> {
    Ok(Json(ctx.to_fields()))
}

guest_sdk::start!(show_context);
