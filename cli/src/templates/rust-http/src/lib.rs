use guest_sdk::Context;
use guest_sdk::http::{IntoResponse, Json, Method, Request, RequestExt, StatusCode};

/// Answers every HTTP-trigger request, routed on its method and route.
fn handler(ctx: &Context, request: Request) -> impl IntoResponse {
    match (request.method(), request.route()) {
        (&Method::GET, "/") => "hello from {{name}}".into_response(),
        (&Method::GET, "/whoami") => Json(guest_sdk::serde_json::json!({
            "ip": request.client_ip(),
            "requestId": ctx.request_id(),
        }))
        .into_response(),
        (&Method::POST, "/echo") => request.into_body().into_bytes().into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

guest_sdk::serve!(handler);
