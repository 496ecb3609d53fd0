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

/// Reads what the server sends until it closes the connection (bounded: 20 s).
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut bytes = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut bytes));
    read.await.expect("the server closed the connection").ok();
    bytes
}

#[tokio::test]
async fn a_head_trickled_slower_than_the_header_timeout_is_cut_off() {
    let host = Served::start_with(guests::ECHO, |args| {
        args.header_read_timeout = Duration::from_millis(500);
    });
    let mut stream = TcpStream::connect(host.addr()).await.unwrap();
    let started = std::time::Instant::now();
    for byte in b"POST /invoke HTTP/1.1\r\nhost: h\r\n".iter().take(8) {
        if stream.write_all(&[*byte]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let answer = read_until_closed(&mut stream).await;
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn an_idle_keep_alive_connection_outlives_the_header_timeout() {
    let host = Served::start_with(guests::ECHO, |args| {
        args.header_read_timeout = Duration::from_millis(300);
    });
    let mut connection = host.connect().await;
    assert_eq!(text(&connection.send(invoke_request("one")).await), "one");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(text(&connection.send(invoke_request("two")).await), "two");
}

#[tokio::test]
async fn more_than_a_hundred_headers_within_8_kb_are_served() {
    let host = Served::start(guests::ECHO);
    let mut request = String::from("POST /invoke HTTP/1.1\r\nhost: h\r\n");
    for i in 0..500 {
        request.push_str(&format!("x-h{i}: v\r\n"));
    }
    request.push_str("content-length: 2\r\nconnection: close\r\n\r\nok");
    let response = raw_exchange(host.addr(), request.as_bytes()).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"ok");
}

#[tokio::test]
async fn heads_the_server_cannot_take_get_fcs_invalid_argument() {
    let host = Served::start(guests::ECHO);
    let too_many = {
        let mut request = String::from("GET / HTTP/1.1\r\nhost: h\r\n");
        for i in 0..2000 {
            request.push_str(&format!("h{i}:\r\n"));
        }
        request + "\r\n"
    };
    let huge = format!(
        "GET / HTTP/1.1\r\nhost: h\r\nx-big: {}\r\n\r\n",
        "b".repeat(400_000)
    );
    let malformed = "GET / HTTP/1.1\r\nbad header line\r\n\r\n".to_string();
    for request in [too_many, huge, malformed] {
        let response = raw_exchange(host.addr(), request.as_bytes()).await;
        assert_eq!(
            response.status,
            400,
            "{}",
            String::from_utf8_lossy(&response.body)
        );
        assert_eq!(response.header("x-fc-error-type"), Some("FcCommonError"));
        assert_eq!(response.json()["ErrorCode"], "InvalidArgument");
    }
    assert_eq!(text(&host.invoke("alive").await), "alive");
}

#[tokio::test]
async fn connections_past_the_cap_wait_for_one_to_close() {
    let host = Served::start_with(guests::ECHO, |args| args.max_connections = 2);
    let mut first = host.connect().await;
    let second = host.connect().await;
    assert_eq!(text(&first.send(invoke_request("a")).await), "a");
    let addr = host.addr();
    let third = tokio::spawn(async move {
        crate::support::Connection::open(addr)
            .await
            .send(invoke_request("c"))
            .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!third.is_finished(), "the third connection waits");
    drop(second);
    let answer = tokio::time::timeout(Duration::from_secs(10), third).await;
    assert_eq!(
        text(&answer.expect("served once a slot freed").unwrap()),
        "c"
    );
}
