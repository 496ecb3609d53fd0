//! Echo: returns the event unchanged. The default module of the README's run command.
//!
//! Build/run with:
//!   cargo build --manifest-path examples/Cargo.toml -p echo --target wasm32-wasip2 --release
//!   cargo run --release -p host -- --module examples/target/wasm32-wasip2/release/echo.wasm

use guest_sdk::{Context, Error};

fn echo(_ctx: &Context, event: Vec<u8>) -> Result<Vec<u8>, Error> {
    Ok(event)
}

guest_sdk::start!(echo);
