//! Load with `wrk` (Debian's package): one pinned thread, a fixed number of keep-alive
//! connections (reopened when the server closes them), a Lua script for the method, body
//! and headers; its report parsed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context as _, bail};

/// CPU the load generator runs on (the server gets the other one).
pub(crate) const LOAD_CPU: &str = "1";

/// One kind of request to send.
#[derive(Clone, Debug)]
pub(crate) struct Load {
    /// Request method (`POST`, `GET`).
    pub(crate) method: &'static str,
    /// Request path (and query).
    pub(crate) path: &'static str,
    /// Body size in bytes (0: no body, and no `content-length`).
    pub(crate) body_bytes: usize,
    /// Extra headers.
    pub(crate) headers: &'static [(&'static str, &'static str)],
    /// Open connections (= requests in flight).
    pub(crate) connections: usize,
}

/// What one run measured.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Measured {
    /// Requests per second.
    pub(crate) rps: f64,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Failed requests (non-2xx answers and socket errors).
    pub(crate) errors: u64,
}

/// Installs `wrk` with apt-get when it is missing (the runner installs what it needs).
pub(crate) fn ensure_installed() -> anyhow::Result<()> {
    if Command::new("wrk").arg("--version").output().is_ok() {
        return Ok(());
    }
    eprintln!("installing wrk (apt-get)…");
    let update = Command::new("apt-get").arg("update").status();
    let install = Command::new("apt-get")
        .args(["install", "-y", "wrk"])
        .status();
    match (update, install) {
        (Ok(_), Ok(status)) if status.success() => Ok(()),
        _ => bail!("wrk is missing and `apt-get install -y wrk` failed: install wrk and rerun"),
    }
}

/// Runs `wrk` against `port` for `duration`, pinned to [`LOAD_CPU`].
pub(crate) fn run(
    port: u16,
    load: &Load,
    duration: Duration,
    scratch: &Path,
) -> anyhow::Result<Measured> {
    let script = write_script(load, scratch)?;
    let output = Command::new("taskset")
        .args(["-c", LOAD_CPU, "wrk", "-t1", "--latency"])
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", duration.as_secs().max(1)))
        .arg("-s")
        .arg(&script)
        .arg(format!("http://127.0.0.1:{port}{}", load.path))
        .output()
        .context("cannot run wrk")?;
    let report = String::from_utf8_lossy(&output.stdout);
    parse(&report).with_context(|| format!("unexpected wrk output:\n{report}"))
}

fn write_script(load: &Load, scratch: &Path) -> anyhow::Result<PathBuf> {
    let path = scratch.join(format!(
        "load-{}-{}-{}.lua",
        load.method, load.body_bytes, load.connections
    ));
    std::fs::write(&path, script(load))?;
    Ok(path)
}

/// The Lua script that sets `load`'s method, body and headers.
fn script(load: &Load) -> String {
    let mut script = format!("wrk.method = \"{}\"\n", load.method);
    if load.body_bytes > 0 {
        script.push_str(&format!(
            "wrk.body = string.rep(\"x\", {})\n",
            load.body_bytes
        ));
    }
    for (name, value) in load.headers {
        script.push_str(&format!("wrk.headers[\"{name}\"] = \"{value}\"\n"));
    }
    script
}

/// Reads requests/s, the 50% and 99% latencies and the error counts of a report.
pub(crate) fn parse(report: &str) -> anyhow::Result<Measured> {
    let mut measured = Measured::default();
    for line in report.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", rps] => measured.rps = rps.parse()?,
            ["50%", latency] => measured.p50 = duration(latency)?,
            ["99%", latency] => measured.p99 = duration(latency)?,
            ["Non-2xx", "or", "3xx", "responses:", count] => {
                measured.errors += count.parse::<u64>()?
            }
            ["Socket", "errors:", rest @ ..] => {
                measured.errors += rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum::<u64>();
            }
            _ => {}
        }
    }
    if measured.rps == 0.0 {
        bail!("no Requests/sec line");
    }
    Ok(measured)
}

/// `276.00us`, `1.20ms`, `2.00s`.
fn duration(text: &str) -> anyhow::Result<Duration> {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .context("a unit")?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse()?;
    let seconds = match unit {
        "us" => value / 1e6,
        "ms" => value / 1e3,
        "s" => value,
        other => bail!("unknown unit `{other}`"),
    };
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Running 8s test @ http://127.0.0.1:9000/invoke
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   289.64us   80.44us   3.02ms   89.94%
  Latency Distribution
     50%  276.00us
     75%  300.00us
     90%  350.00us
     99%    1.29ms
  882231 requests in 8.10s, 86.67MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 5
Requests/sec: 108923.14
Transfer/sec:     10.70MB
";

    #[test]
    fn parses_a_report() {
        let measured = parse(REPORT).unwrap();
        assert_eq!(measured.rps, 108923.14);
        assert_eq!(measured.p50, Duration::from_micros(276));
        assert_eq!(measured.p99, Duration::from_micros(1290));
        assert_eq!(measured.errors, 8);
    }

    #[test]
    fn a_load_without_a_body_sets_none() {
        let load = |method, body_bytes| Load {
            method,
            path: "/",
            body_bytes,
            headers: &[("x-fc-request-id", "r")],
            connections: 8,
        };
        let get = script(&load("GET", 0));
        assert!(get.starts_with("wrk.method = \"GET\"\n"), "{get}");
        assert!(!get.contains("wrk.body"), "{get}");
        assert!(
            get.contains("wrk.headers[\"x-fc-request-id\"] = \"r\""),
            "{get}"
        );
        let post = script(&load("POST", 64));
        assert!(post.contains("wrk.body = string.rep(\"x\", 64)"), "{post}");
    }
}
