//! `/invoke` with the echo guest: bodies of every shape arrive and return unchanged.

use bytes::Bytes;
use http::Request;
use http_body_util::Full;
use tests::{TestHost, guests, invoke_request, join_all, text};

#[tokio::test]
async fn echo_returns_the_event() {
    let host = TestHost::start(guests::ECHO);
    let response = host.invoke("hello world").await;
    assert_eq!(response.status(), 200);
    assert_eq!(text(&response), "hello world");
    let status = response.headers().get("x-fc-status");
    assert!(status.is_none_or(|s| s == "200"), "{status:?}");
}

#[tokio::test]
async fn every_byte_value_round_trips() {
    let host = TestHost::start(guests::ECHO);
    let all: Vec<u8> = (0..=255u8).collect();
    let response = host.invoke(all.clone()).await;
    assert_eq!(response.body().as_ref(), all.as_slice());
}

#[tokio::test]
async fn empty_event_round_trips() {
    let host = TestHost::start(guests::ECHO);
    let response = host.invoke(Bytes::new()).await;
    assert_eq!(response.status(), 200);
    assert!(response.body().is_empty());
}

#[tokio::test]
async fn multi_mib_event_round_trips() {
    let host = TestHost::start(guests::ECHO);
    let big: Vec<u8> = (0..6 * 1024 * 1024).map(|i: u32| (i % 251) as u8).collect();
    let response = host.invoke(big.clone()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.body().len(), big.len());
    assert!(response.body().as_ref() == big.as_slice());
}

#[tokio::test]
async fn invoke_without_control_path_is_an_invoke() {
    let host = TestHost::start(guests::ECHO);
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
    let host = TestHost::start(guests::ECHO);
    let addr = host.addr();
    let tasks = (0..64)
        .map(|i| {
            tokio::spawn(async move {
                let mut connection = tests::Connection::open(addr).await;
                let body = format!("event number {i} {}", "x".repeat(i * 100));
                let response = connection.send(invoke_request(body.clone())).await;
                (body, response)
            })
        })
        .collect();
    for (sent, response) in join_all(tasks).await {
        assert_eq!(response.status(), 200);
        assert_eq!(text(&response), sent);
    }
}

#[tokio::test]
async fn two_hundred_invokes_share_one_keep_alive_connection() {
    let host = TestHost::start(guests::ECHO);
    let mut connection = host.connect().await;
    for i in 0..200 {
        let response = connection.send(invoke_request(format!("call {i}"))).await;
        assert_eq!(response.status(), 200, "call {i}");
        assert_eq!(text(&response), format!("call {i}"));
    }
}
