//! Go functions: the examples under `examples/go/` built by `fcwasm build` (which
//! installs Go itself) and driven like the Rust, Python and JavaScript examples: FC's
//! context, the initializer's state, returned errors and panics as FC errors, the
//! guest's log, and the seed's two Go programs: `gr.Start` and the net/http handler.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::projects::{self, action, build_example, http_request};
use crate::support::{InProcess, json, text};

const GO: &str = "go";

/// The components, built once for all the tests of this module.
struct Built {
    event: PathBuf,
    http: PathBuf,
    gr_start: PathBuf,
    /// A net/http program on its own mux, started the way servers are.
    serve: PathBuf,
    /// A program whose first start fails, with a PreStop hook; a folder of Go files
    /// with no `go.mod`.
    restart: PathBuf,
}

const RESTART: &str = r#"package main

import (
	"fmt"

	gr "github.com/awesome-fc/golang-runtime"
)

var starts int

func main() {
	starts++
	if starts == 1 {
		panic("the first start fails")
	}
	gr.OnPreStop(func(ctx *gr.FCContext) error {
		gr.GetLogger().Infof("pre-stop after %d starts", starts)
		return nil
	})
	gr.Start(func(ctx *gr.FCContext, event []byte) ([]byte, error) {
		return []byte(fmt.Sprintf("started %d times", starts)), nil
	}, nil)
}
"#;

/// Builds the test project `name`: `main.go` holding `source`, with a `go.mod` when
/// `with_go_mod` (without one, the build gives it its own).
fn build_project(name: &str, source: &str, with_go_mod: bool) -> PathBuf {
    let dir = projects::project_dir(GO, name);
    std::fs::create_dir_all(&dir).unwrap();
    if with_go_mod {
        let go_mod = format!("module example.com/{name}\n\ngo 1.25\n");
        std::fs::write(dir.join("go.mod"), go_mod).unwrap();
    }
    let (output, module) = projects::build_source(GO, name, "main.go", source, &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    module
}

const SERVE: &str = r#"package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"time"

	gr "github.com/awesome-fc/golang-runtime"
)

var calls int

func main() {
	// Deferred in main, as servers do: on a server it never runs while serving.
	appContext, cancel := context.WithCancel(context.Background())
	defer cancel()
	mux := http.NewServeMux()
	mux.HandleFunc("/app-context", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%v", appContext.Err())
	})
	mux.HandleFunc("/deadline", func(w http.ResponseWriter, r *http.Request) {
		deadline, ok := r.Context().Deadline()
		left := time.Until(deadline)
		fmt.Fprintf(w, "%v %v", ok, left > 0 && left <= 86400*time.Second)
	})
	mux.HandleFunc("/body", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		calls++
		fmt.Fprintf(w, "call %d read %d", calls, len(body))
	})
	mux.HandleFunc("/headers", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["X-A: b\nSet-Cookie"] = []string{"evil=1"}
		w.Header().Set("X-Good", "yes")
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusAccepted)
	})
	mux.HandleFunc("/created", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Kind", "created")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, "%s %s?%s from %s, request %s", r.Method, r.URL.Path, r.URL.RawQuery,
			r.RemoteAddr, gr.FromContext(r.Context()).RequestID)
	})
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) {
		panic("the request asked to panic")
	})
	// As on a server: ListenAndServe does not return, so log.Fatal does not run.
	log.Fatal(gr.ListenAndServe(":9000", mux))
}
"#;

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| Built {
        event: build_example(GO, "event"),
        http: build_example(GO, "http"),
        gr_start: build_example(GO, "gr-start"),
        serve: build_project("serve", SERVE, true),
        restart: build_project("restart", RESTART, false),
    })
}

fn start(module: &Path) -> InProcess {
    projects::start(GO, module)
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
async fn a_returned_error_is_fc_error_named_by_its_type() {
    let host = start(&built().event);
    let response = host.invoke(action("fail")).await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-fc-status"], "404");
    let body = json(&response);
    assert_eq!(body["errorType"], "errorString", "{body}");
    assert_eq!(body["errorMessage"], "the event asked to fail");
    assert!(body.get("stackTrace").is_none(), "{body}");
}

#[tokio::test]
async fn a_panic_is_fc_error_with_the_go_stack_and_the_instance_keeps_serving() {
    let host = start(&built().event);
    let response = host.invoke(action("panic")).await;
    assert_eq!(response.status(), 404);
    let body = json(&response);
    assert_eq!(body["errorType"], "plainError", "{body}");
    assert_eq!(body["errorMessage"], "assignment to entry in nil map");
    // The handler's frame alone: the Go runtime's and the SDK's are cut.
    let frames = body["stackTrace"].as_array().unwrap();
    assert_eq!(frames.len(), 1, "{frames:?}");
    let frame = frames[0].as_str().unwrap();
    assert!(
        frame.starts_with("main.handler (example.com/event/main.go:"),
        "{frame}"
    );
    assert_eq!(text(&host.invoke(action("echo")).await), action("echo"));
}

#[tokio::test]
async fn logger_and_stdout_lines_reach_the_tail_log() {
    let tail = projects::echo_tail_log(&start(&built().event), "go-tail").await;
    assert!(tail.contains("go-tail [INFO]  action echo\n"), "{tail}");
    assert!(
        tail.contains("go-tail [INFO]  echoing 18 bytes\n"),
        "{tail}"
    );
}

#[test]
fn os_getenv_reads_the_functions_environment() {
    let output = projects::invoke_command(
        GO,
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
async fn the_seeds_gr_start_program_logs_its_context_and_echoes() {
    let host = start(&built().gr_start);
    let init = host
        .send(
            crate::support::fc_request("/initialize")
                .body(http_body_util::Full::new(bytes::Bytes::new()))
                .unwrap(),
        )
        .await;
    assert_eq!(init.status(), 200, "{}", text(&init));
    let response = host
        .send(crate::support::invoke_with(
            r#"{"key": "value"}"#,
            crate::context::ALL_HEADERS,
        ))
        .await;
    assert_eq!(text(&response), r#"{"key": "value"}"#);
    let log = host.log();
    assert!(log.contains("[INFO]  init golang! requestId="), "{log}");
    let logged = log
        .lines()
        .find_map(|line| line.split_once("[INFO]  context = "))
        .map(|(_, context)| context.rsplit_once(" requestId=").unwrap().0)
        .unwrap_or_else(|| panic!("no context in {log}"));
    let context: serde_json::Value = serde_json::from_str(logged).unwrap();
    assert_eq!(context, crate::context::expected_context());
}

#[tokio::test]
async fn the_seeds_net_http_handler_sees_the_request() {
    let host = start(&built().http);
    let mut request = http_request("PUT", "/a/b?x=1", b"the body");
    let headers = request.headers_mut();
    headers.insert("x-custom", "v".parse().unwrap());
    headers.insert("x-fc-request-id", "go-http-1".parse().unwrap());
    let response = host.send(request).await;
    assert_eq!(response.status(), 200, "{}", text(&response));
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    let body = text(&response);
    assert!(
        body.starts_with("Hello, golang http invoke! detail:\n method = PUT;\n"),
        "{body}"
    );
    for part in [
        "Host:[127.0.0.1]",
        "X-Custom:[v]",
        "X-Fc-Request-Id:[go-http-1]",
        "body = the body",
    ] {
        assert!(body.contains(part), "{part:?} not in {body}");
    }
    // The seed prints FC's markers itself, as a native custom runtime must: the host
    // writes them once, around the call, and does not repeat the guest's as records.
    let log = host.log();
    assert!(log.contains("FunctionCompute go runtime inited."), "{log}");
    assert_eq!(
        log.matches("FC Invoke Start RequestId: go-http-1").count(),
        1,
        "{log}"
    );
    assert!(!log.contains("[INFO]  FC Invoke"), "{log}");
}

#[tokio::test]
async fn a_mux_served_like_a_server_answers_and_a_panic_is_502() {
    let host = start(&built().serve);
    let response = host.send(http_request("DELETE", "/created?q=1", b"")).await;
    assert_eq!(response.status(), 201, "{}", text(&response));
    assert_eq!(response.headers()["x-kind"], "created");
    let body = text(&response);
    assert!(body.starts_with("DELETE /created?q=1 from "), "{body}");
    let panicked = host.send(http_request("GET", "/panic", b"")).await;
    assert_eq!(panicked.status(), 502);
    assert_eq!(
        panicked.headers()["x-fc-error-type"],
        "UnhandledInvocationError"
    );
    assert_eq!(json(&panicked)["errorType"], "string");
    assert_eq!(
        json(&panicked)["errorMessage"],
        "the request asked to panic"
    );
    // Not a trap, and `log.Fatal` after ListenAndServe did not end the program.
    let again = host.send(http_request("GET", "/created", b"")).await;
    assert_eq!(again.status(), 201);
}

#[tokio::test]
async fn the_request_context_has_the_calls_deadline() {
    let response = start(&built().serve)
        .send(http_request("GET", "/deadline", b""))
        .await;
    assert_eq!(text(&response), "true true");
}

#[tokio::test]
async fn main_does_not_go_on_past_listen_and_serve() {
    let response = start(&built().serve)
        .send(http_request("GET", "/app-context", b""))
        .await;
    assert_eq!(text(&response), "<nil>", "main's deferred cancel ran");
}

#[tokio::test]
async fn large_bodies_do_not_trap_the_collector_and_the_instance_is_kept() {
    // The host copies a body in through `cabi_realloc`: a collection finishing there
    // would read the clock, which traps.
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    let body: &'static [u8] = BODY.get_or_init(|| vec![b'x'; 3 << 20]);
    let host = start(&built().serve);
    for call in 1..=8 {
        let response = host.send(http_request("POST", "/body", body)).await;
        assert_eq!(text(&response), format!("call {call} read {}", 3 << 20));
    }
}

#[tokio::test]
async fn invalid_header_names_and_informational_statuses_are_not_sent() {
    let host = start(&built().serve);
    let response = host.send(http_request("GET", "/headers", b"")).await;
    assert_eq!(response.status(), 202, "{}", text(&response));
    assert_eq!(response.headers()["x-good"], "yes");
    assert!(response.headers().get("set-cookie").is_none());
    assert!(response.headers().get("x-a").is_none());
    assert!(
        host.log()
            .contains("[WARN]  the response header \"X-A: b\\nSet-Cookie\" is not a valid name"),
        "{}",
        host.log()
    );
}

#[tokio::test]
async fn an_event_to_an_http_program_is_a_clear_error() {
    let response = start(&built().serve).invoke("{}").await;
    assert_eq!(response.status(), 404);
    let message = json(&response)["errorMessage"].to_string();
    assert!(
        message.contains("it has no event handler (gr.Start)"),
        "{message}"
    );
}

#[tokio::test]
async fn a_main_that_failed_runs_again_at_the_next_call_and_pre_stop_runs() {
    let host = start(&built().restart);
    let failed = host.invoke("x").await;
    assert_eq!(failed.status(), 404);
    let body = json(&failed);
    assert_eq!(body["errorType"], "string", "{body}");
    assert_eq!(body["errorMessage"], "the first start fails");
    let frame = body["stackTrace"][0].as_str().unwrap();
    // The module path is the one the build gives a folder without go.mod.
    assert!(frame.starts_with("main.main (handler/main.go:"), "{frame}");
    assert_eq!(text(&host.invoke("x").await), "started 2 times");
    let stop = host.send(projects::pre_stop("go-stop")).await;
    assert_eq!(stop.status(), 200, "{}", text(&stop));
    assert!(
        host.log()
            .contains("go-stop [INFO]  pre-stop after 2 starts"),
        "{}",
        host.log()
    );
}

#[test]
fn a_folder_without_go_mod_builds_and_keeps_no_go_mod() {
    let module = &built().restart;
    let project = module.parent().unwrap();
    assert!(
        !project.join("go.mod").exists(),
        "the build's go.mod is its own"
    );
    let mut names: Vec<String> = std::fs::read_dir(project)
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name != ".bootstrap-build")
        .collect();
    names.sort();
    assert_eq!(names, ["handler.wasm", "main.go"]);
}

#[test]
fn a_kept_net_http_listen_and_serve_fails_the_build_naming_gr_listen_and_serve() {
    let source = "package main\n\nimport (\n\t\"net/http\"\n)\n\nfunc main() {\n\t\
                  // http.ListenAndServe in a comment is not a call\n\t\
                  http.ListenAndServe(\":9000\", nil)\n}\n";
    let (output, module) = projects::build_source(GO, "listen-and-serve", "main.go", source, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("main.go:9: `http.ListenAndServe`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("gr.ListenAndServe(addr, handler)"),
        "{stderr}"
    );
    assert!(!module.exists());
}
