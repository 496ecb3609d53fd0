//! The pool's rules, through `Pool::run` with real guests: reuse order, poisoning,
//! initializer replay, swap validation and hook broadcast.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};

use super::{Pool, PoolConfig, SwapError};
use crate::call::Call;
use crate::engine::WasmEngine;
use crate::fc::Phase;
use crate::logs::LogSink;

fn pool_of(module: &str, engine: &WasmEngine) -> (Arc<Pool>, Arc<std::sync::Mutex<Vec<u8>>>) {
    let module = Arc::new(engine.load(module.as_ref()).unwrap());
    let (sink, log) = LogSink::capture();
    let args = crate::config::CallArgs::default_for_tests();
    let fds = crate::sandbox::fds::FdPlan::new(65_536, 0, None, None);
    let config = PoolConfig {
        grants: args.grants([], module.path(), &fds, None).unwrap(),
        policy: crate::policy::CallPolicy::default(),
        limits: crate::fc::limits::Limits::default(),
        max_instances: 4,
        sink,
        auto_initialize: false,
    };
    (Arc::new(Pool::new(module, config)), log)
}

fn engine() -> WasmEngine {
    WasmEngine::new(4, false).unwrap()
}

fn call(path: &str, body: &str) -> Call {
    let request = http::Request::post(path)
        .header("x-fc-function-initializer", "platform")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    Call::from_request(request, &crate::fc::limits::Limits::default()).unwrap()
}

/// Runs an event call and returns its status and body.
async fn invoke(pool: &Arc<Pool>, event: &str) -> (u16, String) {
    run(pool, call("/invoke", event)).await
}

async fn run(pool: &Arc<Pool>, call: Call) -> (u16, String) {
    let outcome = Arc::clone(pool).run(call).await;
    let response = match outcome.result {
        Ok(response) => response,
        Err(error) => return (0, error.error_type().to_string()),
    };
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn log_text(log: &std::sync::Mutex<Vec<u8>>) -> String {
    String::from_utf8_lossy(&log.lock().unwrap()).into_owned()
}

#[tokio::test]
async fn sequential_calls_reuse_the_most_recently_used_instance() {
    let engine = engine();
    let (pool, _) = pool_of(test_guests::MISBEHAVE, &engine);
    let (a, b) = tokio::join!(invoke(&pool, "sleep:100"), invoke(&pool, "sleep:150"));
    assert_ne!(a.1, b.1, "overlapping calls get instances of their own");
    // The later of the two to finish was given back last: it serves next.
    let next = invoke(&pool, "id").await.1;
    assert_eq!(next, b.1);
    assert_eq!(invoke(&pool, "id").await.1, next);
}

#[tokio::test]
async fn a_trap_poisons_its_instance_and_a_handler_error_does_not() {
    let engine = engine();
    let (pool, _) = pool_of(test_guests::MISBEHAVE, &engine);
    let first = invoke(&pool, "id").await.1;
    assert_eq!(invoke(&pool, "sleep:nope").await.1, "ParseIntError");
    assert_eq!(
        invoke(&pool, "id").await.1,
        first,
        "a handler error keeps it"
    );
    assert_eq!(invoke(&pool, "unreachable").await.1, "WasmTrap");
    assert_ne!(invoke(&pool, "id").await.1, first, "a trap replaces it");
}

#[tokio::test]
async fn instances_made_after_initialize_replay_it() {
    let engine = engine();
    let (pool, _) = pool_of(test_guests::MISBEHAVE, &engine);
    assert_eq!(run(&pool, call("/initialize", "")).await.0, 200);
    assert_eq!(invoke(&pool, "unreachable").await.1, "WasmTrap");
    assert_eq!(
        invoke(&pool, "inits").await.1,
        "1",
        "the replacement was initialized"
    );
    let (a, b) = tokio::join!(invoke(&pool, "sleep:100"), invoke(&pool, "inits"));
    assert_eq!(
        (a.0, b.1.as_str()),
        (200, "1"),
        "so was the one the pool grew"
    );
}

#[tokio::test]
async fn a_swap_is_validated_before_it_becomes_current() {
    let engine = engine();
    let (pool, log) = pool_of(test_guests::VERSION_A, &engine);
    assert_eq!(run(&pool, call("/initialize", "")).await.0, 200);
    let broken = Arc::new(engine.load(test_guests::VERSION_C.as_ref()).unwrap());
    let refused = pool.swap(broken).await.unwrap_err();
    assert!(matches!(refused, SwapError::Initializer(_)), "{refused}");
    assert_eq!(invoke(&pool, "v").await.1, "a:1");
    let next = Arc::new(engine.load(test_guests::VERSION_B.as_ref()).unwrap());
    pool.swap(next).await.unwrap();
    assert_eq!(invoke(&pool, "v").await.1, "b:1");
    assert!(
        log_text(&log).contains("[INFO]  pre-stop a"),
        "the old instance was retired"
    );
}

#[tokio::test]
async fn a_hook_runs_once_on_every_idle_instance() {
    let engine = engine();
    let (pool, log) = pool_of(test_guests::MISBEHAVE, &engine);
    let _ = tokio::join!(invoke(&pool, "sleep:100"), invoke(&pool, "sleep:100"));
    let ctx = Arc::new(crate::fc::Context::local());
    let outcome = pool.broadcast(Phase::PreStop, &ctx, false).await;
    assert!(outcome.result.is_ok());
    assert_eq!(log_text(&log).matches("[INFO]  pre-stop ").count(), 2);
    pool.broadcast(Phase::PreStop, &ctx, false).await;
    assert_eq!(
        log_text(&log).matches("[INFO]  pre-stop ").count(),
        2,
        "pre-stop runs once per instance"
    );
}

#[tokio::test]
async fn a_closed_pool_refuses_calls() {
    let engine = engine();
    let (pool, _) = pool_of(test_guests::ECHO, &engine);
    pool.close();
    assert_eq!(invoke(&pool, "x").await.1, "ServiceUnavailable");
}
