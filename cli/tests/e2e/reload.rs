//! Hot swap: a rebuilt module becomes current without a failed request, calls in flight
//! finish on the old version, the new one is validated (and initialized) before it
//! serves, and one that does not work leaves the old one serving. The `--watch` tests
//! go through the real server; the swap rules are driven in process.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Request;
use http_body_util::Full;

use crate::support::{
    Connection, InProcess, Served, empty, fc_request, invoke_request, join_all, json, text,
};
use test_guests as guests;

/// A fresh scratch folder named after `name` holding `handler.wasm`, a copy of
/// `module`; returns the module's path.
fn scratch_module(name: &str, module: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("reload-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("handler.wasm");
    std::fs::copy(module, &path).unwrap();
    path
}

/// A served host watching `handler.wasm` (version a); returns the module's path too.
fn watched_version_a(name: &str) -> (PathBuf, Served) {
    let module = scratch_module(name, guests::VERSION_A);
    let path = module.to_str().unwrap().to_string();
    let host = Served::start_with(&path, |args| args.watch = true);
    (module, host)
}

/// A host in process over a copy of `module`; returns the copy's path too.
fn in_process(name: &str, module: &str) -> (PathBuf, InProcess) {
    let path = scratch_module(name, module);
    let host = InProcess::start(path.to_str().unwrap());
    (path, host)
}

/// Replaces `target` by `source` the way cargo does: a new file renamed over it.
fn replace(source: &str, target: &Path) {
    let temporary = target.with_extension("new");
    std::fs::copy(source, &temporary).unwrap();
    std::fs::rename(&temporary, target).unwrap();
}

/// Invokes until the answer starts with `version` (bounded: 20 s).
async fn wait_for(host: &Served, version: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if text(&host.invoke("v").await).starts_with(version) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "version {version} never answered"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// `/initialize` with the initializer string the version guests count.
fn initialize() -> Request<Full<Bytes>> {
    fc_request("/initialize")
        .header("x-fc-function-initializer", "platform")
        .body(empty())
        .unwrap()
}

#[tokio::test]
async fn twenty_swaps_under_load_fail_no_request() {
    let (module, host) = watched_version_a("swaps");
    assert_eq!(host.send(initialize()).await.status(), 200);
    let stop = Arc::new(AtomicBool::new(false));
    let clients = (0..16)
        .map(|_| {
            let (addr, stop) = (host.addr(), Arc::clone(&stop));
            tokio::spawn(async move {
                let mut connection = Connection::open(addr).await;
                let mut answers = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let response = connection.send(invoke_request("x")).await;
                    answers.push((response.status().as_u16(), text(&response)));
                }
                answers
            })
        })
        .collect();
    for swap in 0..20 {
        let (source, version) = if swap % 2 == 0 {
            (guests::VERSION_B, "b")
        } else {
            (guests::VERSION_A, "a")
        };
        replace(source, &module);
        wait_for(&host, version).await;
    }
    stop.store(true, Ordering::Relaxed);
    let answers: Vec<_> = join_all(clients).await.into_iter().flatten().collect();
    assert!(answers.len() > 100, "only {} answers", answers.len());
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        assert!(body == "a:1" || body == "b:1", "unexpected answer {body}");
    }
    for _ in 0..20 {
        assert_eq!(
            text(&host.invoke("x").await),
            "a:1",
            "only the last version answers"
        );
    }
    crate::support::assert_framed(&host.log());
}

#[tokio::test]
async fn calls_in_flight_finish_on_the_old_version_which_then_stops() {
    let (module, host) = watched_version_a("inflight");
    let addr = host.addr();
    let slow = tokio::spawn(async move {
        Connection::open(addr)
            .await
            .send(invoke_request("sleep:1500"))
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    replace(guests::VERSION_B, &module);
    wait_for(&host, "b").await;
    assert_eq!(
        text(&slow.await.unwrap()),
        "a:0",
        "the call in flight stayed on version a"
    );
    host.wait_for_log("[INFO]  pre-stop a").await;
}

#[tokio::test]
async fn one_change_reloads_once() {
    let (module, host) = watched_version_a("once");
    replace(guests::VERSION_B, &module);
    wait_for(&host, "b").await;
    // Compiling reads the file: were that taken for a change, version b would be
    // reloaded again and its first instances stopped.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(text(&host.invoke("x").await).starts_with('b'));
    assert!(!host.log().contains("pre-stop b"), "{}", host.log());
}

#[tokio::test]
async fn a_broken_file_keeps_the_old_version_serving() {
    let (module, host) = watched_version_a("broken");
    std::fs::write(&module, b"not wasm at all").unwrap();
    // Give the watcher time to try (and fail); the old version must keep answering.
    for _ in 0..20 {
        assert_eq!(text(&host.invoke("x").await), "a:0");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    replace(guests::VERSION_B, &module);
    wait_for(&host, "b").await;
}

#[tokio::test]
async fn a_version_whose_initializer_fails_is_not_swapped_in() {
    let (module, host) = in_process("failing-init", guests::VERSION_A);
    assert_eq!(host.send(initialize()).await.status(), 200);
    assert_eq!(text(&host.invoke("x").await), "a:1");
    replace(guests::VERSION_C, &module);
    let error = host.reload().await.unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("initializer failed: version c cannot start"),
        "{error}"
    );
    for _ in 0..5 {
        let response = host.invoke("x").await;
        assert_eq!(response.status(), 200, "{}", text(&response));
        assert_eq!(text(&response), "a:1", "the previous version keeps serving");
    }
    replace(guests::VERSION_B, &module);
    host.reload().await.unwrap();
    assert_eq!(text(&host.invoke("x").await), "b:1");
    crate::support::assert_framed(&host.log());
}

#[tokio::test]
async fn a_version_that_cannot_load_is_not_swapped_in() {
    let (module, host) = in_process("unloadable", guests::VERSION_A);
    std::fs::write(&module, b"\0asm but not really").unwrap();
    assert!(host.reload().await.is_err());
    assert_eq!(text(&host.invoke("x").await), "a:0");
}

#[tokio::test]
async fn the_validated_instance_serves_first_and_is_initialized() {
    let (module, host) = in_process("validated", guests::VERSION_A);
    assert_eq!(host.send(initialize()).await.status(), 200);
    replace(guests::VERSION_B, &module);
    host.reload().await.unwrap();
    // One initializer run, on the validated instance, before any call reached it.
    assert_eq!(
        host.log().matches("FC Initialize Start").count(),
        2,
        "{}",
        host.log()
    );
    assert_eq!(text(&host.invoke("x").await), "b:1");
    // The version-a instance was retired with its pre-stop.
    host.wait_for_log("[INFO]  pre-stop a").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_racing_swaps_between_http_kinds_never_miss_an_export() {
    let (module, host) = in_process("kinds", guests::HTTP_HELLO);
    let stop = Arc::new(AtomicBool::new(false));
    let clients = (0..8)
        .map(|_| {
            let (host, stop) = (host.clone(), Arc::clone(&stop));
            tokio::spawn(async move {
                let mut answers = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let request = Request::get("/").header("host", "h").body(empty()).unwrap();
                    answers.push(host.send(request).await);
                }
                answers
            })
        })
        .collect();
    for swap in 0..10 {
        let source = if swap % 2 == 0 {
            guests::WASI_HTTP
        } else {
            guests::HTTP_HELLO
        };
        replace(source, &module);
        host.reload().await.unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let answers: Vec<_> = join_all(clients).await.into_iter().flatten().collect();
    assert!(answers.len() > 20, "only {} answers", answers.len());
    for response in &answers {
        assert_eq!(response.status(), 200, "{}", text(response));
        let body = text(response);
        assert!(
            body.starts_with("Hello FunctionCompute")
                || body.starts_with("Hello from a plain wasi:http"),
            "{body}"
        );
    }
    let _ = json;
}
