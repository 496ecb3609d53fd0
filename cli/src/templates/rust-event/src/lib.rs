use guest_sdk::{Context, Error};

/// Answers every event: the event is the request body, the answer the response body.
fn handler(ctx: &Context, name: String) -> Result<String, Error> {
    guest_sdk::info!("greeting {name}"); // an FC log line with the request id
    Ok(format!("hello {name} from {}", ctx.function().name))
}

/// Runs once per instance, before its first call (FC's initializer).
fn initialize(_ctx: &Context) -> Result<(), Error> {
    println!("connecting once per instance"); // stdout is logged too
    Ok(())
}

guest_sdk::start!(handler, initialize);
