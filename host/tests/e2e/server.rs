//! What only a real socket shows: keep-alive, a client that goes away mid-call, a
//! response that streams after its head, pipelining.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Served, assert_framed, invoke_request, raw_exchange, records, text};
use test_guests as guests;

#[tokio::test]
async fn two_hundred_invokes_share_one_keep_alive_connection() {
    let host = Served::start(guests::ECHO);
    let mut connection = host.connect().await;
    for i in 0..200 {
        let response = connection.send(invoke_request(format!("call {i}"))).await;
        assert_eq!(response.status(), 200, "call {i}");
        assert_eq!(text(&response), format!("call {i}"));
    }
}

#[tokio::test]
async fn a_client_that_goes_away_mid_call_still_gets_its_call_framed_and_finished() {
    let host = Served::start(guests::MISBEHAVE);
    let before = text(&host.invoke("id").await);
    let mut stream = TcpStream::connect(host.addr()).await.unwrap();
    let request = "POST /invoke HTTP/1.1\r\nhost: h\r\nx-fc-request-id: gone-1\r\n\
                   content-length: 9\r\n\r\nsleep:300";
    stream.write_all(request.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(stream);
    host.wait_for_log("FC Invoke End RequestId: gone-1").await;
    let log = host.log();
    assert!(
        log.contains("FC Invoke End RequestId: gone-1\n"),
        "the call ran to its end: {log}"
    );
    assert_framed(&log);
    assert_eq!(
        text(&host.invoke("id").await),
        before,
        "the instance of the abandoned call was kept"
    );
}

#[tokio::test]
async fn a_streamed_response_ends_its_frame_after_the_guest_output() {
    let host = Served::start(guests::WASI_HTTP);
    let raw = raw_exchange(
        host.addr(),
        b"GET /stream HTTP/1.1\r\nhost: h\r\nx-fc-request-id: s-1\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(raw.status, 200);
    host.wait_for_log("FC Invoke End RequestId: s-1").await;
    let log = records(&host.log());
    let last_chunk = log.iter().position(|l| l == "s-1 [INFO]  sending chunk 4");
    let end = log.iter().position(|l| l == "FC Invoke End RequestId: s-1");
    assert!(
        last_chunk.is_some() && last_chunk < end,
        "the End line comes after the guest's output: {log:?}"
    );
    assert_framed(&host.log());
}

#[tokio::test]
async fn pipelined_requests_are_answered_in_order() {
    let host = Served::start(guests::ECHO);
    let mut stream = TcpStream::connect(host.addr()).await.unwrap();
    let mut requests = String::new();
    for i in 0..5 {
        let body = format!("p{i}");
        requests.push_str(&format!(
            "POST /invoke HTTP/1.1\r\nhost: h\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        ));
    }
    requests.push_str(
        "POST /invoke HTTP/1.1\r\nhost: h\r\nconnection: close\r\ncontent-length: 4\r\n\r\nlast",
    );
    stream.write_all(requests.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let positions: Vec<usize> = ["p0", "p1", "p2", "p3", "p4", "last"]
        .iter()
        .map(|body| answer.find(&format!("\r\n\r\n{body}")).expect(&answer))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{answer}");
}
