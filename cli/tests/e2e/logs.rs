//! The FC log: Start/End lines around every call, guest output as records tagged with
//! the request id, and the `x-fc-log-type: Tail` emulation.

use crate::support::{InProcess, fc_request};
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::Full;
use test_guests as guests;

fn invoke_with_id(id: &str, body: &str) -> http::Request<Full<Bytes>> {
    fc_request("/invoke")
        .header("x-fc-request-id", id)
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

/// The records of the log without their timestamps.
fn records(log: &str) -> Vec<String> {
    log.lines()
        .map(|line| match line.split_once("Z: ") {
            Some((_, rest)) => rest.to_string(),
            None => line.to_string(),
        })
        .collect()
}

#[tokio::test]
async fn every_call_is_framed_by_start_and_end_lines() {
    let host = InProcess::start(guests::ECHO);
    host.send(invoke_with_id("req-a", "x")).await;
    host.send(invoke_with_id("req-b", "y")).await;
    let init = fc_request("/initialize")
        .header("x-fc-request-id", "req-i")
        .body(Full::new(Bytes::new()))
        .unwrap();
    host.send(init).await;
    assert_eq!(
        records(&host.log()),
        [
            "FC Invoke Start RequestId: req-a",
            "FC Invoke End RequestId: req-a",
            "FC Invoke Start RequestId: req-b",
            "FC Invoke End RequestId: req-b",
            "FC Initialize Start RequestId: req-i",
            "FC Initialize End RequestId: req-i",
        ]
    );
}

#[tokio::test]
async fn guest_stdout_is_tagged_with_the_request_id() {
    let host = InProcess::start(guests::MISBEHAVE);
    host.send(invoke_with_id("req-p", "print:2")).await;
    assert_eq!(
        records(&host.log()),
        [
            "FC Invoke Start RequestId: req-p",
            "req-p [INFO]  line 0",
            "req-p [INFO]  line 1",
            "FC Invoke End RequestId: req-p",
        ]
    );
    let stamp = host
        .log()
        .lines()
        .nth(1)
        .unwrap()
        .split_once(": ")
        .unwrap()
        .0
        .to_string();
    assert_eq!(stamp.len(), "2006-01-02T15:04:05.999Z".len(), "{stamp}");
    assert!(stamp.ends_with('Z'));
}

#[tokio::test]
async fn log_import_records_keep_their_levels() {
    let host = InProcess::start(guests::MISBEHAVE);
    host.send(invoke_with_id("req-l", "log")).await;
    assert_eq!(
        records(&host.log())[1..6],
        [
            "req-l [TRACE]  a trace record",
            "req-l [DEBUG]  a debug record",
            "req-l [INFO]  an info record",
            "req-l [WARN]  a warn record",
            "req-l [ERROR]  an error record",
        ]
    );
}

#[tokio::test]
async fn a_failed_call_ends_with_an_error_line() {
    let host = InProcess::start(guests::FAIL);
    host.send(invoke_with_id("req-f", "error")).await;
    let records = records(&host.log());
    assert_eq!(
        records[1],
        "req-f [ERROR]  ValidationError: the event asked for an error"
    );
    assert_eq!(
        records[2],
        "FC Invoke End RequestId: req-f, Error: Unhandled function error"
    );
}

#[tokio::test]
async fn tail_log_holds_only_this_calls_log() {
    let host = InProcess::start(guests::MISBEHAVE);
    host.send(invoke_with_id("earlier", "print:3")).await;
    let mut request = invoke_with_id("tailed", "print:2");
    request
        .headers_mut()
        .insert("x-fc-log-type", "Tail".parse().unwrap());
    let response = host.send(request).await;
    let encoded = response.headers()["x-fc-log-result"].to_str().unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    assert_eq!(
        records(&String::from_utf8(decoded).unwrap()),
        [
            "FC Invoke Start RequestId: tailed",
            "tailed [INFO]  line 0",
            "tailed [INFO]  line 1",
            "FC Invoke End RequestId: tailed",
        ]
    );
}

#[tokio::test]
async fn tail_log_is_capped_at_4_kb() {
    let host = InProcess::start(guests::MISBEHAVE);
    let mut request = invoke_with_id("big", "print:1000");
    request
        .headers_mut()
        .insert("x-fc-log-type", "Tail".parse().unwrap());
    let response = host.send(request).await;
    let encoded = response.headers()["x-fc-log-result"].to_str().unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    assert_eq!(decoded.len(), 4096);
    assert!(String::from_utf8_lossy(&decoded).ends_with("FC Invoke End RequestId: big\n"));
}

#[tokio::test]
async fn no_tail_unless_asked() {
    let host = InProcess::start(guests::ECHO);
    let response = host.send(invoke_with_id("n", "x")).await;
    assert!(response.headers().get("x-fc-log-result").is_none());
}
