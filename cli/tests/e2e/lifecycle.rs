//! The platform's lifecycle hooks: `GET /pre-freeze` and `GET /pre-stop` run the
//! guest's hooks on every live instance, and never answer 5xx.

use crate::support::{InProcess, invoke_request, join_all, json};
use bytes::Bytes;
use http::Request;
use http_body_util::Full;
use test_guests as guests;

fn hook(path: &str, id: &str, handler: &str) -> Request<Full<Bytes>> {
    Request::get(path)
        .header("host", "h")
        .header("x-fc-control-path", path)
        .header("x-fc-request-id", id)
        .header("x-fc-function-handler", handler)
        .body(Full::new(Bytes::new()))
        .unwrap()
}

#[tokio::test]
async fn hooks_run_on_every_live_instance_between_their_lines() {
    let host = InProcess::start(guests::MISBEHAVE);
    let tasks = (0..3)
        .map(|_| {
            let host = host.clone();
            tokio::spawn(async move { host.send(invoke_request("sleep:300")).await })
        })
        .collect();
    join_all(tasks).await;
    let response = host
        .send(hook("/pre-freeze", "freeze-1", "index.handler"))
        .await;
    assert_eq!(response.status(), 200);
    let log = host.log();
    let start = log
        .find("FC PreFreeze Start RequestId: freeze-1\n")
        .expect(&log);
    let end = log
        .find("FC PreFreeze End RequestId: freeze-1\n")
        .expect(&log);
    let frozen = log[start..end]
        .matches("freeze-1 [INFO]  pre-freeze ")
        .count();
    assert_eq!(frozen, 3, "{log}");
    assert_eq!(
        host.send(hook("/pre-stop", "stop-1", "index.handler"))
            .await
            .status(),
        200
    );
    assert_eq!(host.log().matches("stop-1 [INFO]  pre-stop ").count(), 3);
}

#[tokio::test]
async fn a_hook_without_an_export_is_a_200_no_op() {
    let host = InProcess::start(guests::ECHO);
    host.invoke("make an instance").await;
    for path in ["/pre-freeze", "/pre-stop"] {
        let response = host.send(hook(path, "h", "x")).await;
        assert_eq!(response.status(), 200, "{path}");
    }
    let log = host.log();
    assert!(
        log.contains("FC PreStop Start RequestId: h\nFC PreStop End RequestId: h\n"),
        "{log}"
    );
}

#[tokio::test]
async fn a_failing_hook_answers_404_with_the_fc_body() {
    let host = InProcess::start(guests::MISBEHAVE);
    host.invoke("make an instance").await;
    let response = host.send(hook("/pre-freeze", "f", "fail-hooks")).await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-fc-status"], "404");
    assert_eq!(
        json(&response),
        serde_json::json!({"errorMessage": "pre-freeze failed", "errorType": "HookError"})
    );
}

#[tokio::test]
async fn a_hook_that_hangs_times_out_with_a_404_not_a_5xx() {
    let host = InProcess::start_with(guests::MISBEHAVE, |args| {
        args.call.hook_timeout = std::time::Duration::from_secs(1)
    });
    host.invoke("make an instance").await;
    let response = host.send(hook("/pre-stop", "s", "hang-hooks")).await;
    assert_eq!(response.status(), 404);
    let body = json(&response);
    assert_eq!(body["errorType"], "HookTimeout");
    assert_eq!(
        body["errorMessage"],
        "PreStop hook timed out after 1 seconds"
    );
    assert_eq!(host.invoke("alive").await.status(), 200);
}

#[tokio::test]
async fn pre_stop_runs_once_per_instance() {
    let host = InProcess::start(guests::MISBEHAVE);
    host.invoke("make an instance").await;
    host.send(hook("/pre-stop", "s1", "index.handler")).await;
    host.send(hook("/pre-stop", "s2", "index.handler")).await;
    let log = host.log();
    assert_eq!(log.matches("[INFO]  pre-stop ").count(), 1, "{log}");
}

#[tokio::test]
async fn pre_freeze_waits_for_calls_in_flight() {
    let host = InProcess::start(guests::MISBEHAVE);
    let caller = host.clone();
    let busy = tokio::spawn(async move { caller.send(invoke_request("sleep:500")).await });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let response = host.send(hook("/pre-freeze", "w", "index.handler")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(busy.await.unwrap().status(), 200);
    assert_eq!(
        host.log().matches("w [INFO]  pre-freeze ").count(),
        1,
        "{}",
        host.log()
    );
}
