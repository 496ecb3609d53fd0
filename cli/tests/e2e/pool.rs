//! The instance pool: reuse for sequential calls, growth under concurrency up to the
//! maximum, waiting beyond it.

use std::collections::HashSet;

use crate::support::{InProcess, invoke_request, join_all, text};
use test_guests as guests;

/// Sends `sleep:<ms>` from `clients` clients at once; returns the instance ids seen.
async fn concurrent_sleeps(host: &InProcess, clients: usize, ms: u32) -> HashSet<String> {
    let tasks = (0..clients)
        .map(|_| {
            let host = host.clone();
            tokio::spawn(async move {
                let response = host.send(invoke_request(format!("sleep:{ms}"))).await;
                assert_eq!(response.status(), 200, "{}", text(&response));
                text(&response)
            })
        })
        .collect();
    join_all(tasks).await.into_iter().collect()
}

#[tokio::test]
async fn sequential_calls_reuse_one_instance() {
    let host = InProcess::start(guests::MISBEHAVE);
    let first = text(&host.invoke("id").await);
    for _ in 0..20 {
        assert_eq!(text(&host.invoke("id").await), first);
    }
}

#[tokio::test]
async fn concurrent_calls_get_instances_of_their_own() {
    let host = InProcess::start(guests::MISBEHAVE);
    let ids = concurrent_sleeps(&host, 6, 400).await;
    assert_eq!(
        ids.len(),
        6,
        "six overlapping calls need six instances: {ids:?}"
    );
}

#[tokio::test]
async fn calls_beyond_the_maximum_wait_for_an_instance() {
    let host = InProcess::start_with(guests::MISBEHAVE, |args| args.max_instances = 2);
    let ids = concurrent_sleeps(&host, 8, 100).await;
    assert!(ids.len() <= 2, "at most two instances: {ids:?}");
}

#[tokio::test]
async fn after_a_burst_sequential_calls_stick_to_one_instance() {
    let host = InProcess::start(guests::MISBEHAVE);
    concurrent_sleeps(&host, 4, 200).await;
    let first = text(&host.invoke("id").await);
    for _ in 0..10 {
        assert_eq!(text(&host.invoke("id").await), first);
    }
}
