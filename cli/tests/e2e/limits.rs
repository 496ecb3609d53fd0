//! FC's request and response limits, each one byte under (accepted) and one byte over
//! (rejected with the platform's code and body), on HTTP functions and `/invoke`.

use std::time::Duration;

use crate::support::{RawResponse, Served, parse_raw_response, raw_exchange, text};
use test_guests as guests;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A raw request whose header names and values add up to exactly `total` bytes:
/// `host: h` (5 bytes) plus one `x-pad` header.
fn request_with_header_bytes(total: usize) -> Vec<u8> {
    let pad = total - "host".len() - "h".len() - "x-pad".len();
    format!(
        "GET /id HTTP/1.1\r\nhost: h\r\nx-pad: {}\r\nconnection: close\r\n\r\n",
        "p".repeat(pad)
    )
    .into_bytes()
}

/// With `connection: close` (10 + 5 bytes) counted too.
fn header_bytes_of(request: &[u8]) -> usize {
    let head = String::from_utf8_lossy(request);
    head.split("\r\n")
        .skip(1)
        .filter_map(|line| line.split_once(": "))
        .map(|(n, v)| n.len() + v.len())
        .sum()
}

fn assert_invalid_argument(response: &RawResponse) {
    assert_eq!(
        response.status,
        400,
        "{:?}",
        String::from_utf8_lossy(&response.body)
    );
    assert_eq!(response.header("x-fc-error-type"), Some("FcCommonError"));
    assert_eq!(response.json()["ErrorCode"], "InvalidArgument");
}

#[tokio::test]
async fn header_block_limit_is_8_kb() {
    let host = Served::start(guests::MISBEHAVE);
    let close = "connection".len() + "close".len();
    let at_limit = request_with_header_bytes(8192 - close);
    assert_eq!(header_bytes_of(&at_limit), 8192);
    assert_eq!(raw_exchange(host.addr(), &at_limit).await.status, 200);
    let over = request_with_header_bytes(8193 - close);
    assert_eq!(header_bytes_of(&over), 8193);
    assert_invalid_argument(&raw_exchange(host.addr(), &over).await);
}

#[tokio::test]
async fn path_and_query_limit_is_4_kb() {
    let host = Served::start(guests::MISBEHAVE);
    let target = |len: usize| format!("/id?q={}", "a".repeat(len - "/id?q=".len()));
    let request =
        |target: String| format!("GET {target} HTTP/1.1\r\nhost: h\r\nconnection: close\r\n\r\n");
    let ok = raw_exchange(host.addr(), request(target(4096)).as_bytes()).await;
    assert_eq!(ok.status, 200);
    assert_invalid_argument(&raw_exchange(host.addr(), request(target(4097)).as_bytes()).await);
}

fn post(path: &str, extra_headers: &str, body_len: usize) -> Vec<u8> {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nhost: h\r\n{extra_headers}content-length: {body_len}\r\nconnection: close\r\n\r\n"
    )
    .into_bytes();
    request.resize(request.len() + body_len, b'b');
    request
}

#[tokio::test]
async fn synchronous_body_limit_is_32_mb_for_http_and_invoke() {
    let host = Served::start(guests::MISBEHAVE);
    let limit = 32 * 1024 * 1024;
    let ok = raw_exchange(host.addr(), &post("/body-size", "", limit)).await;
    assert_eq!(ok.status, 200);
    assert_eq!(String::from_utf8_lossy(&ok.body), limit.to_string());
    assert_invalid_argument(&raw_exchange(host.addr(), &post("/body-size", "", limit + 1)).await);
    let invoke = "x-fc-control-path: /invoke\r\n";
    let event = raw_exchange(host.addr(), &post("/invoke", invoke, limit)).await;
    assert_eq!(event.status, 200);
    assert_invalid_argument(&raw_exchange(host.addr(), &post("/invoke", invoke, limit + 1)).await);
}

#[tokio::test]
async fn asynchronous_body_limit_is_128_kb() {
    let host = Served::start(guests::MISBEHAVE);
    let asynchronous = "x-fc-invocation-type: Async\r\n";
    let ok = raw_exchange(host.addr(), &post("/body-size", asynchronous, 128 * 1024)).await;
    assert_eq!(ok.status, 200);
    let over = post("/body-size", asynchronous, 128 * 1024 + 1);
    assert_invalid_argument(&raw_exchange(host.addr(), &over).await);
    let invoke = "x-fc-control-path: /invoke\r\nx-fc-invocation-type: async\r\n";
    assert_invalid_argument(
        &raw_exchange(host.addr(), &post("/invoke", invoke, 128 * 1024 + 1)).await,
    );
}

#[tokio::test]
async fn limits_are_configurable() {
    let host = Served::start_with(guests::MISBEHAVE, |args| {
        args.call.max_body_bytes = 10;
        args.call.max_path_bytes = 10;
    });
    assert_eq!(
        raw_exchange(host.addr(), &post("/raw", "", 10))
            .await
            .status,
        200
    );
    assert_invalid_argument(&raw_exchange(host.addr(), &post("/raw", "", 11)).await);
    let long_path = "GET /0123456789 HTTP/1.1\r\nhost: h\r\nconnection: close\r\n\r\n";
    assert_invalid_argument(&raw_exchange(host.addr(), long_path.as_bytes()).await);
}

#[tokio::test]
async fn a_declared_oversized_body_is_refused_before_it_is_sent() {
    let host = Served::start(guests::MISBEHAVE);
    let mut stream = TcpStream::connect(host.addr()).await.unwrap();
    let head = "POST /raw HTTP/1.1\r\nhost: h\r\ncontent-length: 1073741824\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&[b'x'; 1024]).await.unwrap();
    // Only 1 KB of the announced 1 GB was sent: the answer comes anyway.
    let response = read_response_head(&mut stream).await;
    assert_invalid_argument(&response);
}

#[tokio::test]
async fn a_chunked_body_is_refused_as_soon_as_it_crosses_the_limit() {
    let limit = 256 * 1024;
    let host = Served::start_with(guests::MISBEHAVE, |args| args.call.max_body_bytes = limit);
    let stream = TcpStream::connect(host.addr()).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let sender = tokio::spawn(async move {
        let head = "POST /raw HTTP/1.1\r\nhost: h\r\ntransfer-encoding: chunked\r\n\r\n";
        writer.write_all(head.as_bytes()).await.unwrap();
        let chunk = format!("{:x}\r\n{}\r\n", 16 * 1024, "c".repeat(16 * 1024));
        let mut sent = 0;
        // Bounded: at most 64 MB, far past the limit, unless the server stops reading.
        while sent < 64 * 1024 * 1024 {
            if writer.write_all(chunk.as_bytes()).await.is_err() {
                break;
            }
            sent += 16 * 1024;
        }
        sent
    });
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    while !bytes.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = reader.read(&mut buffer).await.unwrap();
        assert!(n > 0, "closed without an answer");
        bytes.extend_from_slice(&buffer[..n]);
    }
    assert_invalid_argument(&parse_raw_response(&bytes));
    drop(reader);
    let sent = sender.await.unwrap();
    assert!(
        sent < 64 * 1024 * 1024,
        "the host kept reading a refused body"
    );
}

/// Reads until the response head and its content-length body are in.
async fn read_response_head(stream: &mut TcpStream) -> RawResponse {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let n = stream.read(&mut buffer).await.unwrap();
        bytes.extend_from_slice(&buffer[..n]);
        if n == 0 || complete(&bytes) {
            return parse_raw_response(&bytes);
        }
    }
}

fn complete(bytes: &[u8]) -> bool {
    let Some(split) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let response = parse_raw_response(bytes);
    let length: usize = response
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    bytes.len() >= split + 4 + length
}

#[tokio::test]
async fn response_header_limit_is_8_kb() {
    let host = Served::start(guests::MISBEHAVE);
    let request = |size: usize| {
        format!("GET /big-headers?size={size} HTTP/1.1\r\nhost: h\r\nconnection: close\r\n\r\n")
    };
    let ok = raw_exchange(host.addr(), request(8192).as_bytes()).await;
    assert_eq!(ok.status, 200);
    let over = raw_exchange(host.addr(), request(8193).as_bytes()).await;
    assert_eq!(over.status, 502);
    assert_eq!(over.json()["ErrorCode"], "BadResponse");
    assert!(
        over.json()["ErrorMessage"]
            .as_str()
            .unwrap()
            .contains("8193"),
        "{:?}",
        over.json()
    );
}

#[tokio::test]
async fn a_slow_client_sending_its_body_in_pieces_is_served() {
    let host = Served::start(guests::MISBEHAVE);
    let mut stream = TcpStream::connect(host.addr()).await.unwrap();
    let head =
        "POST /body-size HTTP/1.1\r\nhost: h\r\ncontent-length: 5000\r\nconnection: close\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(40)).await;
        stream.write_all(&[b'z'; 1000]).await.unwrap();
    }
    let response = read_response_head(&mut stream).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"5000");
}

#[tokio::test]
async fn a_client_vanishing_mid_body_does_not_hurt_the_host() {
    let host = Served::start(guests::MISBEHAVE);
    for _ in 0..5 {
        let mut stream = TcpStream::connect(host.addr()).await.unwrap();
        let head = "POST /raw HTTP/1.1\r\nhost: h\r\ncontent-length: 100000\r\n\r\n";
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&[b'q'; 1000]).await.unwrap();
        drop(stream);
    }
    let response = host.invoke("still here").await;
    assert_eq!(text(&response), "still here");
}

#[tokio::test]
async fn a_body_that_stops_arriving_frees_its_instance_at_the_function_timeout() {
    let host = crate::support::InProcess::start_with(guests::MISBEHAVE, |args| {
        args.max_instances = 1;
        args.call.function_timeout = crate::support::seconds(1);
    });
    let (_sender, stalled) =
        http_body_util::Channel::<bytes::Bytes, std::convert::Infallible>::new(1);
    let request = http::Request::post("/invoke")
        .header("x-fc-control-path", "/invoke")
        .body(stalled)
        .unwrap();
    let response = host.router().handle(request).await;
    assert_eq!(response.status(), 400);
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["ErrorCode"], "InvalidArgument");
    assert!(
        body["ErrorMessage"]
            .as_str()
            .unwrap()
            .contains("did not arrive within 1 seconds"),
        "{body}"
    );
    assert_eq!(
        text(&host.invoke("next").await),
        "next",
        "the only instance is free again"
    );
}
