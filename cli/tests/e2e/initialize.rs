//! Initializer semantics: at most one success per instance, retried after failure,
//! replayed on instances created later.

use crate::support::{InProcess, fc_request, join_all, json, text};
use bytes::Bytes;
use http_body_util::Full;
use test_guests as guests;

fn initialize(initializer: &str) -> http::Request<Full<Bytes>> {
    fc_request("/initialize")
        .header("x-fc-request-id", "init-1")
        .header("x-fc-function-initializer", initializer)
        .body(Full::new(Bytes::new()))
        .unwrap()
}

#[tokio::test]
async fn initializer_state_is_seen_by_every_later_invoke() {
    let host = InProcess::start(guests::COUNTER);
    let response = host.send(initialize("index.init")).await;
    assert_eq!(response.status(), 200);
    assert!(response.body().is_empty());
    for expected in 1..=5 {
        let response = host.send(crate::support::invoke_request("")).await;
        assert_eq!(text(&response), expected.to_string());
    }
}

#[tokio::test]
async fn second_initialize_does_not_run_the_initializer_again() {
    let host = InProcess::start(guests::COUNTER);
    assert_eq!(host.send(initialize("i")).await.status(), 200);
    assert_eq!(text(&host.invoke("").await), "1");
    assert_eq!(text(&host.invoke("").await), "2");
    assert_eq!(host.send(initialize("i")).await.status(), 200);
    // Had the initializer run again, the counter would restart at 1.
    assert_eq!(text(&host.invoke("").await), "3");
}

#[tokio::test]
async fn without_initialize_the_sdk_builds_the_state_before_the_first_call() {
    let host = InProcess::start(guests::COUNTER);
    assert_eq!(text(&host.invoke("").await), "1");
    assert_eq!(text(&host.invoke("").await), "2");
    assert!(
        !host.log().contains("FC Initialize"),
        "the host ran no initializer: {}",
        host.log()
    );
    assert_eq!(host.send(initialize("i")).await.status(), 200);
    assert_eq!(text(&host.invoke("").await), "3", "the state is built once");
}

#[tokio::test]
async fn failed_initializer_returns_the_error_and_can_be_retried() {
    let host = InProcess::start(guests::MISBEHAVE);
    let response = host.send(initialize("fail")).await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-fc-status"], "404");
    assert_eq!(
        json(&response),
        serde_json::json!({"errorMessage": "initializer failed", "errorType": "InitError"})
    );
    // A call before the initializer succeeded runs it first, with its own context.
    let failing = crate::support::invoke_with("inits", &[("x-fc-function-initializer", "fail")]);
    assert_eq!(json(&host.send(failing).await)["errorType"], "InitError");
    assert_eq!(host.send(initialize("ok")).await.status(), 200);
    assert_eq!(text(&host.invoke("inits").await), "1");
}

#[tokio::test]
async fn panicking_initializer_is_a_trap_and_can_be_retried() {
    let host = InProcess::start(guests::MISBEHAVE);
    let response = host.send(initialize("panic")).await;
    assert_eq!(response.status(), 404);
    let body = json(&response);
    assert_eq!(body["errorType"], "WasmTrap");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("initializer panicked"),
        "{body}"
    );
    assert_eq!(host.send(initialize("ok")).await.status(), 200);
    assert_eq!(text(&host.invoke("inits").await), "1");
}

#[tokio::test]
async fn instance_replacing_a_trapped_one_replays_the_initializer() {
    let host = InProcess::start(guests::MISBEHAVE);
    assert_eq!(host.send(initialize("ok")).await.status(), 200);
    let first = text(&host.invoke("id").await);
    assert_eq!(host.invoke("unreachable").await.status(), 404);
    let second = text(&host.invoke("id").await);
    assert_ne!(first, second);
    assert_eq!(
        text(&host.invoke("inits").await),
        "1",
        "the new instance was initialized"
    );
}

#[tokio::test]
async fn instances_added_under_concurrency_replay_the_initializer() {
    let host = InProcess::start(guests::MISBEHAVE);
    assert_eq!(host.send(initialize("ok")).await.status(), 200);
    let tasks = (0..8)
        .map(|_| {
            let host = host.clone();
            tokio::spawn(async move {
                // Hold each instance a moment so the pool has to grow.
                host.send(crate::support::invoke_request("sleep:300")).await;
                text(&host.send(crate::support::invoke_request("inits")).await)
            })
        })
        .collect();
    for inits in join_all(tasks).await {
        assert_eq!(inits, "1");
    }
}

#[tokio::test]
async fn initialize_on_a_guest_without_lifecycle_is_a_no_op() {
    let host = InProcess::start(guests::ECHO);
    let response = host.send(initialize("x")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(text(&host.invoke("still works").await), "still works");
}

#[tokio::test]
async fn locally_the_initializer_runs_before_the_first_call_by_itself() {
    let host = InProcess::start_with(guests::COUNTER, |args| {
        args.call.initializer = host::Initializer::Auto;
    });
    let first = host
        .send(crate::support::invoke_with(
            "",
            &[("x-fc-request-id", "first")],
        ))
        .await;
    assert_eq!(text(&first), "1", "the counter was initialized first");
    assert_eq!(text(&host.invoke("").await), "2");
    let log = host.log();
    assert!(
        log.starts_with("FC Initialize Start RequestId: first-initialize\n"),
        "{log}"
    );
    assert_eq!(log.matches("FC Initialize Start").count(), 1, "{log}");
    assert_eq!(host.send(initialize("i")).await.status(), 200);
    assert_eq!(
        text(&host.invoke("").await),
        "3",
        "a later /initialize runs nothing"
    );
}

#[tokio::test]
async fn on_fc_the_initializer_waits_for_initialize() {
    let host = InProcess::start_with(guests::COUNTER, |args| {
        args.call.initializer = host::Initializer::Auto;
        args.call.fc_instance_id = Some("c-6735b0c7-1234".into());
    });
    assert_eq!(text(&host.invoke("").await), "1");
    assert!(!host.log().contains("FC Initialize"), "{}", host.log());
}

#[tokio::test]
async fn a_failing_automatic_initializer_fails_the_call_and_is_tried_again() {
    let host = InProcess::start_with(guests::MISBEHAVE, |args| {
        args.call.initializer = host::Initializer::On;
    });
    let failing = crate::support::invoke_with("inits", &[("x-fc-function-initializer", "fail")]);
    let response = host.send(failing).await;
    assert_eq!(response.status(), 404);
    assert_eq!(json(&response)["errorType"], "InitError");
    assert_eq!(
        text(&host.invoke("inits").await),
        "1",
        "tried again, and it worked"
    );
}
