//! Python functions: the examples under `examples/python/` built by `fcwasm build`
//! (which installs componentize-py and the requirements itself) and driven like the
//! Rust examples: FC's context, the initializer's state, exceptions as FC errors, the
//! guest's log, and a Flask app through WSGI.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use bytes::Bytes;
use http_body_util::Full;

use crate::projects::{self, action, build_example, build_example_with, build_sources};
use crate::support::{InProcess, json, text};

const PYTHON: &str = "python";

/// The examples' components, built once for all the tests of this module.
struct Built {
    event: PathBuf,
    flask: PathBuf,
    django: PathBuf,
}

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| Built {
        event: build_example(PYTHON, "event"),
        flask: build_example(PYTHON, "flask"),
        django: build_example_with(PYTHON, "django", &["--handler", "app.application"]),
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
    // The source beside the component (handler.files) gives the line's text.
    assert!(
        trace.ends_with(r#"in handler: raise ValueError("the event asked to fail")"#),
        "{trace}"
    );
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

/// Builds the project of `files`, and fails the test with the build's output if
/// the build fails.
fn build_ok(name: &str, files: &[(&str, &str)], args: &[&str]) -> PathBuf {
    let (output, module) = build_sources(PYTHON, name, files, args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    module
}

#[tokio::test]
async fn the_standard_library_imports_inside_a_call_and_its_files_are_read_only() {
    let source = include_str!("python_sources/lazy_imports.py");
    let module = build_ok("lazy-imports", &[("index.py", source)], &[]);
    let response = start(&module).invoke("").await;
    assert_eq!(response.status(), 200, "{}", text(&response));
    let expected = serde_json::json!({
        "big5": "a4a4a4e5", "datetime": "2026-12-07", "decimal": "0.3",
        "email": "text/plain; charset=\"us-ascii\"", "gb18030": "中文", "gbk": "d6d0cec4",
        "gzip": "zz", "hmac": "b60090e3", "idna": "xn--bcher-kva.example",
        "shift_jis": "93fa967b", "sqlite3": 42, "statistics": 2, "strptime": 341,
        "unicode_escape": "a\nb", "uuid": "00000000-0000-0000-0000-000000000001",
        "write": "PermissionError", "xml": "t",
    });
    assert_eq!(json(&response), expected);
}

#[tokio::test]
async fn a_django_app_answers_its_unknown_paths_with_djangos_404_and_500() {
    let host = start(&built().django);
    let hello = host
        .send(projects::http_request("GET", "/hello/fc", b""))
        .await;
    assert_eq!(hello.status(), 200, "{}", text(&hello));
    assert_eq!(
        json(&hello),
        serde_json::json!({"hello": "fc", "method": "GET"})
    );
    // Django's 404 and 500 paths import what the route did not (django.conf.urls, …).
    let missing = host.send(projects::http_request("GET", "/nope", b"")).await;
    assert_eq!(missing.status(), 404, "{}", text(&missing));
    assert!(
        text(&missing).contains("<title>Not Found</title>"),
        "{}",
        text(&missing)
    );
    let fail = host.send(projects::http_request("GET", "/fail", b"")).await;
    assert_eq!(fail.status(), 500);
    assert!(
        text(&fail).contains("Server Error (500)"),
        "{}",
        text(&fail)
    );
    let log = host.log();
    assert!(log.contains("RuntimeError: this view fails"), "{log}");
}

#[tokio::test]
async fn a_flask_app_answers_its_error_paths_and_imports_a_requirement_inside_a_call() {
    let module = build_ok(
        "flask-errors",
        &[
            ("app.py", include_str!("python_sources/flask_errors.py")),
            ("requirements.txt", "flask==3.1.2\n"),
        ],
        &["--handler", "app.app"],
    );
    let host = start(&module);
    let cases = [
        ("/boom", 500, "Internal Server Error"),
        ("/teapot", 418, "I&#39;m a teapot"),
        ("/missing", 404, "Not Found"),
        ("/lazy", 200, "werkzeug.middleware.proxy_fix"),
    ];
    for (path, status, body) in cases {
        let response = host.send(projects::http_request("GET", path, b"")).await;
        assert_eq!(response.status(), status, "{path}: {}", text(&response));
        assert!(
            text(&response).contains(body),
            "{path}: {}",
            text(&response)
        );
    }
}

#[test]
fn the_build_leaves_the_project_as_it_was_and_follows_no_link_in_it() {
    let dir = projects::project_dir(PYTHON, "untouched");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink("/etc", dir.join("etc")).unwrap();
    let source = "import helper\ndef handler(event, context):\n    return helper.NAME\n";
    let (output, module) = build_sources(
        PYTHON,
        "untouched",
        &[("index.py", source), ("helper.py", "NAME = 'helper'\n")],
        &[],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("etc`: a link in the project is not followed"),
        "{stderr}"
    );
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let expected = [
        ".bootstrap-build",
        "etc",
        "handler.files",
        "handler.wasm",
        "helper.py",
        "index.py",
    ];
    assert_eq!(
        names, expected,
        "no __pycache__ and nothing else is left in the project"
    );
    let files = host::module_files_path(&module);
    let staged = std::fs::read_dir(&files)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.join("index.py").is_file())
        .expect("the project is in handler.files");
    assert!(staged.join("helper.py").is_file());
    assert!(!staged.join("etc").exists());
}

#[test]
fn a_requirement_that_is_only_native_fails_the_build_naming_what_was_left_out() {
    let source = "import orjson\ndef handler(event, context):\n    return orjson.dumps({})\n";
    let (output, _) = build_sources(
        PYTHON,
        "native-only",
        &[
            ("index.py", source),
            ("requirements.txt", "orjson==3.10.18\n"),
        ],
        &[],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("left out `orjson/orjson."), "{stderr}");
    assert!(
        stderr.contains("a native extension module cannot run"),
        "{stderr}"
    );
    assert!(!stderr.contains("read environment variables"), "{stderr}");
}
