//! Failures become FC error responses; the host stays up and the next call succeeds.

use crate::support::{InProcess, fc_request, json, text};
use bytes::Bytes;
use http_body_util::Full;
use test_guests as guests;

#[tokio::test]
async fn handler_error_is_a_404_with_fc_body() {
    let host = InProcess::start(guests::FAIL);
    let response = host.invoke("error").await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-fc-status"], "404");
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(
        json(&response),
        serde_json::json!({"errorMessage": "the event asked for an error", "errorType": "ValidationError"})
    );
}

#[tokio::test]
async fn panic_is_a_trap_with_message_and_backtrace_then_recovers() {
    let host = InProcess::start(guests::FAIL);
    let response = host.invoke("trap").await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-fc-status"], "404");
    let body = json(&response);
    assert_eq!(body["errorType"], "WasmTrap");
    let message = body["errorMessage"].as_str().unwrap();
    assert!(message.contains("the event asked for a trap"), "{message}");
    assert!(message.contains("unreachable"), "{message}");
    let frames = body["stackTrace"].as_array().unwrap();
    assert!(
        frames.iter().any(|f| f
            .as_str()
            .unwrap()
            .contains("fc:runtime/event-handler@0.2.0#handle")),
        "{frames:?}"
    );
    let next = host.invoke("fine").await;
    assert_eq!(next.status(), 200);
    assert_eq!(text(&next), "fine");
}

#[tokio::test]
async fn unreachable_trap_is_reported() {
    let host = InProcess::start(guests::MISBEHAVE);
    let response = host.invoke("unreachable").await;
    assert_eq!(response.status(), 404);
    let body = json(&response);
    assert_eq!(body["errorType"], "WasmTrap");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("unreachable"),
        "{body}"
    );
    assert_eq!(text(&host.invoke("after").await), "after");
}

#[tokio::test]
async fn stack_overflow_is_a_trap_and_the_instance_is_replaced() {
    let host = InProcess::start(guests::MISBEHAVE);
    let before = text(&host.invoke("id").await);
    let response = host.invoke("overflow").await;
    assert_eq!(response.status(), 404);
    let body = json(&response);
    assert_eq!(body["errorType"], "WasmTrap");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("call stack exhausted"),
        "{body}"
    );
    let after = text(&host.invoke("id").await);
    assert_ne!(before, after, "the trapped instance must not serve again");
}

#[tokio::test]
async fn a_guest_calling_exit_fails_the_call_and_its_instance_is_replaced() {
    let host = InProcess::start(guests::MISBEHAVE);
    let before = text(&host.invoke("id").await);
    // WASI 0.2's `exit` carries success or failure, not the number: 3 arrives as 1.
    for (code, status) in [("0", "0"), ("3", "1")] {
        let response = host.invoke(format!("exit:{code}")).await;
        assert_eq!(response.status(), 404);
        assert_eq!(response.headers()["x-fc-status"], "404");
        let body = json(&response);
        assert_eq!(body["errorType"], "ProcessExited");
        let message = body["errorMessage"].as_str().unwrap();
        assert!(
            message.contains(&format!(
                "Process exited unexpectedly before completing request (exit status {status})"
            )),
            "{message}"
        );
    }
    let after = text(&host.invoke("id").await);
    assert_ne!(before, after, "an exited instance must not serve again");
}

#[tokio::test]
async fn overflowing_the_guest_data_stack_is_a_trap() {
    let host = InProcess::start(guests::MISBEHAVE);
    let response = host.invoke("overflow-data").await;
    assert_eq!(response.status(), 404);
    let body = json(&response);
    assert_eq!(body["errorType"], "WasmTrap");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("out of bounds"),
        "{body}"
    );
    assert_eq!(text(&host.invoke("after").await), "after");
}

#[tokio::test]
async fn handler_errors_keep_the_instance() {
    let host = InProcess::start(guests::MISBEHAVE);
    let before = text(&host.invoke("id").await);
    let response = host.invoke("sleep:not-a-number").await;
    assert_eq!(response.status(), 404);
    assert_eq!(json(&response)["errorType"], "ParseIntError");
    assert_eq!(text(&host.invoke("id").await), before);
}

#[tokio::test]
async fn unknown_control_path_is_a_clear_4xx() {
    let host = InProcess::start(guests::ECHO);
    let request = http::Request::post("/invoke")
        .header("host", "127.0.0.1")
        .header("x-fc-control-path", "/teleport")
        .body(Full::new(Bytes::from("x")))
        .unwrap();
    let response = host.send(request).await;
    assert_eq!(response.status(), 400);
    let body = json(&response);
    assert_eq!(body["ErrorCode"], "InvalidArgument");
    assert!(
        body["ErrorMessage"].as_str().unwrap().contains("/teleport"),
        "{body}"
    );
    assert_eq!(text(&host.invoke("alive").await), "alive");
}

#[tokio::test]
async fn a_20_kb_header_block_is_rejected_and_the_host_lives() {
    let host = InProcess::start(guests::ECHO);
    let mut request = fc_request("/invoke");
    for i in 0..20 {
        request = request.header(format!("x-padding-{i}"), "p".repeat(1000));
    }
    let response = host
        .send(request.body(Full::new(Bytes::from("x"))).unwrap())
        .await;
    assert!(
        matches!(response.status().as_u16(), 400 | 431),
        "{}",
        response.status()
    );
    if response.status() == 400 {
        assert_eq!(json(&response)["ErrorCode"], "InvalidArgument");
    }
    assert_eq!(text(&host.invoke("alive").await), "alive");
}

#[tokio::test]
async fn http_request_to_an_event_only_guest_names_the_missing_export() {
    let host = InProcess::start(guests::ECHO);
    let request = http::Request::get("/some/page")
        .header("host", "127.0.0.1")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = host.send(request).await;
    assert_eq!(response.status(), 502);
    assert_eq!(response.headers()["x-fc-status"], "404");
    let body = json(&response);
    assert_eq!(body["errorType"], "MissingExport");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("http-handler"),
        "{body}"
    );
}
