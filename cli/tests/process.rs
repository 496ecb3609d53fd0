//! Process-level tests: the real `bootstrap` executable, its start-up errors, where it
//! finds its port and module, and how it stops.

mod support;

use std::io::{BufRead, BufReader, Read};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use support::{BOOTSTRAP, Bootstrap, http_post, run_to_exit, scratch_dir};
use test_guests as guests;

#[test]
fn missing_module_is_a_one_line_error_naming_the_path() {
    let (ok, stderr) = run_to_exit(|c| {
        c.args(["--module", "/nonexistent/handler.wasm"]);
    });
    assert!(!ok);
    assert_eq!(error_lines(&stderr), 1, "{stderr}");
    assert!(stderr.contains("`/nonexistent/handler.wasm`"), "{stderr}");
    assert!(stderr.contains("No such file"), "{stderr}");
}

#[test]
fn invalid_module_is_a_one_line_error_with_the_reason() {
    let dir = scratch_dir("invalid");
    let path = dir.join("handler.wasm");
    std::fs::write(&path, "this is not wasm").unwrap();
    let (ok, stderr) = run_to_exit(|c| {
        c.arg("--module").arg(&path);
    });
    assert!(!ok);
    assert_eq!(error_lines(&stderr), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("`{}`", path.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains("not a valid WebAssembly component"),
        "{stderr}"
    );
}

#[test]
fn no_module_anywhere_says_where_it_looked() {
    let dir = scratch_dir("nomodule");
    let (ok, stderr) = run_to_exit(|c| {
        c.env("FC_FUNC_CODE_PATH", &dir);
    });
    assert!(!ok);
    assert!(stderr.contains("no module found"), "{stderr}");
    assert!(
        stderr.contains(&dir.join("handler.wasm").display().to_string()),
        "{stderr}"
    );
}

#[test]
fn malformed_port_variable_is_an_error() {
    let (ok, stderr) = run_to_exit(|c| {
        c.env("FC_SERVER_PORT", "nine-thousand")
            .args(["--module", guests::ECHO]);
    });
    assert!(!ok);
    assert!(
        stderr.contains("`FC_SERVER_PORT` is not a port number"),
        "{stderr}"
    );
}

#[test]
fn port_comes_from_fc_server_port() {
    let host = Bootstrap::spawn(|c| {
        c.env("FC_SERVER_PORT", "0")
            .env("BOOTSTRAP_MODULE", guests::ECHO);
    });
    assert_eq!(host.invoke("hi"), ("HTTP/1.1 200 OK".into(), "hi".into()));
}

/// A config file in a fresh folder, with `text`.
fn config_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = scratch_dir(name);
    let file = dir.join("bootstrap.toml");
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn the_platforms_port_beats_the_config_files() {
    // The file names a port that is taken: the host must not try it.
    let taken = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let file = config_file("config-port", &format!("port = {port}\n"));
    let host = Bootstrap::spawn(|c| {
        c.env("FC_SERVER_PORT", "0")
            .env("BOOTSTRAP_CONFIG", &file)
            .args(["--module", guests::ECHO]);
    });
    assert_eq!(host.invoke("platform").1, "platform");
}

#[test]
fn a_setting_is_the_flags_else_the_variables_else_the_files() {
    let file = config_file("config-precedence", "max-body-bytes = 1000000\n");
    let event = "x".repeat(100);
    let status = |env: Option<&str>, flag: Option<&str>| {
        let host = Bootstrap::spawn(|c| {
            c.env("FC_SERVER_PORT", "0")
                .env("BOOTSTRAP_CONFIG", &file)
                .args(["--module", guests::ECHO]);
            if let Some(value) = env {
                c.env("BOOTSTRAP_MAX_BODY_BYTES", value);
            }
            if let Some(value) = flag {
                c.args(["--max-body-bytes", value]);
            }
        });
        host.invoke(&event).0
    };
    assert_eq!(status(None, None), "HTTP/1.1 200 OK", "the file's");
    // An event over the limit is FC's 400 (InvalidArgument).
    assert_eq!(
        status(Some("10"), None),
        "HTTP/1.1 400 Bad Request",
        "the variable's"
    );
    assert_eq!(
        status(Some("10"), Some("1000000")),
        "HTTP/1.1 200 OK",
        "the flag's"
    );
}

#[test]
fn port_comes_from_fc_custom_listen_port() {
    let host = Bootstrap::spawn(|c| {
        c.env("FC_CUSTOM_LISTEN_PORT", "0")
            .args(["--module", guests::ECHO]);
    });
    assert_eq!(host.invoke("custom").1, "custom");
}

#[test]
fn module_is_found_in_the_code_directory() {
    let dir = scratch_dir("codedir");
    std::fs::copy(guests::ECHO, dir.join("handler.wasm")).unwrap();
    let host = Bootstrap::spawn(|c| {
        c.env("FC_SERVER_PORT", "0").env("FC_FUNC_CODE_PATH", &dir);
    });
    assert_eq!(host.invoke("from code dir").1, "from code dir");
}

#[test]
fn module_beside_the_executable_needs_no_flags() {
    let dir = scratch_dir("beside");
    let exe = dir.join("bootstrap");
    // A hard link, not a copy: a copy's open write handle can leak into a concurrently
    // forked child and make exec fail with "text file busy".
    std::fs::hard_link(BOOTSTRAP, &exe).unwrap();
    std::fs::copy(guests::ECHO, dir.join("handler.wasm")).unwrap();
    let host = Bootstrap::spawn_exe(&exe, |c| {
        c.env("FC_SERVER_PORT", "0");
    });
    assert_eq!(host.invoke("beside").1, "beside");
}

#[test]
fn stdout_carries_the_fc_log() {
    let mut host = Bootstrap::spawn(|c| {
        c.env("FC_SERVER_PORT", "0")
            .args(["--module", guests::ECHO]);
    });
    host.invoke("x");
    let mut stdout = BufReader::new(host.child.stdout.take().unwrap()).lines();
    let first = stdout.next().unwrap().unwrap();
    assert!(first.starts_with("FC Invoke Start RequestId: "), "{first}");
    let second = stdout.next().unwrap().unwrap();
    assert!(second.starts_with("FC Invoke End RequestId: "), "{second}");
}

#[test]
fn sigterm_stops_the_server_with_exit_code_zero() {
    let mut host = Bootstrap::spawn(|c| {
        c.env("FC_SERVER_PORT", "0")
            .args(["--module", guests::ECHO]);
    });
    assert_eq!(host.invoke("up").1, "up");
    let status = Command::new("kill")
        .args(["-TERM", &host.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = host.child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "bootstrap did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The peak resident memory of a process, from /proc (kB).
fn peak_rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/<pid>/status")
}

/// Bytes a line of stdout accounts for: its own, or those it says were dropped.
fn accounted_bytes(line: &str) -> u64 {
    let dropped = line
        .split_once("log records (")
        .and_then(|(_, rest)| rest.split_once(" bytes) were dropped"))
        .and_then(|(bytes, _)| bytes.parse().ok());
    dropped.unwrap_or(line.len() as u64 + 1)
}

#[test]
fn a_guest_writing_100_mb_to_stdout_leaves_the_host_memory_bounded() {
    let mut host = Bootstrap::spawn(|c| {
        c.env("FC_SERVER_PORT", "0")
            .args(["--module", guests::MISBEHAVE]);
    });
    let stdout = host.child.stdout.take().unwrap();
    let accounted = Arc::new(AtomicU64::new(0));
    let reader = std::thread::spawn({
        let accounted = Arc::clone(&accounted);
        move || {
            let mut lines = BufReader::new(stdout).lines();
            while let Some(Ok(line)) = lines.next() {
                accounted.fetch_add(accounted_bytes(&line), Ordering::Relaxed);
            }
        }
    });
    assert_eq!(host.invoke("warm up").1, "warm up");
    let before = peak_rss_kb(host.child.id());
    assert_eq!(host.invoke("flood:100").1, "flooded");
    let after = peak_rss_kb(host.child.id());
    assert!(
        after < before + 32 * 1024,
        "peak RSS grew from {before} kB to {after} kB"
    );
    assert_eq!(host.invoke("next").1, "next");
    // Every line reaches stdout or is counted as dropped (a reader slower than the
    // flood, as on a loaded machine, makes the host drop records rather than wait).
    let flood = 100 * 1024 * 1024;
    let deadline = Instant::now() + Duration::from_secs(30);
    while accounted.load(Ordering::Relaxed) < flood && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(host);
    reader.join().unwrap();
    let accounted = accounted.load(Ordering::Relaxed);
    assert!(
        accounted > flood,
        "only {accounted} bytes reached stdout or were counted as dropped"
    );
}

#[test]
fn dropped_records_are_accounted_by_the_line_that_counts_them() {
    let warning = "2026-12-03 10:00:00.000 bootstrap [WARN]  3 log records (3084 bytes) were dropped: stdout did not keep up";
    assert_eq!(accounted_bytes(warning), 3084);
    assert_eq!(accounted_bytes("ffff"), 5);
}

#[test]
fn the_guest_sees_the_function_environment_without_bootstraps_settings() {
    let host = Bootstrap::spawn(|c| {
        c.env("FC_SERVER_PORT", "0")
            .env("BOOTSTRAP_MODULE", guests::MISBEHAVE)
            .env("FC_FUNCTION_NAME", "my-function")
            .env("VISIBLE", "yes")
            .env("SECRET_TOKEN", "s3cr3t")
            .env("RUST_BACKTRACE", "1")
            .env_remove("RUST_LIB_BACKTRACE")
            .args(["--withhold-env", "SECRET_TOKEN"]);
    });
    let (status, env) = host.invoke("env");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(env.contains("VISIBLE=yes\n"), "{env}");
    assert!(env.contains("FC_FUNCTION_NAME=my-function\n"), "{env}");
    assert!(env.contains("FC_SERVER_PORT=0\n"), "{env}");
    assert!(env.contains("RUST_BACKTRACE=1\n"), "{env}");
    // The host turns library backtraces off for itself, not for the guest.
    for hidden in [
        "SECRET_TOKEN",
        "BOOTSTRAP_",
        "FC_WASM_",
        "RUST_LOG",
        "RUST_LIB_",
    ] {
        assert!(!env.contains(hidden), "{hidden} leaked: {env}");
    }
}

#[test]
fn a_library_backtrace_setting_of_the_function_reaches_the_guest() {
    let host = Bootstrap::spawn(|c| {
        c.env("FC_SERVER_PORT", "0")
            .env("BOOTSTRAP_MODULE", guests::MISBEHAVE)
            .env("RUST_LIB_BACKTRACE", "1");
    });
    let (status, env) = host.invoke("env");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(env.contains("RUST_LIB_BACKTRACE=1\n"), "{env}");
}

#[test]
fn sigterm_runs_pre_stop_on_live_instances_then_exits_zero() {
    let mut host = Bootstrap::spawn(|c| {
        c.env("FC_SERVER_PORT", "0")
            .args(["--module", guests::MISBEHAVE]);
    });
    let id = host.invoke("id").1;
    let status = Command::new("kill")
        .args(["-TERM", &host.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut stdout = String::new();
    host.child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert!(host.child.wait().unwrap().success());
    let start = stdout.find("FC PreStop Start RequestId: ").expect(&stdout);
    let hook = stdout
        .find(&format!("[INFO]  pre-stop {id}"))
        .expect(&stdout);
    let end = stdout.find("FC PreStop End RequestId: ").expect(&stdout);
    assert!(start < hook && hook < end, "{stdout}");
}

#[test]
fn sigterm_lets_calls_in_flight_finish() {
    let mut host = Bootstrap::spawn(|c| {
        c.env("FC_SERVER_PORT", "0")
            .args(["--module", guests::MISBEHAVE]);
    });
    let addr = host.addr;
    let slow = std::thread::spawn(move || http_post(addr, "/invoke", "sleep:800"));
    std::thread::sleep(Duration::from_millis(200));
    let status = Command::new("kill")
        .args(["-TERM", &host.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let (status, _) = slow.join().unwrap();
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(host.child.wait().unwrap().success());
}

/// How many lines of `bootstrap`'s stderr are start-up errors (`bootstrap: …`); the
/// rest are diagnostics such as "compiling …".
fn error_lines(stderr: &str) -> usize {
    stderr
        .lines()
        .filter(|line| line.starts_with("bootstrap: "))
        .count()
}

/// The entries of `dir` (names only).
fn entries(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn tmp_is_removed_at_shutdown_and_stale_roots_at_start() {
    let tmp = scratch_dir("tmp-lifecycle");
    let stale = tmp.join("bootstrap-999999999-left");
    std::fs::create_dir_all(stale.join("instance-x")).unwrap();
    std::fs::write(stale.join("instance-x/secret"), b"the previous run's").unwrap();
    let mut host = Bootstrap::spawn(|c| {
        c.env("FC_SERVER_PORT", "0")
            .args(["--module", guests::MISBEHAVE, "--tmp-dir"])
            .arg(&tmp);
    });
    // Removed beside the start, not before it: wait for it, within a bound.
    let patience = Instant::now() + Duration::from_secs(30);
    while stale.exists() && Instant::now() < patience {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        !stale.exists(),
        "the root of a process that is gone was not removed"
    );
    assert_eq!(host.invoke("write:/tmp/mine").1, "written");
    assert_eq!(entries(&tmp).len(), 1, "{:?}", entries(&tmp));
    let status = Command::new("kill")
        .args(["-TERM", &host.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(host.child.wait().unwrap().success());
    assert!(entries(&tmp).is_empty(), "left behind: {:?}", entries(&tmp));
}

#[test]
fn a_stdout_nobody_reads_stalls_no_call() {
    // stdout is a pipe that is never read: once it is full, every write to it blocks.
    let host = Bootstrap::spawn(|c| {
        c.env("FC_SERVER_PORT", "0")
            .args(["--module", guests::MISBEHAVE]);
    });
    let flooding = std::thread::spawn({
        let addr = host.addr;
        move || http_post(addr, "/invoke", "flood:32")
    });
    std::thread::sleep(Duration::from_millis(500));
    for i in 0..20 {
        let (status, body) = host.invoke(&format!("quiet {i}"));
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert_eq!(body, format!("quiet {i}"));
    }
    assert_eq!(flooding.join().unwrap().1, "flooded");
}

#[test]
fn a_component_of_another_contract_version_is_refused_by_name() {
    let (ok, stderr) = run_to_exit(|c| {
        c.args(["--module", guests::OLD_CONTRACT]);
    });
    assert!(!ok);
    assert_eq!(error_lines(&stderr), 1, "{stderr}");
    assert!(
        stderr.contains(
            "was built against fc:runtime@0.1.0, but this bootstrap serves fc:runtime@0.2.0"
        ),
        "{stderr}"
    );
}

#[test]
fn a_switch_from_the_environment_accepts_1() {
    let host = Bootstrap::spawn(|c| {
        c.env("FC_SERVER_PORT", "0")
            .env("BOOTSTRAP_MODULE", guests::ECHO)
            .env("BOOTSTRAP_PERF_MAP", "1");
    });
    let (status, _) = host.invoke("x");
    assert_eq!(status, "HTTP/1.1 200 OK");
    let map = std::path::PathBuf::from(format!("/tmp/perf-{}.map", host.child.id()));
    assert!(map.is_file(), "no {}", map.display());
    let _ = std::fs::remove_file(map);
}
