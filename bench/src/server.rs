//! The servers under test, each a child process pinned to [`SERVER_CPU`]: started, read
//! for their `listening on` line, measured (peak RSS), killed on drop.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context as _, bail};

/// CPU the server runs on.
pub(crate) const SERVER_CPU: &str = "0";

/// How to start one server.
#[derive(Clone, Debug)]
pub(crate) struct Spec {
    /// A label for tables.
    pub(crate) name: String,
    /// The executable.
    pub(crate) program: PathBuf,
    /// Its arguments.
    pub(crate) args: Vec<String>,
    /// Extra environment.
    pub(crate) env: Vec<(String, String)>,
}

impl Spec {
    /// A spec for `program args…`.
    pub(crate) fn new(name: &str, program: &Path, args: &[&str]) -> Self {
        Spec {
            name: name.to_string(),
            program: program.to_path_buf(),
            args: args.iter().map(|a| a.to_string()).collect(),
            env: Vec::new(),
        }
    }

    /// Adds an environment variable.
    pub(crate) fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_string(), value.to_string()));
        self
    }
}

/// A running server.
#[derive(Debug)]
pub(crate) struct Server {
    child: Child,
    /// Where it listens.
    pub(crate) addr: SocketAddr,
}

impl Server {
    /// Starts `spec` pinned to [`SERVER_CPU`] and waits for its address.
    pub(crate) fn start(spec: &Spec) -> anyhow::Result<Self> {
        let mut child = Command::new("taskset")
            .args(["-c", SERVER_CPU])
            .arg(&spec.program)
            .args(&spec.args)
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .env("RUST_LOG", "warn,host=info")
            // As on FC, which sets neither: every server runs without error backtraces
            // whatever the shell running the suite has.
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {}", spec.program.display()))?;
        let stderr = child.stderr.take().context("piped stderr")?;
        let mut lines = BufReader::new(stderr).lines();
        let addr = loop {
            let Some(Ok(line)) = lines.next() else {
                bail!("{} exited before listening", spec.name);
            };
            // bootstrap and the native baseline say `listening on <addr>`, wasmtime
            // serve `Serving HTTP on http://<addr>/`.
            let announced = line
                .split_once("listening on ")
                .or_else(|| line.split_once("Serving HTTP on "));
            if let Some((_, addr)) = announced {
                break addr
                    .trim()
                    .trim_start_matches("http://")
                    .trim_end_matches('/')
                    .parse()?;
            }
        };
        std::thread::spawn(move || lines.for_each(drop));
        Ok(Server { child, addr })
    }

    /// The port it listens on.
    pub(crate) fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Peak resident memory so far, in MiB.
    pub(crate) fn peak_rss_mib(&self) -> anyhow::Result<f64> {
        peak_rss_mib(self.child.id())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `VmHWM` of a process, in MiB.
pub(crate) fn peak_rss_mib(pid: u32) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM")?;
    Ok(kb / 1024.0)
}
