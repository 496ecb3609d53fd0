//! The servers under test, each a child process pinned to [`SERVER_CPU`]: started, read
//! for their `listening on` line (or, for a server that announces nothing, waited for
//! until its port accepts), measured (peak RSS, CPU time), killed on drop.

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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
    /// The port on 127.0.0.1 of a server that does not announce its address.
    pub(crate) port: Option<u16>,
}

impl Spec {
    /// A spec for `program args…`.
    pub(crate) fn new(name: &str, program: &Path, args: &[&str]) -> Self {
        Spec {
            name: name.to_string(),
            program: program.to_path_buf(),
            args: args.iter().map(|a| a.to_string()).collect(),
            env: Vec::new(),
            port: None,
        }
    }

    /// Says the server listens on 127.0.0.1:`port` without announcing it: it is
    /// started once that port accepts a connection.
    pub(crate) fn on_port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
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
        if let Some(port) = spec.port {
            std::thread::spawn(move || lines.for_each(drop));
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            let mut server = Server { child, addr };
            server.until_accepting(&spec.name)?;
            return Ok(server);
        }
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

    /// Waits (at most [`START_LIMIT`], polling each millisecond) until its address
    /// accepts a connection.
    fn until_accepting(&mut self, name: &str) -> anyhow::Result<()> {
        let started = Instant::now();
        while TcpStream::connect(self.addr).is_err() {
            if let Some(status) = self.child.try_wait()? {
                bail!("{name} exited before listening ({status})");
            }
            anyhow::ensure!(
                started.elapsed() < START_LIMIT,
                "{name} did not listen on {} within {START_LIMIT:?}",
                self.addr
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(())
    }

    /// The port it listens on.
    pub(crate) fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Peak resident memory so far, in MiB.
    pub(crate) fn peak_rss_mib(&self) -> anyhow::Result<f64> {
        peak_rss_mib(self.child.id())
    }

    /// CPU time it has used so far, all its threads, user and system.
    pub(crate) fn cpu_time(&self) -> anyhow::Result<Duration> {
        cpu_time(self.child.id())
    }
}

/// How long a server that announces nothing may take to listen.
const START_LIMIT: Duration = Duration::from_secs(60);

/// A port on 127.0.0.1 that is free now (the system's pick, released for a server
/// to bind).
pub(crate) fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
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

/// `utime` + `stime` of a process (fields 14 and 15 of `/proc/PID/stat`).
pub(crate) fn cpu_time(pid: u32) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name, field 2, is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .context("no command name")?
        .1
        .split_whitespace()
        .collect();
    let ticks = |field: usize| -> anyhow::Result<u64> {
        // `fields[0]` is field 3 (the state).
        Ok(fields
            .get(field - 3)
            .context("a short stat line")?
            .parse()?)
    };
    let total = ticks(14)? + ticks(15)?;
    Ok(Duration::from_secs_f64(
        total as f64 / clock_ticks_per_second(),
    ))
}

/// `sysconf(_SC_CLK_TCK)` as `getconf` reports it (100 on Linux unless told).
fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_process_has_cpu_time() {
        let started = Instant::now();
        let mut spin = 0u64;
        while started.elapsed() < Duration::from_millis(300) {
            spin = std::hint::black_box(spin.wrapping_add(1));
        }
        let used = cpu_time(std::process::id()).unwrap();
        assert!(used >= Duration::from_millis(100), "{used:?}");
        assert!(peak_rss_mib(std::process::id()).unwrap() > 0.0);
    }

    #[test]
    fn a_free_port_can_be_bound() {
        let port = free_port().unwrap();
        assert_ne!(port, 0);
        TcpListener::bind((Ipv4Addr::LOCALHOST, port)).unwrap();
    }
}
