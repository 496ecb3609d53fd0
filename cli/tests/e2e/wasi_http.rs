//! A standard `wasi:http/incoming-handler` component (built with `wstd`, no SDK of
//! ours) served unchanged: streaming both ways, the platform's headers, outgoing calls.

use crate::support::{InProcess, Served, raw_exchange, serve_text, text};
use bytes::Bytes;
use http::Request;
use http_body_util::Full;
use test_guests as guests;

fn get(uri: &str) -> Request<Full<Bytes>> {
    Request::get(uri)
        .header("host", "h")
        .body(Full::new(Bytes::new()))
        .unwrap()
}

#[tokio::test]
async fn a_plain_wasi_http_component_serves() {
    let host = InProcess::start(guests::WASI_HTTP);
    let response = host.send(get("/")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(text(&response), "Hello from a plain wasi:http component\n");
    assert_eq!(host.send(get("/nowhere")).await.status(), 404);
}

#[tokio::test]
async fn request_bodies_stream_in_and_out() {
    let host = InProcess::start(guests::WASI_HTTP);
    let body: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
    let request = Request::post("/echo")
        .header("host", "h")
        .body(Full::new(Bytes::from(body.clone())))
        .unwrap();
    let response = host.send(request).await;
    assert_eq!(response.status(), 200);
    assert!(response.body().as_ref() == body.as_slice());
}

#[tokio::test]
async fn a_streamed_response_is_chunked() {
    let host = Served::start(guests::WASI_HTTP);
    let raw = raw_exchange(
        host.addr(),
        b"GET /stream HTTP/1.1\r\nhost: h\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(raw.status, 200);
    assert_eq!(raw.header("transfer-encoding"), Some("chunked"));
    let body = String::from_utf8_lossy(&raw.body);
    for n in 0..5 {
        assert!(body.contains(&format!("chunk {n}\n")), "{body}");
    }
}

#[tokio::test]
async fn the_component_sees_the_platform_headers() {
    let host = InProcess::start(guests::WASI_HTTP);
    let request = Request::get("/headers")
        .header("host", "h")
        .header("x-fc-request-id", "wasi-1")
        .header("x-fc-region", "cn-shanghai")
        .header("connection", "keep-alive")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let lines = text(&host.send(request).await);
    assert!(lines.contains("x-fc-request-id: wasi-1\n"), "{lines}");
    assert!(lines.contains("x-fc-region: cn-shanghai\n"), "{lines}");
    assert!(!lines.contains("connection:"), "{lines}");
    // The End line follows when the guest's handler returns, after the head went.
    host.wait_for_log("FC Invoke End RequestId: wasi-1\n").await;
    assert!(
        host.log()
            .starts_with("FC Invoke Start RequestId: wasi-1\n"),
        "{}",
        host.log()
    );
}

#[tokio::test]
async fn outgoing_requests_work() {
    let upstream = serve_text("from upstream").await;
    let host = InProcess::start(guests::WASI_HTTP);
    let response = host
        .send(get(&format!("/fetch?url=http://{upstream}/x")))
        .await;
    assert_eq!(response.status(), 200, "{}", text(&response));
    assert_eq!(text(&response), "from upstream");
}

#[tokio::test]
async fn the_body_limit_applies_to_streaming_guests() {
    let host = Served::start_with(guests::WASI_HTTP, |args| args.call.max_body_bytes = 1000);
    let declared =
        b"POST /echo HTTP/1.1\r\nhost: h\r\ncontent-length: 1001\r\nconnection: close\r\n\r\n";
    let response = raw_exchange(host.addr(), declared).await;
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["ErrorCode"], "InvalidArgument");
    let mut chunked = b"POST /echo HTTP/1.1\r\nhost: h\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n".to_vec();
    chunked
        .extend_from_slice(format!("{:x}\r\n{}\r\n0\r\n\r\n", 1001, "c".repeat(1001)).as_bytes());
    // The guest may answer before it reads the body (this one streams it back): then
    // the status has gone and the body is cut off at the limit instead.
    let response = raw_exchange(host.addr(), &chunked).await;
    if response.status == 400 {
        assert_eq!(response.json()["ErrorCode"], "InvalidArgument");
    } else {
        let echoed = response.body.iter().filter(|&&b| b == b'c').count();
        assert!(echoed <= 1000, "{echoed} bytes passed the limit");
    }
    let ok = host
        .send(
            Request::post("/echo")
                .header("host", "h")
                .body(Full::new(Bytes::from(vec![1u8; 1000])))
                .unwrap(),
        )
        .await;
    assert_eq!(ok.body().len(), 1000);
}

#[tokio::test]
async fn a_component_serves_many_requests_on_one_instance() {
    let host = InProcess::start(guests::WASI_HTTP);
    for i in 0..50 {
        let request = Request::post("/echo")
            .header("host", "h")
            .body(Full::new(Bytes::from(format!("n{i}"))))
            .unwrap();
        assert_eq!(text(&host.send(request).await), format!("n{i}"));
    }
}
