//! Node.js web apps as FC users deploy them, built by `fcwasm build` from folders
//! without `node_modules` (the build runs `npm ci`): the seed's Express app, a Koa
//! app, an Express 5 API with cors, morgan, jsonwebtoken and uuid, and a Hono app in
//! the fetch shape. Each answers as it does on Node.js, inside FC's framing.

use std::path::PathBuf;
use std::sync::OnceLock;

use http_body_util::Full;

use crate::projects::{self, build_fresh_copy_of_example, http_request};
use crate::support::{InProcess, assert_framed, fc_request, json, text};

const JS: &str = "js";

/// Each example, built once for the tests of this module.
fn example(name: &'static str) -> PathBuf {
    static BUILT: [(&str, OnceLock<PathBuf>); 4] = [
        ("express", OnceLock::new()),
        ("koa", OnceLock::new()),
        ("express-api", OnceLock::new()),
        ("hono", OnceLock::new()),
    ];
    let (_, cell) = BUILT
        .iter()
        .find(|(known, _)| *known == name)
        .expect("one of the examples");
    cell.get_or_init(|| build_fresh_copy_of_example(JS, name))
        .clone()
}

fn start(name: &'static str) -> InProcess {
    projects::start(JS, &example(name))
}

/// A JSON request of `method` to `target`.
fn json_request(
    method: &str,
    target: &str,
    body: &'static str,
    token: Option<&str>,
) -> http::Request<Full<bytes::Bytes>> {
    let mut request = http_request(method, target, body.as_bytes());
    let headers = request.headers_mut();
    headers.insert("content-type", "application/json".parse().unwrap());
    if let Some(token) = token {
        headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    request
}

#[tokio::test]
async fn the_seeds_express_app_answers_get_and_post_and_logs_the_parsed_body() {
    let host = start("express");
    let get = host.send(http_request("GET", "/any/path", b"")).await;
    assert_eq!(get.status(), 200, "{}", text(&get));
    assert_eq!(text(&get), "Hello FunctionCompute, http GET");
    assert_eq!(get.headers()["x-powered-by"], "Express");
    assert!(get.headers()["etag"].to_str().unwrap().starts_with("W/\""));
    let post = host
        .send(json_request("POST", "/items", r#"{"name":"pen"}"#, None))
        .await;
    assert_eq!(text(&post), "Hello FunctionCompute, http POST");
    let log = host.log();
    assert!(log.contains("[INFO]  {\"name\":\"pen\"}\n"), "{log}");
    assert_framed(&log);
    assert!(
        !log.contains("[WARN]"),
        "libraries' own switches read at load are not warned about: {log}"
    );
}

#[tokio::test]
async fn an_event_reaches_a_web_app_as_post_invoke() {
    let host = start("express");
    let response = host.invoke("an event").await;
    assert_eq!(response.status(), 200, "{}", text(&response));
    assert_eq!(text(&response), "Hello FunctionCompute, http POST");
}

#[tokio::test]
async fn express_answers_unknown_methods_with_its_own_404() {
    let host = start("express");
    let response = host.send(http_request("DELETE", "/x", b"")).await;
    assert_eq!(response.status(), 404);
    assert!(
        text(&response).contains("Cannot DELETE /x"),
        "{}",
        text(&response)
    );
}

#[tokio::test]
async fn a_koa_app_routes_parses_json_and_answers_its_errors() {
    let host = start("koa");
    let home = host.send(http_request("GET", "/", b"")).await;
    assert_eq!(text(&home), "Hello from Koa on Function Compute");
    let created = host
        .send(json_request("POST", "/items", r#"{"name":"pen"}"#, None))
        .await;
    assert_eq!(created.status(), 201);
    assert_eq!(
        json(&created),
        serde_json::json!({"id": "1", "name": "pen"})
    );
    let found = host.send(http_request("GET", "/items/1", b"")).await;
    assert_eq!(json(&found)["name"], "pen");
    let missing = host.send(http_request("GET", "/items/9", b"")).await;
    assert_eq!(missing.status(), 404);
    assert_eq!(json(&missing), serde_json::json!({"error": "no such item"}));
    let invalid = host.send(json_request("POST", "/items", "{}", None)).await;
    assert_eq!(invalid.status(), 400);
    let not_allowed = host.send(http_request("PUT", "/items/1", b"")).await;
    assert_eq!(not_allowed.status(), 405, "@koa/router's allowedMethods");
    assert!(
        host.log().contains("[INFO]  created item 1 pen"),
        "{}",
        host.log()
    );
}

#[tokio::test]
async fn an_express_5_api_signs_and_verifies_tokens_logs_with_morgan_and_allows_cors() {
    let host = start("express-api");
    let login = host
        .send(json_request("POST", "/login", r#"{"user":"ann"}"#, None))
        .await;
    assert_eq!(login.status(), 200, "{}", text(&login));
    let token = json(&login)["token"].as_str().unwrap().to_string();
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    let note = host
        .send(json_request(
            "POST",
            "/notes",
            r#"{"text":"hi"}"#,
            Some(&token),
        ))
        .await;
    assert_eq!(note.status(), 201, "{}", text(&note));
    let id = json(&note)["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "a uuid: {id}");
    let listed = host
        .send(json_request("GET", "/notes", "", Some(&token)))
        .await;
    assert_eq!(json(&listed)[0]["text"], "hi");
    let one = host
        .send(json_request(
            "GET",
            &format!("/notes/{id}"),
            "",
            Some(&token),
        ))
        .await;
    assert_eq!(json(&one)["owner"], "ann");
    let forged = host
        .send(json_request("GET", "/notes", "", Some("a.b.c")))
        .await;
    assert_eq!(forged.status(), 401);
    let mut preflight = http_request("OPTIONS", "/notes", b"");
    preflight
        .headers_mut()
        .insert("origin", "http://app.test".parse().unwrap());
    preflight
        .headers_mut()
        .insert("access-control-request-method", "POST".parse().unwrap());
    let preflight = host.send(preflight).await;
    assert_eq!(preflight.status(), 204);
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    let log = host.log();
    assert!(
        log.contains("[INFO]  POST /notes 201 "),
        "morgan's line: {log}"
    );
    assert!(log.contains("[INFO]  GET /notes 401 "), "{log}");
}

#[tokio::test]
async fn a_hono_app_in_the_fetch_shape_answers_with_web_responses() {
    let host = start("hono");
    let home = host.send(http_request("GET", "/", b"")).await;
    assert_eq!(text(&home), "Hello from Hono on Function Compute");
    let greet = host.send(http_request("GET", "/greet/ann?q=1", b"")).await;
    assert_eq!(
        json(&greet),
        serde_json::json!({"hello": "ann", "query": "1"})
    );
    let echo = host
        .send(json_request("POST", "/echo", r#"{"a":[1,2]}"#, None))
        .await;
    assert_eq!(echo.status(), 201);
    assert_eq!(echo.headers()["content-type"], "application/json");
    assert_eq!(json(&echo), serde_json::json!({"received": {"a": [1, 2]}}));
    let missing = host.send(http_request("GET", "/nope", b"")).await;
    assert_eq!(missing.status(), 404);
    assert_eq!(json(&missing)["error"], "no route for /nope");
}

#[tokio::test]
async fn a_web_app_still_gets_the_platforms_initialize_as_a_no_op() {
    let host = start("koa");
    let init = host
        .send(fc_request("/initialize").body(Full::default()).unwrap())
        .await;
    assert_eq!(init.status(), 200, "{}", text(&init));
}
