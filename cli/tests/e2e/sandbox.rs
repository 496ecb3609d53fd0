//! Hostile guests are contained: every misbehaviour gets a clear FC error response, the
//! host stays up, and the next request succeeds. Capabilities are exactly the grants.

use std::time::Duration;

use crate::support::{InProcess, fc_request, invoke_with, json, serve_silence, serve_text, text};
use bytes::Bytes;
use http::Request;
use http_body_util::Full;
use test_guests as guests;

async fn assert_recovers(host: &InProcess) {
    let response = host.invoke("next").await;
    assert_eq!(response.status(), 200, "{}", text(&response));
    assert_eq!(text(&response), "next");
}

#[tokio::test]
async fn an_infinite_loop_is_stopped_at_the_function_timeout() {
    let host = InProcess::start(guests::MISBEHAVE);
    let before = text(&host.invoke("id").await);
    let response = host
        .send(invoke_with("loop", &[("x-fc-function-timeout", "1")]))
        .await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-fc-status"], "404");
    assert_eq!(
        json(&response),
        serde_json::json!({"errorMessage": "Function timed out after 1 seconds", "errorType": "FunctionTimeout"})
    );
    assert_recovers(&host).await;
    assert_ne!(
        text(&host.invoke("id").await),
        before,
        "the timed-out instance was replaced"
    );
}

#[tokio::test]
async fn a_guest_blocked_in_a_host_call_is_stopped() {
    let host = InProcess::start(guests::MISBEHAVE);
    let response = host
        .send(invoke_with(
            "sleep:60000",
            &[("x-fc-function-timeout", "1")],
        ))
        .await;
    assert_eq!(response.status(), 404);
    assert_eq!(json(&response)["errorType"], "FunctionTimeout");
    assert_recovers(&host).await;
}

#[tokio::test]
async fn a_slow_outgoing_request_is_stopped() {
    let silent = serve_silence().await;
    let host = InProcess::start_with(guests::WASI_HTTP, |args| {
        args.call.function_timeout = crate::support::seconds(1)
    });
    let request = Request::get(format!("/fetch?url=http://{silent}/"))
        .header("host", "h")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = host.send(request).await;
    assert_eq!(
        response.status(),
        502,
        "an HTTP function that fails answers 502"
    );
    assert_eq!(json(&response)["errorType"], "FunctionTimeout");
    let hello = host
        .send(
            Request::get("/")
                .header("host", "h")
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await;
    assert_eq!(hello.status(), 200);
}

#[tokio::test]
async fn the_timeout_flag_overrides_the_header() {
    let host = InProcess::start_with(guests::MISBEHAVE, |args| {
        args.call.function_timeout = crate::support::seconds(1)
    });
    let response = host
        .send(invoke_with("loop", &[("x-fc-function-timeout", "600")]))
        .await;
    assert_eq!(
        json(&response)["errorMessage"],
        "Function timed out after 1 seconds"
    );
}

#[tokio::test]
async fn an_initializer_that_never_returns_is_stopped() {
    let host = InProcess::start(guests::MISBEHAVE);
    let initialize = |initializer: &str| {
        fc_request("/initialize")
            .header("x-fc-function-initializer", initializer)
            .header("x-fc-initialization-timeout", "1")
            .body(Full::new(Bytes::new()))
            .unwrap()
    };
    let response = host.send(initialize("loop")).await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        json(&response),
        serde_json::json!({"errorMessage": "Initializer timed out after 1 seconds", "errorType": "InitializationTimeout"})
    );
    assert_eq!(host.send(initialize("ok")).await.status(), 200);
    assert_eq!(text(&host.invoke("inits").await), "1");
}

#[tokio::test]
async fn a_memory_bomb_gets_out_of_memory_and_a_fresh_instance() {
    let host = InProcess::start(guests::MISBEHAVE);
    let response = host
        .send(invoke_with("oom", &[("x-fc-function-memory", "64")]))
        .await;
    assert_eq!(response.status(), 404);
    let body = json(&response);
    assert_eq!(body["errorType"], "OutOfMemory", "{body}");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("limit of 64 MB"),
        "{body}"
    );
    assert_recovers(&host).await;
}

#[tokio::test]
async fn the_memory_flag_caps_without_a_header() {
    let host = InProcess::start_with(guests::MISBEHAVE, |args| {
        args.call.memory_limit_mb = Some(32)
    });
    let body = json(&host.invoke("oom").await);
    assert_eq!(body["errorType"], "OutOfMemory");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("limit of 32 MB"),
        "{body}"
    );
    assert_recovers(&host).await;
}

#[tokio::test]
async fn a_response_of_the_maximum_size_passes_and_one_byte_more_does_not() {
    let host = InProcess::start_with(guests::MISBEHAVE, |args| {
        args.call.max_response_bytes = 1_000_000
    });
    let ok = host.invoke("respond:1000000").await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.body().len(), 1_000_000);
    let over = host.invoke("respond:1000001").await;
    assert_eq!(over.status(), 502);
    assert_eq!(over.headers()["x-fc-status"], "404");
    assert_eq!(json(&over)["ErrorCode"], "BadResponse");
    assert_recovers(&host).await;
}

#[tokio::test]
async fn the_default_response_limit_is_32_mb() {
    let host = InProcess::start(guests::MISBEHAVE);
    let limit = 32 * 1024 * 1024;
    assert_eq!(
        host.invoke(format!("respond:{limit}")).await.body().len(),
        limit
    );
    assert_eq!(
        host.invoke(format!("respond:{}", limit + 1)).await.status(),
        502
    );
}

#[tokio::test]
async fn files_outside_the_grants_cannot_be_opened() {
    let host = InProcess::start(guests::MISBEHAVE);
    for path in [
        "/etc/passwd",
        "/proc/self/environ",
        "../../../../etc/hostname",
    ] {
        let response = host.invoke(format!("read:{path}")).await;
        assert_eq!(
            response.status(),
            404,
            "{path} was readable: {}",
            text(&response)
        );
        assert_eq!(json(&response)["errorType"], "io::Error");
    }
    assert_recovers(&host).await;
}

#[tokio::test]
async fn tmp_is_writable_private_and_emptied_with_its_instance() {
    let host = InProcess::start(guests::MISBEHAVE);
    assert_eq!(text(&host.invoke("write:/tmp/note").await), "written");
    assert_eq!(text(&host.invoke("read:/tmp/note").await), "written");
    assert_eq!(host.invoke("unreachable").await.status(), 404);
    let after = host.invoke("read:/tmp/note").await;
    assert_eq!(after.status(), 404, "a fresh instance has an empty /tmp");
}

#[tokio::test]
async fn the_code_directory_is_read_only_at_code() {
    let module = std::path::Path::new(guests::MISBEHAVE);
    let name = module.file_name().unwrap().to_str().unwrap();
    let host = InProcess::start(guests::MISBEHAVE);
    let read = host.invoke(format!("read:/code/{name}")).await;
    assert_eq!(read.status(), 200);
    assert_eq!(
        read.body().as_ref(),
        std::fs::read(module).unwrap().as_slice()
    );
    let write = host.invoke("write:/code/new-file").await;
    assert_eq!(write.status(), 404);
    assert!(!module.with_file_name("new-file").exists());
}

#[tokio::test]
async fn outbound_connections_follow_the_allow_list() {
    let allowed = serve_text("ok").await;
    let other = serve_text("ok").await;
    let host = InProcess::start_with(guests::MISBEHAVE, |args| {
        args.call.allow_net = Some(allowed.to_string())
    });
    assert_eq!(
        text(&host.invoke(format!("connect:{allowed}")).await),
        "connected"
    );
    let refused = host
        .send(invoke_with(
            format!("connect:{other}"),
            &[("x-fc-request-id", "net-1")],
        ))
        .await;
    assert_eq!(refused.status(), 404);
    let log = host.log();
    assert!(
        log.contains(&format!(
            "net-1 [WARN]  refused outbound connection to {other}"
        )),
        "{log}"
    );
}

#[tokio::test]
async fn without_an_allow_list_the_network_is_open() {
    let upstream = serve_text("ok").await;
    let host = InProcess::start(guests::MISBEHAVE);
    assert_eq!(
        text(&host.invoke(format!("connect:{upstream}")).await),
        "connected"
    );
}

#[tokio::test]
async fn outgoing_http_follows_the_allow_list() {
    let allowed = serve_text("allowed upstream").await;
    let other = serve_text("other upstream").await;
    let host = InProcess::start_with(guests::WASI_HTTP, |args| {
        args.call.allow_net = Some(format!("localhost:1, {allowed}"));
    });
    let fetch = |addr: std::net::SocketAddr| {
        Request::get(format!("/fetch?url=http://{addr}/"))
            .header("host", "h")
            .header("x-fc-request-id", "http-net")
            .body(Full::new(Bytes::new()))
            .unwrap()
    };
    assert_eq!(text(&host.send(fetch(allowed)).await), "allowed upstream");
    let refused = host.send(fetch(other)).await;
    assert_ne!(text(&refused), "other upstream");
    assert!(
        host.log()
            .contains(&format!("refused outbound connection to {other}")),
        "{}",
        host.log()
    );
}

#[tokio::test]
async fn calls_beyond_the_pool_wait_then_get_a_503() {
    let host = InProcess::start_with(guests::MISBEHAVE, |args| {
        args.max_instances = 1;
        args.call.queue_timeout = std::time::Duration::from_secs(1);
    });
    let busy = host.clone();
    let slow = tokio::spawn(async move { busy.invoke("sleep:4000").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let refused = host.invoke("queued").await;
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["x-fc-status"], "404");
    let body = json(&refused);
    assert_eq!(body["ErrorCode"], "ServiceUnavailable");
    assert!(
        body["ErrorMessage"]
            .as_str()
            .unwrap()
            .contains("--max-instances"),
        "{body}"
    );
    assert_eq!(slow.await.unwrap().status(), 200);
    assert_recovers(&host).await;
}

/// Whether a guest's answer reports that it stopped early with an error.
fn stopped_early(answer: &str) -> bool {
    answer.contains("; then: ")
}

#[tokio::test]
async fn descriptors_past_the_budget_fail_in_the_guest_and_come_back_with_the_instance() {
    let host = InProcess::start_with(guests::MISBEHAVE, |args| {
        args.call.max_fds_per_instance = Some(50);
    });
    let answer = text(&host.invoke("hoard:200").await);
    assert!(answer.starts_with("opened 50; then: "), "{answer}");
    let sockets = text(&host.invoke("sockets:10").await);
    assert!(
        sockets.starts_with("opened 0; then: "),
        "the same budget: {sockets}"
    );
    assert_eq!(host.invoke("unreachable").await.status(), 404);
    let again = text(&host.invoke("hoard:20").await);
    assert_eq!(
        again, "opened 20",
        "the replaced instance's descriptors were released"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_instances_share_the_descriptor_budget() {
    let host = InProcess::start_with(guests::MISBEHAVE, |args| {
        args.call.max_fds = Some(60);
        args.call.max_fds_per_instance = Some(40);
    });
    let (a, b) = tokio::join!(host.invoke("hoard:40"), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        host.invoke("sleep:1").await
    });
    assert_eq!(text(&a), "opened 40");
    let _ = b;
    let second = host.clone();
    let (first, other) = tokio::join!(host.invoke("sleep:300"), async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        second.invoke("hoard:40").await
    });
    assert_eq!(first.status(), 200);
    let other = text(&other);
    assert!(other.starts_with("opened 20; then: "), "60 in all: {other}");
}

#[tokio::test]
async fn the_host_keeps_accepting_while_a_guest_hoards_descriptors() {
    let host = crate::support::Served::start(guests::MISBEHAVE);
    let answer = text(&host.invoke("hoard:30000").await);
    assert!(
        stopped_early(&answer) || answer == "opened 30000",
        "{answer}"
    );
    for _ in 0..20 {
        assert_eq!(
            text(&host.invoke("still accepting").await),
            "still accepting"
        );
    }
}

#[tokio::test]
async fn tmp_writes_past_the_quota_fail_with_no_space_and_the_space_comes_back() {
    let host = InProcess::start_with(guests::MISBEHAVE, |args| {
        args.call.tmp_quota = 2 << 20;
    });
    let answer = text(&host.invoke("fill:8").await);
    let (wrote, error) = answer.split_once("; then: ").expect(&answer);
    let wrote: usize = wrote.trim_start_matches("wrote ").parse().unwrap();
    assert!(wrote <= 2 << 20, "{answer}");
    // WASI streams carry no errno: a guest writing through one sees an I/O error.
    let error = error.to_lowercase();
    assert!(
        error.contains("space") || error.contains("i/o error"),
        "{answer}"
    );
    assert!(
        host.log()
            .contains("refused a write to /tmp: the function's /tmp quota"),
        "{}",
        host.log()
    );
    assert_eq!(host.invoke("unreachable").await.status(), 404);
    assert_eq!(
        text(&host.invoke("fill:1").await),
        "wrote 1048576",
        "the quota was freed"
    );
}

#[tokio::test]
async fn a_symbolic_link_out_of_tmp_is_refused() {
    let host = InProcess::start(guests::MISBEHAVE);
    let refused = text(&host.invoke("symlink:../../../etc/passwd").await);
    assert!(refused.starts_with("error: "), "{refused}");
    assert!(
        host.log()
            .contains("refused a symbolic link to `../../../etc/passwd`")
    );
    assert!(text(&host.invoke("symlink:/etc").await).starts_with("error: "));
    assert_eq!(text(&host.invoke("symlink:data/file").await), "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_instances_share_the_functions_memory() {
    let host = InProcess::start_with(guests::MISBEHAVE, |args| {
        args.call.memory_limit_mb = Some(96);
    });
    let other = host.clone();
    let (first, second) = tokio::join!(host.invoke("grow:60:600"), async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        other.invoke("grow:60:0").await
    });
    assert_eq!(text(&first), "grown", "the first call keeps running");
    let body = json(&second);
    assert_eq!(body["errorType"], "OutOfMemory", "{body}");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("other instances together"),
        "{body}"
    );
    assert_recovers(&host).await;
}

#[tokio::test]
async fn name_lookups_follow_the_allow_list() {
    let none = InProcess::start_with(guests::MISBEHAVE, |args| {
        args.call.allow_net = Some("none".into());
    });
    assert!(text(&none.invoke("lookup:example.com").await).starts_with("error: "));
    let listed = InProcess::start_with(guests::MISBEHAVE, |args| {
        args.call.allow_net = Some("localhost:80".into());
    });
    assert_eq!(text(&listed.invoke("lookup:localhost").await), "ok");
    let secret = text(&listed.invoke("lookup:secret.attacker.invalid").await);
    assert!(secret.starts_with("error: "), "{secret}");
    assert!(
        listed
            .log()
            .contains("refused looking up `secret.attacker.invalid`"),
        "{}",
        listed.log()
    );
}

#[tokio::test]
async fn listening_needs_a_grant_and_never_takes_the_hosts_port() {
    let host = InProcess::start(guests::MISBEHAVE);
    let refused = text(&host.invoke("listen:127.0.0.1:0").await);
    assert!(refused.starts_with("error: "), "{refused}");
    assert!(host.log().contains("refused listening on a TCP socket"));
    let granted = crate::support::Served::start_with(guests::MISBEHAVE, |args| {
        args.call.allow_listen = true;
    });
    assert_eq!(text(&granted.invoke("listen:127.0.0.1:0").await), "ok");
    let port = granted.addr().port();
    for addr in [format!("[::1]:{port}"), format!("0.0.0.0:{port}")] {
        let ours = text(&granted.invoke(format!("listen:{addr}")).await);
        assert!(ours.starts_with("error: "), "{addr}: {ours}");
    }
    granted.wait_for_log("it is bootstrap's own port").await;
}

#[tokio::test]
async fn a_guest_cannot_forge_the_log_framing() {
    let host = InProcess::start(guests::MISBEHAVE);
    host.send(invoke_with("log-lines", &[("x-fc-request-id", "real")]))
        .await;
    host.send(invoke_with("error-huge:0", &[("x-fc-request-id", "e")]))
        .await;
    let log = host.log();
    crate::support::assert_framed(&log);
    assert!(!log.contains("\nFC Invoke End RequestId: forged"), "{log}");
    assert!(
        log.contains("real [INFO]  FC Invoke End RequestId: forged"),
        "{log}"
    );
}

#[tokio::test]
async fn huge_log_records_and_error_messages_are_cut() {
    let host = InProcess::start(guests::MISBEHAVE);
    assert_eq!(text(&host.invoke("log-huge:4").await), "logged");
    assert!(host.log().lines().all(|line| line.len() <= 17 * 1024));
    let response = host.invoke("error-huge:60").await;
    assert_eq!(response.status(), 404);
    assert!(
        response.body().len() < 64 * 1024,
        "{} bytes",
        response.body().len()
    );
    let message = json(&response)["errorMessage"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.ends_with(" bytes cut)"),
        "{}",
        &message[message.len() - 40..]
    );
    assert_recovers(&host).await;
}

#[tokio::test]
async fn a_wasi_http_guest_that_keeps_its_response_gets_an_error_not_a_hang() {
    let host = InProcess::start_with(guests::LEAKY_HTTP, |args| {
        args.call.function_timeout = crate::support::seconds(1);
    });
    let get = |path: &str| {
        Request::get(path)
            .header("host", "h")
            .body(Full::new(Bytes::new()))
            .unwrap()
    };
    let leaked = host.send(get("/leak")).await;
    assert_eq!(leaked.status(), 502);
    assert_eq!(json(&leaked)["ErrorCode"], "BadResponse");
    let hung = host.send(get("/hang")).await;
    assert_eq!(hung.status(), 502);
    assert_eq!(json(&hung)["errorType"], "FunctionTimeout");
    let ok = Request::get("/")
        .header("host", "h")
        .header("x-fc-request-id", "fine");
    assert_eq!(
        text(&host.send(ok.body(Full::new(Bytes::new())).unwrap()).await),
        "ok"
    );
    host.wait_for_log("FC Invoke End RequestId: fine\n").await;
    crate::support::assert_framed(&host.log());
}
