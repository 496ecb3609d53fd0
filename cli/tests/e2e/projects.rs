//! Functions in other languages, built by `fcwasm build` as a user builds them
//! (it installs the language's toolchain itself), each language with a compile cache
//! of its own so that every test maps what one build compiled.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::Full;

use crate::context::{ALL_HEADERS, expected_context};
use crate::support::{InProcess, fc_request, invoke_with, json, text};

/// The developer tool, which builds and invokes the projects.
pub(crate) const FCWASM: &str = env!("CARGO_BIN_EXE_fcwasm");

/// The compile cache of `language`'s tests.
pub(crate) fn cache_dir(language: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{language}-compiled"))
}

/// `fcwasm build DIR -o OUTPUT` with `args`, into `language`'s cache.
pub(crate) fn bootstrap_build(language: &str, dir: &Path, output: &Path, args: &[&str]) -> Output {
    Command::new(FCWASM)
        .arg("build")
        .arg(dir)
        .arg("-o")
        .arg(output)
        .arg("--cache-dir")
        .arg(cache_dir(language))
        .args(args)
        .output()
        .expect("fcwasm runs")
}

/// Builds `examples/<language>/<example>`; panics with the build's output if it fails.
pub(crate) fn build_example(language: &str, example: &str) -> PathBuf {
    build_example_with(language, example, &[])
}

/// [`build_example`] with extra build arguments.
pub(crate) fn build_example_with(language: &str, example: &str, args: &[&str]) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root.join("examples").join(language).join(example);
    let output = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{language}-{example}.wasm"));
    let built = bootstrap_build(language, &dir, &output, args);
    assert!(
        built.status.success(),
        "fcwasm build {} failed:\n{}",
        dir.display(),
        String::from_utf8_lossy(&built.stderr)
    );
    output
}

/// Builds a copy of `examples/<language>/<example>` made in a folder of its own (as
/// a user who cloned it would: its tracked files, no `node_modules`, no earlier build),
/// so the build installs what it needs there; panics with the build's output if it
/// fails. Returns the module, written in that folder (its code directory).
pub(crate) fn build_fresh_copy_of_example(language: &str, example: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let source = root.join("examples").join(language).join(example);
    let dir = project_dir(language, example);
    let _ = std::fs::remove_dir_all(&dir);
    copy_tracked(&source, &dir);
    let output = dir.join("handler.wasm");
    let built = bootstrap_build(language, &dir, &output, &[]);
    assert!(
        built.status.success(),
        "fcwasm build {} failed:\n{}",
        dir.display(),
        String::from_utf8_lossy(&built.stderr)
    );
    output
}

/// Copies the files of `from` that a clone would have (not what a build or npm
/// left there) into `to`.
fn copy_tracked(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if ["node_modules", ".bootstrap-build", "__pycache__"].contains(&name.as_ref())
            || name.starts_with("handler.")
        {
            continue;
        }
        if entry.path().is_dir() {
            copy_tracked(&entry.path(), &to.join(&*name));
        } else {
            std::fs::copy(entry.path(), to.join(&*name)).unwrap();
        }
    }
}

/// The folder of the test project `name` in `language`.
pub(crate) fn project_dir(language: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{language}-project-{name}"))
}

/// Builds a project of one file, `file` holding `source`, with extra build arguments.
pub(crate) fn build_source(
    language: &str,
    name: &str,
    file: &str,
    source: &str,
    args: &[&str],
) -> (Output, PathBuf) {
    build_sources(language, name, &[(file, source)], args)
}

/// Builds a project of the files `(name, text)` of `files`, with extra build arguments.
pub(crate) fn build_sources(
    language: &str,
    name: &str,
    files: &[(&str, &str)],
    args: &[&str],
) -> (Output, PathBuf) {
    let dir = project_dir(language, name);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    let output = dir.join("handler.wasm");
    (bootstrap_build(language, &dir, &output, args), output)
}

/// Serves `module` in process, mapping what the build compiled.
pub(crate) fn start(language: &str, module: &Path) -> InProcess {
    InProcess::start_with(module.to_str().unwrap(), |args| {
        args.call.cache.cache_dir = Some(cache_dir(language));
    })
}

/// `fcwasm invoke --module MODULE` with `args` and extra environment variables.
pub(crate) fn invoke_command(
    language: &str,
    module: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    Command::new(FCWASM)
        .args(["invoke", "--module"])
        .arg(module)
        .arg("--cache-dir")
        .arg(cache_dir(language))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("fcwasm runs")
}

/// An HTTP-function request with a body.
pub(crate) fn http_request(
    method: &str,
    target: &str,
    body: &'static [u8],
) -> http::Request<Full<Bytes>> {
    http::Request::builder()
        .method(method)
        .uri(target)
        .header("host", "127.0.0.1")
        .body(Full::new(Bytes::from_static(body)))
        .unwrap()
}

/// The platform's `GET /pre-stop` with request id `id`.
pub(crate) fn pre_stop(id: &str) -> http::Request<Full<Bytes>> {
    http::Request::get("/pre-stop")
        .header("host", "127.0.0.1")
        .header("x-fc-control-path", "/pre-stop")
        .header("x-fc-request-id", id)
        .body(Full::new(Bytes::new()))
        .unwrap()
}

/// The event the languages' event examples answer: `{"action": NAME}`.
pub(crate) fn action(name: &str) -> String {
    format!(r#"{{"action": "{name}"}}"#)
}

/// An event example answers `context` with FC's whole context.
pub(crate) async fn assert_context_in_fc_shape(host: &InProcess) {
    let response = host.send(invoke_with(action("context"), ALL_HEADERS)).await;
    assert_eq!(response.status(), 200, "{}", text(&response));
    assert_eq!(json(&response), expected_context());
}

/// An event example's initializer makes a counter that `count` calls keep.
pub(crate) async fn assert_initializer_state_is_kept(host: &InProcess) {
    let init = host
        .send(
            fc_request("/initialize")
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await;
    assert_eq!(init.status(), 200, "{}", text(&init));
    for expected in 1..=3 {
        let response = host.invoke(action("count")).await;
        assert_eq!(json(&response), serde_json::json!({"calls": expected}));
    }
    assert!(
        host.log().contains("[INFO]  initialized for"),
        "{}",
        host.log()
    );
}

/// The `x-fc-log-type: Tail` log of an `echo` call with `request_id`.
pub(crate) async fn echo_tail_log(host: &InProcess, request_id: &str) -> String {
    let mut request = invoke_with(action("echo"), &[("x-fc-request-id", request_id)]);
    request
        .headers_mut()
        .insert("x-fc-log-type", "Tail".parse().unwrap());
    let response = host.send(request).await;
    assert_eq!(response.status(), 200);
    assert_eq!(text(&response), action("echo"));
    let tail = base64::engine::general_purpose::STANDARD
        .decode(response.headers()["x-fc-log-result"].as_bytes())
        .unwrap();
    String::from_utf8(tail).unwrap()
}
