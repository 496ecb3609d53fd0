//! `/invoke` with the echo guest: bodies of every shape arrive and return unchanged.

use crate::support::{InProcess, invoke_request, join_all, text};
use bytes::Bytes;
use http::Request;
use http_body_util::Full;
use test_guests as guests;

#[tokio::test]
async fn echo_returns_the_event() {
    let host = InProcess::start(guests::ECHO);
    let response = host.invoke("hello world").await;
    assert_eq!(response.status(), 200);
    assert_eq!(text(&response), "hello world");
    let status = response.headers().get("x-fc-status");
    assert!(status.is_none_or(|s| s == "200"), "{status:?}");
}

#[tokio::test]
async fn every_byte_value_round_trips() {
    let host = InProcess::start(guests::ECHO);
    let all: Vec<u8> = (0..=255u8).collect();
    let response = host.invoke(all.clone()).await;
    assert_eq!(response.body().as_ref(), all.as_slice());
}

#[tokio::test]
async fn empty_event_round_trips() {
    let host = InProcess::start(guests::ECHO);
    let response = host.invoke(Bytes::new()).await;
    assert_eq!(response.status(), 200, "{}", text(&response));
    assert!(response.body().is_empty());
}

#[tokio::test]
async fn multi_mib_event_round_trips() {
    let host = InProcess::start(guests::ECHO);
    let big: Vec<u8> = (0..6 * 1024 * 1024).map(|i: u32| (i % 251) as u8).collect();
    let response = host.invoke(big.clone()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.body().len(), big.len());
    assert!(response.body().as_ref() == big.as_slice());
}

#[tokio::test]
async fn invoke_without_control_path_is_an_invoke() {
    let host = InProcess::start(guests::ECHO);
    let request = Request::post("/invoke")
        .header("host", "127.0.0.1")
        .body(Full::new(Bytes::from("plain")))
        .unwrap();
    let response = host.send(request).await;
    assert_eq!(response.status(), 200);
    assert_eq!(text(&response), "plain");
}

#[tokio::test]
async fn concurrent_invokes_each_get_their_own_answer() {
    let host = InProcess::start(guests::ECHO);
    let tasks = (0..64)
        .map(|i| {
            let host = host.clone();
            tokio::spawn(async move {
                let body = format!("event number {i} {}", "x".repeat(i * 100));
                let response = host.send(invoke_request(body.clone())).await;
                (body, response)
            })
        })
        .collect();
    for (sent, response) in join_all(tasks).await {
        assert_eq!(response.status(), 200);
        assert_eq!(text(&response), sent);
    }
}
