//! The process harness shared by the tests that run the real executables, `bootstrap`
//! (the runtime) and `fcwasm` (the developer tool).

#![allow(dead_code, reason = "each test binary uses part of the harness")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) const BOOTSTRAP: &str = env!("CARGO_BIN_EXE_bootstrap");
/// The developer tool.
pub(crate) const FCWASM: &str = env!("CARGO_BIN_EXE_fcwasm");

/// A `bootstrap` child process, killed on drop.
pub(crate) struct Bootstrap {
    pub(crate) child: Child,
    pub(crate) addr: SocketAddr,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Bootstrap {
    /// Starts the binary (listening on 127.0.0.1) and waits for its `listening on` line.
    pub(crate) fn spawn(configure: impl FnOnce(&mut Command)) -> Self {
        Self::spawn_exe(Path::new(BOOTSTRAP), configure)
    }

    pub(crate) fn spawn_exe(exe: &Path, configure: impl FnOnce(&mut Command)) -> Self {
        let mut command = Command::new(exe);
        command
            .env_clear()
            .env("BOOTSTRAP_LISTEN", "127.0.0.1")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        configure(&mut command);
        let mut child = command.spawn().expect("bootstrap starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let mut lines = BufReader::new(stderr).lines();
        let mut before = Vec::new();
        let addr = loop {
            let line = match lines.next() {
                Some(Ok(line)) => line,
                _ => panic!(
                    "bootstrap exited before listening: {:?} {before:?}",
                    child.wait()
                ),
            };
            if let Some((_, addr)) = line.split_once("listening on ") {
                break addr.trim().parse().expect("an address");
            }
            before.push(line);
        };
        // Keep draining stderr so the child never blocks on a full pipe.
        let stderr = Arc::new(Mutex::new(before));
        let collected = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                collected.lock().unwrap().push(line);
            }
        });
        Bootstrap {
            child,
            addr,
            stderr,
        }
    }

    /// `POST /invoke` over a raw connection; returns the status line and the body.
    pub(crate) fn invoke(&self, body: &str) -> (String, String) {
        http_post(self.addr, "/invoke", body)
    }

    /// The stderr lines written so far (but the `listening on` line).
    pub(crate) fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// Invokes with `event` until the body starts with `prefix` (bounded: 20 s).
    pub(crate) fn wait_for_answer(&self, event: &str, prefix: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.invoke(event).1.starts_with(prefix) {
            assert!(
                Instant::now() < deadline,
                "`{prefix}` never answered; stderr: {:?}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until a stderr line contains `needle` (bounded: 20 s) and returns it.
    pub(crate) fn wait_for_stderr(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(line) = self.stderr().into_iter().find(|line| line.contains(needle)) {
                return line;
            }
            assert!(
                Instant::now() < deadline,
                "no stderr line with `{needle}`: {:?}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Bootstrap {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 POST with `Connection: close`.
pub(crate) fn http_post(addr: SocketAddr, path: &str, body: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    // A call that never answers fails the test instead of hanging it.
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a read timeout");
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response.lines().next().unwrap_or_default().to_string();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Runs the binary to completion; returns (success, stderr).
pub(crate) fn run_to_exit(configure: impl FnOnce(&mut Command)) -> (bool, String) {
    let mut command = Command::new(BOOTSTRAP);
    command
        .env_clear()
        .env("BOOTSTRAP_LISTEN", "127.0.0.1")
        .env("FC_SERVER_PORT", "0");
    configure(&mut command);
    let output = command.output().expect("bootstrap runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

pub(crate) fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("bootstrap-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}
