//! Failures stay with their own requests: a quarter of 200 requests at concurrency 32
//! trap or time out, and every other request still gets its own answer.

use tests::{Connection, TestHost, guests, invoke_with, join_all, text};

#[tokio::test]
async fn traps_and_timeouts_never_touch_other_requests() {
    let host = TestHost::start(guests::MISBEHAVE);
    let addr = host.addr();
    let clients = (0..32)
        .map(|client| {
            tokio::spawn(async move {
                let mut connection = Connection::open(addr).await;
                let mut answers = Vec::new();
                for round in 0..200 / 32 + 1 {
                    let n = round * 32 + client;
                    if n >= 200 {
                        break;
                    }
                    let (event, timeout) = match n % 8 {
                        0 => ("unreachable".to_string(), "60"),
                        4 => ("loop".to_string(), "1"),
                        _ => (format!("request {n}"), "60"),
                    };
                    let request = invoke_with(event.clone(), &[("x-fc-function-timeout", timeout)]);
                    let response = connection.send(request).await;
                    answers.push((n, event, response));
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
}
