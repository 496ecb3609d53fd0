//! HTTP functions through the `fc:runtime/http-handler` export: what the guest sees,
//! what the client gets back, and failures.

use crate::support::{InProcess, invoke_request, join_all, json, text};
use bytes::Bytes;
use http::{Method, Request};
use http_body_util::Full;
use serde_json::json;
use test_guests as guests;

fn get(uri: &str) -> http::request::Builder {
    Request::get(uri).header("host", "fc.example.com")
}

fn empty() -> Full<Bytes> {
    Full::new(Bytes::new())
}

#[tokio::test]
async fn every_method_reaches_the_guest() {
    let host = InProcess::start(guests::HTTP_ECHO);
    for method in ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let request = Request::builder()
            .method(method)
            .uri("/m")
            .header("host", "h")
            .body(Full::new(Bytes::from("b")))
            .unwrap();
        let response = host.send(request).await;
        assert_eq!(response.status(), 200, "{method}");
        assert_eq!(json(&response)["method"], method);
    }
}

#[tokio::test]
async fn head_gets_headers_and_no_body() {
    let host = crate::support::Served::start(guests::HTTP_ECHO);
    let response = host
        .send(
            Request::head("/h")
                .header("host", "h")
                .body(empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.body().is_empty());
    let length: usize = response.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(length > 0, "HEAD reports the length GET would have");
}

#[tokio::test]
async fn the_guest_sees_path_query_headers_body_ip_and_url() {
    let host = InProcess::start(guests::HTTP_ECHO);
    let request = Request::post("/a/b%20c?x=1&x=2&y=h%C3%A9+llo&z=%26")
        .header("host", "fc.example.com")
        .header("x-fc-control-path", "/http-invoke")
        .header("x-fc-request-id", "http-1")
        .header("X-Custom", "one")
        .header("keep-alive", "timeout=5")
        .body(Full::new(Bytes::from("the body")))
        .unwrap();
    let seen = json(&host.send(request).await);
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["path"], "/a/b%20c");
    assert_eq!(seen["queryString"], "x=1&x=2&y=h%C3%A9+llo&z=%26");
    assert_eq!(
        seen["queries"],
        json!({"x": ["1", "2"], "y": "hé llo", "z": "&"})
    );
    assert_eq!(seen["body"], "the body");
    assert_eq!(seen["clientIP"], "127.0.0.1");
    assert_eq!(
        seen["url"],
        "http://fc.example.com/a/b%20c?x=1&x=2&y=h%C3%A9+llo&z=%26"
    );
    assert_eq!(seen["requestId"], "http-1");
    let headers = seen["headers"].as_object().unwrap();
    assert_eq!(headers["x-custom"], "one");
    assert!(
        headers.keys().all(|name| !name.starts_with("x-fc-")),
        "{headers:?}"
    );
    assert!(!headers.contains_key("keep-alive") && !headers.contains_key("connection"));
}

#[tokio::test]
async fn platform_client_ip_and_base_path_are_exposed() {
    let host = InProcess::start(guests::HTTP_ECHO);
    let request = get("/2016-08-15/proxy/svc/fn/users/7")
        .header("x-fc-client-ip", "203.0.113.7")
        .header("x-fc-base-path", "/2016-08-15/proxy/svc/fn/")
        .body(empty())
        .unwrap();
    let seen = json(&host.send(request).await);
    assert_eq!(seen["clientIP"], "203.0.113.7");
    assert_eq!(seen["basePath"], "/2016-08-15/proxy/svc/fn/");
    assert_eq!(seen["path"], "/2016-08-15/proxy/svc/fn/users/7");
    assert_eq!(seen["route"], "/users/7");
}

#[tokio::test]
async fn control_path_http_invoke_wins_over_an_invoke_looking_path() {
    let host = InProcess::start(guests::HTTP_ECHO);
    let request = Request::post("/invoke")
        .header("host", "h")
        .header("x-fc-control-path", "/http-invoke")
        .body(Full::new(Bytes::from("x")))
        .unwrap();
    let seen = json(&host.send(request).await);
    assert_eq!(seen["path"], "/invoke");
    assert_eq!(seen["method"], "POST");
}

#[tokio::test]
async fn binary_bodies_round_trip() {
    let host = InProcess::start(guests::MISBEHAVE);
    let all: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let request = Request::post("/raw")
        .header("host", "h")
        .body(Full::new(Bytes::from(all.clone())))
        .unwrap();
    let response = host.send(request).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    assert!(response.body().as_ref() == all.as_slice());
}

#[tokio::test]
async fn disallowed_response_headers_are_dropped_and_length_is_right() {
    // On the wire: the server sets `content-length` and `date` itself.
    let host = crate::support::Served::start(guests::MISBEHAVE);
    let uri = "/set-headers?connection=close&date=guest-date&server=guest&x-fc-foo=1\
               &keep-alive=1&upgrade=h2c&content-length=999&x-fc-status=404&x-kept=yes";
    let response = host.send(get(uri).body(empty()).unwrap()).await;
    let headers = response.headers();
    for dropped in ["connection", "server", "x-fc-foo", "keep-alive", "upgrade"] {
        assert!(
            headers.get(dropped).is_none(),
            "{dropped} should be dropped: {headers:?}"
        );
    }
    assert!(headers.get("date").is_none_or(|date| date != "guest-date"));
    assert_eq!(headers["x-kept"], "yes");
    assert_eq!(
        headers["x-fc-status"], "404",
        "x-fc-status reports failure and is kept"
    );
    assert_eq!(headers["content-length"], "11");
    assert_eq!(text(&response), "headers set");
}

#[tokio::test]
async fn guest_status_codes_pass_through() {
    let host = InProcess::start(guests::MISBEHAVE);
    for code in [201u16, 204, 302, 404, 418, 500, 503] {
        let response = host
            .send(get(&format!("/status?code={code}")).body(empty()).unwrap())
            .await;
        assert_eq!(response.status().as_u16(), code);
    }
}

#[tokio::test]
async fn handler_error_is_a_502_with_the_fc_error_body() {
    let host = InProcess::start(guests::MISBEHAVE);
    let response = host.send(get("/error").body(empty()).unwrap()).await;
    assert_eq!(response.status(), 502);
    assert_eq!(response.headers()["x-fc-status"], "404");
    assert_eq!(
        response.headers()["x-fc-error-type"],
        "UnhandledInvocationError"
    );
    assert_eq!(
        json(&response),
        json!({"errorMessage": "asked to fail", "errorType": "HttpFailure"})
    );
}

/// GETs `path` on the misbehaving guest, which fails it: a 502 with `x-fc-status:
/// 404`, and the next call is served by a new instance. The error body.
async fn failing_get_replaces_the_instance(path: &str) -> serde_json::Value {
    let host = InProcess::start(guests::MISBEHAVE);
    let before = text(&host.send(get("/id").body(empty()).unwrap()).await);
    let response = host.send(get(path).body(empty()).unwrap()).await;
    assert_eq!(response.status(), 502);
    assert_eq!(response.headers()["x-fc-status"], "404");
    let after = text(&host.send(get("/id").body(empty()).unwrap()).await);
    assert_ne!(before, after, "a failed instance must not serve again");
    json(&response)
}

#[tokio::test]
async fn a_guest_calling_exit_is_a_502_and_the_instance_is_replaced() {
    let body = failing_get_replaces_the_instance("/exit").await;
    assert_eq!(body["errorType"], "ProcessExited");
}

#[tokio::test]
async fn trap_is_a_502_with_the_fc_error_body_and_the_instance_is_replaced() {
    let body = failing_get_replaces_the_instance("/trap").await;
    assert_eq!(body["errorType"], "WasmTrap");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("asked to trap over HTTP"),
        "{body}"
    );
}

#[tokio::test]
async fn hello_answers_get_and_post_differently() {
    let host = InProcess::start(guests::HTTP_HELLO);
    let get = host.send(get("/anything").body(empty()).unwrap()).await;
    assert_eq!(text(&get), "Hello FunctionCompute, http GET");
    let post = Request::post("/x")
        .header("host", "h")
        .body(Full::new(Bytes::from("{}")))
        .unwrap();
    assert_eq!(
        text(&host.send(post).await),
        "Hello FunctionCompute, http POST"
    );
    let put = Request::put("/x")
        .header("host", "h")
        .body(empty())
        .unwrap();
    assert_eq!(host.send(put).await.status(), 405);
}

#[tokio::test]
async fn http_calls_are_framed_in_the_log() {
    let host = InProcess::start(guests::HTTP_HELLO);
    host.send(
        get("/")
            .header("x-fc-request-id", "h-1")
            .body(empty())
            .unwrap(),
    )
    .await;
    let log = host.log();
    assert!(log.starts_with("FC Invoke Start RequestId: h-1\n"), "{log}");
    assert!(log.ends_with("FC Invoke End RequestId: h-1\n"), "{log}");
}

#[tokio::test]
async fn an_event_only_guest_refuses_http_and_an_http_only_guest_refuses_events() {
    let http_only = InProcess::start(guests::HTTP_HELLO);
    let response = http_only.invoke("event").await;
    assert_eq!(response.status(), 404, "event calls keep FC's 404");
    assert_eq!(json(&response)["errorType"], "MissingExport");
    let event_only = InProcess::start(guests::ECHO);
    let response = event_only.send(get("/page").body(empty()).unwrap()).await;
    assert_eq!(response.status(), 502, "HTTP calls get 502");
    assert_eq!(json(&response)["errorType"], "MissingExport");
}

#[tokio::test]
async fn http_requests_are_served_while_event_calls_run() {
    let host = InProcess::start(guests::MISBEHAVE);
    let events = (0..4)
        .map(|i| {
            let host = host.clone();
            tokio::spawn(async move {
                let slow = host.send(invoke_request("sleep:300")).await;
                assert_eq!(slow.status(), 200);
                text(&host.send(invoke_request(format!("event {i}"))).await)
            })
        })
        .collect::<Vec<_>>();
    let requests = (0..8)
        .map(|i| {
            let host = host.clone();
            tokio::spawn(async move {
                let request = Request::builder()
                    .method(Method::POST)
                    .uri("/raw")
                    .header("host", "h")
                    .body(Full::new(Bytes::from(format!("http {i}"))))
                    .unwrap();
                text(&host.send(request).await)
            })
        })
        .collect::<Vec<_>>();
    for (i, answer) in join_all(requests).await.into_iter().enumerate() {
        assert_eq!(answer, format!("http {i}"));
    }
    for (i, answer) in join_all(events).await.into_iter().enumerate() {
        assert_eq!(answer, format!("event {i}"));
    }
}
