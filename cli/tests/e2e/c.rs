//! C functions: the examples under `examples/c/` built by `fcwasm build` (which
//! installs zig itself) and driven like the other languages' examples: FC's context,
//! the initializer's state, a failure as FC's error, the log, and an HTTP request's
//! details.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::projects::{self, action, build_example, http_request};
use crate::support::{InProcess, json, text};

const C: &str = "c";

/// The components, built once for all the tests of this module.
struct Built {
    event: PathBuf,
    http: PathBuf,
}

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| Built {
        event: build_example(C, "event"),
        http: build_example(C, "http"),
    })
}

fn start(module: &Path) -> InProcess {
    projects::start(C, module)
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
async fn the_pre_stop_hook_runs_with_the_instances_state() {
    let host = start(&built().event);
    projects::assert_initializer_state_is_kept(&host).await;
    let stop = host.send(projects::pre_stop("c-stop")).await;
    assert_eq!(stop.status(), 200, "{}", text(&stop));
    assert!(
        host.log().contains("c-stop [INFO]  pre-stop after 3 calls"),
        "{}",
        host.log()
    );
}

#[tokio::test]
async fn fc_fail_is_fc_error_with_its_type() {
    let host = start(&built().event);
    let response = host.invoke(action("fail")).await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-fc-status"], "404");
    let body = json(&response);
    assert_eq!(body["errorType"], "ValidationError", "{body}");
    assert_eq!(body["errorMessage"], "the event asked to fail");
    assert_eq!(text(&host.invoke(action("echo")).await), action("echo"));
}

#[tokio::test]
async fn fc_log_lines_reach_the_tail_log() {
    let tail = projects::echo_tail_log(&start(&built().event), "c-tail").await;
    assert!(tail.contains("c-tail [INFO]  action echo\n"), "{tail}");
}

#[test]
fn getenv_reads_the_functions_environment() {
    let output = projects::invoke_command(
        C,
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
async fn the_http_example_sees_the_request() {
    let host = start(&built().http);
    let mut request = http_request("PATCH", "/a%20b?x=1", b"the body");
    let headers = request.headers_mut();
    headers.insert("user-agent", "curl/8".parse().unwrap());
    headers.insert("x-fc-client-ip", "10.0.0.7".parse().unwrap());
    headers.insert("x-fc-request-id", "c-http-1".parse().unwrap());
    let response = host.send(request).await;
    assert_eq!(response.status(), 200, "{}", text(&response));
    assert_eq!(response.headers()["content-type"], "text/plain");
    assert_eq!(
        text(&response),
        "Hello FunctionCompute, http PATCH\ntarget: /a%20b?x=1\nclientIP: 10.0.0.7\n\
         user-agent: curl/8\nrequestId: c-http-1\nbody: the body\n"
    );
}

#[tokio::test]
async fn a_handler_the_function_does_not_define_is_a_clear_error() {
    let response = start(&built().http).invoke("{}").await;
    assert_eq!(response.status(), 404);
    let body = json(&response);
    assert_eq!(body["errorType"], "InitializationError");
    assert_eq!(
        body["errorMessage"],
        "this function has no event handler: define fc_handle_event"
    );
}
