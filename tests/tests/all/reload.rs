//! Hot swap with `--watch`: a rebuilt module becomes current without a failed request,
//! calls in flight finish on the old version, and the new one replays the initializer.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use tests::{Connection, TestHost, fc_request, guests, invoke_request, join_all, text};

/// A host watching `handler.wasm` (version a) in a fresh scratch folder named after
/// `name`; returns the module's path too.
fn watched_version_a(name: &str) -> (PathBuf, TestHost) {
    let dir = std::env::temp_dir().join(format!("reload-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let module = dir.join("handler.wasm");
    std::fs::copy(guests::VERSION_A, &module).unwrap();
    let host = watched(&module);
    (module, host)
}

/// Replaces `target` by `source` the way cargo does: a new file renamed over it.
fn replace(source: &str, target: &Path) {
    let temporary = target.with_extension("new");
    std::fs::copy(source, &temporary).unwrap();
    std::fs::rename(&temporary, target).unwrap();
}

/// Invokes until the answer starts with `version` (bounded: 20 s).
async fn wait_for(host: &TestHost, version: &str) {
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

fn watched(module: &Path) -> TestHost {
    let module = module.to_str().unwrap().to_string();
    TestHost::start_with(&module, |args| args.watch = true)
}

#[tokio::test]
async fn twenty_swaps_under_load_fail_no_request() {
    let (module, host) = watched_version_a("swaps");
    let initialize = fc_request("/initialize")
        .body(Full::new(Bytes::new()))
        .unwrap();
    assert_eq!(host.send(initialize).await.status(), 200);
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
    let deadline = Instant::now() + Duration::from_secs(10);
    while !host.log().contains("[INFO]  pre-stop a") {
        assert!(
            Instant::now() < deadline,
            "the old instance never ran pre-stop: {}",
            host.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
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
