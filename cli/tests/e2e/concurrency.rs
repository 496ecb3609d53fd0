//! Failures stay with their own requests: a quarter of 200 requests at concurrency 32
//! trap or time out, and every other request still gets its own answer.

use crate::support::{InProcess, invoke_with, join_all, text};
use test_guests as guests;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traps_and_timeouts_never_touch_other_requests() {
    let host = InProcess::start(guests::MISBEHAVE);
    let clients = (0..32)
        .map(|client| {
            let host = host.clone();
            tokio::spawn(async move {
                let mut answers = Vec::new();
                for n in (client..200).step_by(32) {
                    let (event, timeout) = match n % 8 {
                        0 => ("unreachable".to_string(), "60"),
                        4 => ("loop".to_string(), "1"),
                        _ => (format!("request {n}"), "60"),
                    };
                    let request = invoke_with(event.clone(), &[("x-fc-function-timeout", timeout)]);
                    answers.push((n, event, host.send(request).await));
                }
                answers
            })
        })
        .collect();
    let mut failures = 0;
    for (n, event, response) in join_all(clients).await.into_iter().flatten() {
        if n % 4 == 0 {
            assert_eq!(response.status(), 404, "request {n}");
            failures += 1;
        } else {
            assert_eq!(response.status(), 200, "request {n}: {}", text(&response));
            assert_eq!(text(&response), event);
        }
    }
    assert_eq!(failures, 50);
    crate::support::assert_framed(&host.log());
}
