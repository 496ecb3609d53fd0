//! Python functions: the examples under `examples/python/` built by `fcwasm build`
//! (which installs componentize-py and the requirements itself) and driven like the
//! Rust examples: FC's context, the initializer's state, exceptions as FC errors, the
//! guest's log, and a Flask app through WSGI.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use bytes::Bytes;
use http_body_util::Full;

use crate::projects::{self, action, build_example};
use crate::support::{InProcess, json, text};

const PYTHON: &str = "python";

/// The examples' components, built once for all the tests of this module.
struct Built {
    event: PathBuf,
    flask: PathBuf,
}

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| Built {
        event: build_example(PYTHON, "event"),
        flask: build_example(PYTHON, "flask"),
    })
}

fn start(module: &Path) -> InProcess {
    projects::start(PYTHON, module)
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
async fn an_exception_is_fc_error_with_its_class_and_traceback() {
    let host = start(&built().event);
    let response = host.invoke(action("fail")).await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-fc-status"], "404");
    let body = json(&response);
    assert_eq!(body["errorType"], "ValueError");
    assert_eq!(body["errorMessage"], "the event asked to fail");
    let trace = body["stackTrace"][0].as_str().unwrap();
    assert!(trace.starts_with(r#"File "index.py", line "#), "{trace}");
    assert!(trace.ends_with("in handler"), "{trace}");
}

#[tokio::test]
async fn logging_records_reach_the_tail_log() {
    let tail = projects::echo_tail_log(&start(&built().event), "py-tail").await;
    assert!(tail.contains("py-tail [INFO]  action echo\n"), "{tail}");
}

#[tokio::test]
async fn the_seeds_flask_app_serves_its_routes() {
    let host = start(&built().flask);
    let request = http::Request::post("/some/path?q=1")
        .header("host", "127.0.0.1")
        .header("x-fc-request-id", "flask-1")
        .body(Full::new(Bytes::from_static(b"payload")))
        .unwrap();
    let response = host.send(request).await;
    assert_eq!(response.status(), 200, "{}", text(&response));
    assert_eq!(text(&response), "Hello, World!");
    assert!(response.headers().contains_key("function-name"));
    let log = host.log();
    assert!(log.contains("flask-1 [INFO]  Path: some/path\n"), "{log}");
    assert!(log.contains("flask-1 [INFO]  Data: b'payload'\n"), "{log}");
    // Flask's own answer to a method the route does not allow.
    let patch = http::Request::patch("/x")
        .header("host", "127.0.0.1")
        .body(Full::new(Bytes::new()))
        .unwrap();
    assert_eq!(host.send(patch).await.status(), 405);
}

#[test]
fn flask_sees_the_function_name_from_the_environment() {
    let output = projects::invoke_command(
        PYTHON,
        &built().flask,
        &["--http", "GET /"],
        &[("FC_FUNCTION_NAME", "hello-flask")],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stdout, "Hello, World!");
    // `invoke` shows the status line and headers with the log, on stderr.
    assert!(stderr.contains("function-name: hello-flask"), "{stderr}");
}

/// Builds a one-file project `index.py` with `source`, with extra build arguments.
fn build_source(name: &str, source: &str, args: &[&str]) -> (std::process::Output, PathBuf) {
    projects::build_source(PYTHON, name, "index.py", source, args)
}

#[tokio::test]
async fn a_module_imported_inside_a_function_is_bundled_with_import() {
    let source = "def handler(event, context):\n    import decimal\n    return str(decimal.Decimal('0.1') * 3)\n";
    let (output, module) = build_source("lazy", source, &["--import", "decimal"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let response = start(&module).invoke("").await;
    assert_eq!(text(&response), "0.3");
}

#[test]
fn a_module_that_reads_the_environment_at_import_fails_the_build_and_says_why() {
    let source = "import os\nBUCKET = os.environ['BUCKET_FOR_THE_TEST']\ndef handler(event, context):\n    return BUCKET\n";
    let (output, _) = build_source("env-at-import", source, &[]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("KeyError('BUCKET_FOR_THE_TEST')"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Code at module level runs when the component is built"),
        "{stderr}"
    );
}
