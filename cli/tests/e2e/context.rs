//! The context the guest sees: every `x-fc-*` header, in any letter case, with the
//! documented defaults for what is absent or malformed.

use crate::support::{InProcess, fc_request, json};
use bytes::Bytes;
use http_body_util::Full;
use serde_json::json;
use test_guests as guests;

pub(crate) const ALL_HEADERS: &[(&str, &str)] = &[
    ("x-fc-request-id", "1-67a59f35-150c1267-f381ba1c085c"),
    ("x-fc-access-key-id", "STS.key"),
    ("x-fc-access-key-secret", "secret"),
    ("x-fc-security-token", "token"),
    ("x-fc-function-name", "hello"),
    ("x-fc-function-handler", "index.handler"),
    ("x-fc-function-memory", "512"),
    ("x-fc-function-timeout", "60"),
    ("x-fc-function-initializer", "index.initializer"),
    ("x-fc-initialization-timeout", "30"),
    ("x-fc-service-name", "CRService"),
    ("x-fc-service-logproject", "auto-op-demo-pro"),
    ("x-fc-service-logstore", "fc-log"),
    ("x-fc-qualifier", "LATEST"),
    ("x-fc-version-id", "1"),
    ("x-fc-region", "cn-shanghai"),
    ("x-fc-account-id", "1234567890123456"),
    ("x-fc-retry-count", "3"),
    (
        "x-fc-tracing-opentracing-span-context",
        "124ed43254b54966:124ed43254b54966:0:1",
    ),
    (
        "x-fc-tracing-opentracing-span-baggages",
        "eyJrZXkiOiJ2YWx1ZSJ9",
    ),
    (
        "x-fc-tracing-jaeger-endpoint",
        "http://tracing-analysis-dc-hz.aliyuncs.com/adapt_x/api/traces",
    ),
];

pub(crate) fn expected_context() -> serde_json::Value {
    json!({
        "requestId": "1-67a59f35-150c1267-f381ba1c085c",
        "credentials": {"accessKeyId": "STS.key", "accessKeySecret": "secret", "securityToken": "token"},
        "function": {"name": "hello", "handler": "index.handler", "memory": 512, "timeout": 60,
                     "initializer": "index.initializer", "initializationTimeout": 30},
        "service": {"name": "CRService", "logProject": "auto-op-demo-pro", "logStore": "fc-log",
                    "qualifier": "LATEST", "versionId": "1"},
        "region": "cn-shanghai",
        "accountId": "1234567890123456",
        "retryCount": 3,
        "instanceId": "",
        "tracing": {
            "openTracingSpanContext": "124ed43254b54966:124ed43254b54966:0:1",
            "openTracingSpanBaggages": {"key": "value"},
            "jaegerEndpoint": "http://tracing-analysis-dc-hz.aliyuncs.com/adapt_x/api/traces"
        }
    })
}

async fn context_for(host: &InProcess, headers: &[(String, String)]) -> serde_json::Value {
    let mut request = fc_request("/invoke");
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let response = host
        .send(request.body(Full::new(Bytes::new())).unwrap())
        .await;
    assert_eq!(
        response.status(),
        200,
        "{}",
        crate::support::text(&response)
    );
    json(&response)
}

fn owned(headers: &[(&str, &str)], case: fn(&str) -> String) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| (case(n), v.to_string()))
        .collect()
}

#[tokio::test]
async fn every_header_reaches_the_guest_in_nodejs_shape() {
    let host = InProcess::start(guests::CONTEXT);
    let ctx = context_for(&host, &owned(ALL_HEADERS, str::to_string)).await;
    assert_eq!(ctx, expected_context());
}

#[tokio::test]
async fn header_names_are_case_insensitive() {
    let host = InProcess::start(guests::CONTEXT);
    let upper = context_for(&host, &owned(ALL_HEADERS, str::to_uppercase)).await;
    assert_eq!(upper, expected_context());
    let title = |name: &str| {
        name.split('-')
            .map(|part| part[..1].to_uppercase() + &part[1..])
            .collect::<Vec<_>>()
            .join("-")
    };
    let mixed = context_for(&host, &owned(ALL_HEADERS, title)).await;
    assert_eq!(mixed, expected_context());
}

#[tokio::test]
async fn only_a_request_id_gives_empty_fields_and_defaults() {
    let host = InProcess::start(guests::CONTEXT);
    let ctx = context_for(
        &host,
        &owned(&[("x-fc-request-id", "only-id")], str::to_string),
    )
    .await;
    assert_eq!(
        ctx,
        json!({
            "requestId": "only-id",
            "credentials": {"accessKeyId": "", "accessKeySecret": "", "securityToken": ""},
            "function": {"name": "", "handler": "", "memory": -1, "timeout": -1,
                         "initializer": "", "initializationTimeout": -1},
            "service": {"name": "", "logProject": "", "logStore": "", "qualifier": "", "versionId": ""},
            "region": "",
            "accountId": "",
            "retryCount": 0,
            "instanceId": "",
            "tracing": {"openTracingSpanContext": "", "openTracingSpanBaggages": {}, "jaegerEndpoint": ""}
        })
    );
}

#[tokio::test]
async fn malformed_numbers_never_fail_the_call() {
    let host = InProcess::start(guests::CONTEXT);
    let headers = [
        ("x-fc-request-id", "m"),
        ("x-fc-function-memory", "512MB"),
        ("x-fc-function-timeout", "-"),
        ("x-fc-initialization-timeout", "1e3"),
        ("x-fc-retry-count", "many"),
    ];
    let ctx = context_for(&host, &owned(&headers, str::to_string)).await;
    assert_eq!(ctx["function"]["memory"], -1);
    assert_eq!(ctx["function"]["timeout"], -1);
    assert_eq!(ctx["function"]["initializationTimeout"], -1);
    assert_eq!(ctx["retryCount"], 0);
}

#[tokio::test]
async fn empty_headers_count_as_absent() {
    let host = InProcess::start(guests::CONTEXT);
    let headers = [
        ("x-fc-request-id", "e"),
        ("x-fc-service-name", ""),
        ("x-fc-access-key-id", ""),
    ];
    let ctx = context_for(&host, &owned(&headers, str::to_string)).await;
    assert_eq!(ctx["service"]["name"], "");
    assert_eq!(ctx["credentials"]["accessKeyId"], "");
}

#[tokio::test]
async fn a_missing_request_id_is_generated() {
    let host = InProcess::start(guests::CONTEXT);
    let ctx = context_for(&host, &[]).await;
    let id = ctx["requestId"].as_str().unwrap();
    assert!(id.starts_with("local-"), "{id}");
}

#[tokio::test]
async fn the_instance_id_comes_from_fc_instance_id() {
    let host = InProcess::start_with(guests::CONTEXT, |args| {
        args.call.fc_instance_id = Some("c-6735b0c7-1234".into());
    });
    let ctx = context_for(&host, &[]).await;
    assert_eq!(ctx["instanceId"], "c-6735b0c7-1234");
}
