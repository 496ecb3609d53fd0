//! JavaScript functions: the examples under `examples/js/` built by `fcwasm build`
//! (which installs componentize-js and rolldown itself) and driven like the Rust and
//! Python examples: FC's context, the initializer's state, thrown errors and callback
//! errors as FC errors, the guest's log, and the `(req, resp, context)` HTTP shape.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::projects::{self, action, build_example, http_request};
use crate::support::{InProcess, json, text};

const JS: &str = "js";

/// The components, built once for all the tests of this module.
struct Built {
    event: PathBuf,
    http: PathBuf,
    /// A handler that answers late, through callbacks and timers, or never.
    late: PathBuf,
}

/// The `late` project: called as an event it is `(event, context, callback)`, as an
/// HTTP function `(req, resp, context)`.
const LATE: &str = r#"
exports.handler = (first, second, third) => {
  if (typeof third === "function") {
    const event = first.toString();
    if (event === "later") setTimeout(() => third(null, "called back"), 5);
    if (event === "error") third(new TypeError("called back with an error"));
    if (event === "stuck") return new Promise(() => {});
    return; // "never": returns without calling back
  }
  if (first.path === "/timer") setTimeout(() => second.send("sent from a timer"), 5);
  if (first.path === "/async") return (async () => second.setStatusCode(204))();
  if (first.path === "/send-then-throw") {
    second.send("sent");
    throw new Error("thrown after send");
  }
};
"#;

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let (output, late) = projects::build_source(JS, "late", "index.js", LATE, &[]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        Built {
            event: build_example(JS, "event"),
            http: build_example(JS, "http"),
            late,
        }
    })
}

fn start(module: &Path) -> InProcess {
    projects::start(JS, module)
}

#[tokio::test]
async fn the_context_has_every_field_in_fc_shape() {
    projects::assert_context_in_fc_shape(&start(&built().event)).await;
}

#[tokio::test]
async fn the_initializer_state_is_kept_across_calls() {
    projects::assert_initializer_state_is_kept(&start(&built().event)).await;
}

#[tokio::test]
async fn a_thrown_error_is_fc_error_with_its_name_and_stack() {
    let host = start(&built().event);
    let response = host.invoke(action("fail")).await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-fc-status"], "404");
    let body = json(&response);
    assert_eq!(body["errorType"], "RangeError");
    assert_eq!(body["errorMessage"], "the event asked to fail");
    // The handler's frame alone: the SDK's frames are cut.
    let frames = body["stackTrace"].as_array().unwrap();
    assert_eq!(frames.len(), 1, "{frames:?}");
    let frame = frames[0].as_str().unwrap();
    assert!(frame.contains("exports.handler@bundle.js:"), "{frame}");
    // The instance was not lost: the next call is served.
    assert_eq!(text(&host.invoke(action("echo")).await), action("echo"));
}

#[tokio::test]
async fn console_lines_reach_the_tail_log() {
    let tail = projects::echo_tail_log(&start(&built().event), "js-tail").await;
    assert!(tail.contains("js-tail [INFO]  action echo\n"), "{tail}");
}

#[tokio::test]
async fn a_promise_settled_by_a_timer_answers_and_the_instance_keeps_serving() {
    let host = start(&built().event);
    for _ in 0..3 {
        assert_eq!(text(&host.invoke(action("later")).await), "later");
    }
}

#[test]
fn process_env_holds_the_functions_environment() {
    let output = projects::invoke_command(
        JS,
        &built().event,
        &["-e", &action("env")],
        &[("GREETING", "hola")],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "hola");
}

#[tokio::test]
async fn the_seeds_hello_answers_get_and_post() {
    let host = start(&built().http);
    for (method, body) in [("GET", &b""[..]), ("POST", &b"payload"[..])] {
        let response = host.send(http_request(method, "/hello", body)).await;
        assert_eq!(response.status(), 200, "{}", text(&response));
        assert_eq!(response.headers()["content-type"], "text/plain");
        assert_eq!(
            text(&response),
            format!("Hello FunctionCompute, http {method}")
        );
    }
    assert!(host.log().contains("[INFO]  payload\n"), "{}", host.log());
}

#[tokio::test]
async fn the_seeds_request_details_example_sees_the_request() {
    let host = start(&built().http);
    let mut request = http_request("PUT", "/a%20b/c?x=1&y=two&x=3", b"the body");
    let headers = request.headers_mut();
    headers.insert("x-custom", "v".parse().unwrap());
    headers.insert("x-fc-client-ip", "10.0.0.7".parse().unwrap());
    headers.insert("x-fc-request-id", "js-http-1".parse().unwrap());
    let response = host.send(request).await;
    assert_eq!(response.status(), 200, "{}", text(&response));
    assert_eq!(response.headers()["content-type"], "application/json");
    let body = text(&response);
    for line in [
        "requestHeader: host:127.0.0.1  x-custom:v  \n",
        "url: /a%20b/c?x=1&y=two&x=3\n",
        "path: /a b/c\n",
        "queries: x=1,3  y=two  \n",
        "method: PUT\n",
        "clientIP: 10.0.0.7\n",
        "body: the body\n",
        "requestId: js-http-1\n",
    ] {
        assert!(body.contains(line), "{line:?} not in {body}");
    }
}

#[tokio::test]
async fn a_callback_answers_an_event_and_its_error_is_fc_error() {
    let host = start(&built().late);
    assert_eq!(text(&host.invoke("later").await), "called back");
    let response = host.invoke("error").await;
    assert_eq!(response.status(), 404);
    let body = json(&response);
    assert_eq!(body["errorType"], "TypeError");
    assert_eq!(body["errorMessage"], "called back with an error");
}

#[tokio::test]
async fn a_callback_never_called_or_a_promise_never_settled_is_an_error_not_a_trap() {
    let host = start(&built().late);
    for (event, error_type) in [
        ("never", "CallbackNotCalled"),
        ("stuck", "PromiseNotSettled"),
    ] {
        let response = host.invoke(event).await;
        assert_eq!(response.status(), 404);
        let body = json(&response);
        assert_eq!(body["errorType"], error_type, "{body}");
        assert!(body.get("stackTrace").is_none(), "{body}");
    }
    // The instance is the same one: it was not trapped and replaced.
    assert_eq!(text(&host.invoke("later").await), "called back");
}

#[tokio::test]
async fn an_http_answer_may_come_later_or_never() {
    let host = start(&built().late);
    let timer = host.send(http_request("GET", "/timer", b"")).await;
    assert_eq!(text(&timer), "sent from a timer");
    let settled = host.send(http_request("GET", "/async", b"")).await;
    assert_eq!(settled.status(), 204);
    let never = host.send(http_request("GET", "/never", b"")).await;
    assert_eq!(never.status(), 502);
    assert_eq!(
        never.headers()["x-fc-error-type"],
        "UnhandledInvocationError"
    );
    assert_eq!(json(&never)["errorType"], "ResponseNotSent");
    // What fails after `send` is logged; the answer stands.
    let late_error = host
        .send(http_request("GET", "/send-then-throw", b""))
        .await;
    assert_eq!(late_error.status(), 200);
    assert_eq!(text(&late_error), "sent");
    assert!(
        host.log()
            .contains("[ERROR]  the handler failed after resp.send(): Error: thrown after send"),
        "{}",
        host.log()
    );
}

#[test]
fn the_environment_read_while_the_module_loads_is_warned_about_at_the_first_call() {
    // Dependencies test `NODE_ENV` as they load, so that one is there; others are not.
    let source = "const BUCKET = process.env.BUCKET;\nconst MODE = process.env.NODE_ENV;\n\
                  exports.handler = () => `${BUCKET}/${MODE}/${process.env.BUCKET}`;\n";
    let (output, module) = projects::build_source(JS, "env-at-load", "index.js", source, &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let invoked = projects::invoke_command(JS, &module, &[], &[("BUCKET", "photos")]);
    let stderr = String::from_utf8_lossy(&invoked.stderr);
    assert!(invoked.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&invoked.stdout),
        "undefined/production/photos"
    );
    assert!(
        stderr.contains("[WARN]  process.env.BUCKET was read while the module loaded"),
        "{stderr}"
    );
}

/// The JavaScript toolchain `fcwasm build` installed (building the examples installs
/// it): its folder is named by its lock file's digest.
pub(crate) fn toolchain_dir() -> PathBuf {
    use sha2::Digest as _;
    built();
    let lock = include_bytes!("../../../sdk/js/toolchain/package-lock.json");
    let digest: String = sha2::Sha256::digest(lock)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(&std::env::var_os("HOME").unwrap()).join(".cache"));
    cache
        .join("bootstrap/tools")
        .join(format!("componentize-js-0.23.0-{digest}"))
}

#[test]
fn the_sdks_unit_tests_pass_in_nodejs() {
    // The SDK's modules against Node.js's own (Buffer, http, crypto, net, url, …),
    // resolved as the bundle resolves them: the polyfills from the toolchain.
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk/js");
    let tests: Vec<PathBuf> = std::fs::read_dir(sdk.join("test"))
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    assert!(tests.len() >= 3, "{tests:?}");
    let output = std::process::Command::new("node")
        .arg("--import")
        .arg(sdk.join("test/loader.mjs"))
        .arg("--test")
        .args(&tests)
        .env("BOOTSTRAP_JS_TOOLCHAIN", toolchain_dir())
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
