//! What the suite measures, each side by side with the native baseline in the same run.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::client::{Connection, fc_request, invoke_request, invoke_with};
use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::Full;

use crate::server::{Server, Spec};
use crate::wrk::{self, Load, Measured};

/// The programs and guests the scenarios use.
#[derive(Clone, Debug)]
pub(crate) struct Setup {
    /// `target/release/bootstrap`.
    pub(crate) bootstrap: PathBuf,
    /// `target/release/native-echo`.
    pub(crate) native: PathBuf,
    /// `wasmtime` (CLI), if available.
    pub(crate) wasmtime: Option<PathBuf>,
    /// Scratch space.
    pub(crate) scratch: PathBuf,
    /// Warm-up before each measurement.
    pub(crate) warmup: Duration,
    /// Length of each measurement.
    pub(crate) duration: Duration,
}

const INVOKE: &[(&str, &str)] = &[
    ("x-fc-control-path", "/invoke"),
    ("content-type", "application/octet-stream"),
];

/// A throughput row: the load, and what each server did under it.
#[derive(Debug)]
pub(crate) struct Throughput {
    /// The row's label.
    pub(crate) name: &'static str,
    /// The native baseline.
    pub(crate) native: Measured,
    /// bootstrap.
    pub(crate) bootstrap: Measured,
}

impl Setup {
    /// `bootstrap` serving `module` (a copy, so no stale `.cwasm` is picked up).
    pub(crate) fn bootstrap(&self, module: &str, extra: &[&str]) -> anyhow::Result<Spec> {
        let mut args = vec!["--module", module];
        args.extend_from_slice(extra);
        Ok(Spec::new("bootstrap", &self.bootstrap, &args)
            .env("FC_SERVER_PORT", "0")
            .env("BOOTSTRAP_LISTEN", "127.0.0.1"))
    }

    /// The native baseline in `mode` (`echo`, `http-echo` or `hello`).
    pub(crate) fn native(&self, mode: &str) -> Spec {
        Spec::new("native", &self.native, &["--mode", mode])
    }

    /// Warms up, then measures `load` against a fresh server of `spec`.
    pub(crate) fn measure(&self, spec: &Spec, load: &Load) -> anyhow::Result<Measured> {
        let server = Server::start(spec)?;
        wrk::run(server.port(), load, self.warmup, &self.scratch)?;
        wrk::run(server.port(), load, self.duration, &self.scratch)
    }

    /// The throughput rows: `/invoke` echo at 64 B (concurrency 1 and 32) and 64 KiB,
    /// and an HTTP function at 64 B.
    pub(crate) fn throughput(&self) -> anyhow::Result<Vec<Throughput>> {
        let rows = [
            (
                "invoke echo 64 B, c1",
                "echo",
                guests_echo(),
                Load {
                    path: "/invoke",
                    body_bytes: 64,
                    headers: INVOKE,
                    connections: 1,
                },
            ),
            (
                "invoke echo 64 B, c32",
                "echo",
                guests_echo(),
                Load {
                    path: "/invoke",
                    body_bytes: 64,
                    headers: INVOKE,
                    connections: 32,
                },
            ),
            (
                "invoke echo 64 KiB, c32",
                "echo",
                guests_echo(),
                Load {
                    path: "/invoke",
                    body_bytes: 64 * 1024,
                    headers: INVOKE,
                    connections: 32,
                },
            ),
            (
                "HTTP function (http-hello POST) 64 B, c32",
                "hello",
                test_guests::HTTP_HELLO,
                Load {
                    path: "/any/path?x=1",
                    body_bytes: 64,
                    headers: &[],
                    connections: 32,
                },
            ),
            (
                "HTTP function (http-echo) 64 B, c32",
                "http-echo",
                test_guests::HTTP_ECHO,
                Load {
                    path: "/any/path?x=1",
                    body_bytes: 64,
                    headers: &[],
                    connections: 32,
                },
            ),
        ];
        rows.into_iter()
            .map(|(name, mode, module, load)| {
                eprintln!("measuring {name}…");
                Ok(Throughput {
                    name,
                    native: self.measure(&self.native(mode), &load)?,
                    bootstrap: self.measure(&self.bootstrap(module, &[])?, &load)?,
                })
            })
            .collect()
    }

    /// `wasmtime serve` (its defaults: a fresh instance per request) with a wasi:http
    /// echo, at 64 B and concurrency 32.
    pub(crate) fn wasmtime_serve(&self) -> anyhow::Result<Option<Measured>> {
        let Some(wasmtime) = &self.wasmtime else {
            return Ok(None);
        };
        eprintln!("measuring wasmtime serve…");
        let spec = Spec::new(
            "wasmtime serve",
            wasmtime,
            &[
                "serve",
                "-Scli",
                "--addr",
                "127.0.0.1:0",
                test_guests::WASI_HTTP,
            ],
        );
        let load = Load {
            path: "/echo",
            body_bytes: 64,
            headers: &[],
            connections: 32,
        };
        Ok(Some(self.measure(&spec, &load)?))
    }
}

fn guests_echo() -> &'static str {
    test_guests::ECHO
}

/// Sends one request on a fresh connection; returns the body.
pub(crate) async fn call(
    addr: std::net::SocketAddr,
    request: http::Request<Full<Bytes>>,
) -> anyhow::Result<String> {
    let response = Connection::open(addr).await?.send(request).await?;
    anyhow::ensure!(response.status() == 200, "status {}", response.status());
    Ok(String::from_utf8_lossy(response.body()).into_owned())
}

/// The median of some durations.
pub(crate) fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

/// From exec to the first successful `/invoke`, median of `runs`.
pub(crate) async fn cold_start(spec: &Spec, runs: usize) -> anyhow::Result<Duration> {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let server = Server::start(spec)?;
        call(server.addr, invoke_request("cold")).await?;
        samples.push(started.elapsed());
    }
    Ok(median(samples))
}

/// A scratch copy of `module` as `<dir>/handler.wasm`, with its `.cwasm` if asked.
pub(crate) fn module_copy(
    setup: &Setup,
    name: &str,
    module: &str,
    precompiled: bool,
) -> anyhow::Result<String> {
    let dir = setup.scratch.join(name);
    std::fs::create_dir_all(&dir)?;
    let copy = dir.join("handler.wasm");
    std::fs::copy(module, &copy).context("copy the module")?;
    let cwasm = copy.with_extension("cwasm");
    let _ = std::fs::remove_file(&cwasm);
    if precompiled {
        let status = std::process::Command::new(&setup.bootstrap)
            .arg("compile")
            .arg(&copy)
            .stderr(std::process::Stdio::null())
            .status()?;
        anyhow::ensure!(status.success(), "bootstrap compile failed");
    }
    Ok(copy.display().to_string())
}

/// Waits until `path`'s answers start with `prefix`; returns how long that took.
pub(crate) async fn until_answer(
    addr: std::net::SocketAddr,
    prefix: &str,
    limit: Duration,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let mut connection = Connection::open(addr).await?;
    loop {
        let response = connection.send(invoke_request("v")).await?;
        if response.body().starts_with(prefix.as_bytes()) {
            return Ok(started.elapsed());
        }
        anyhow::ensure!(started.elapsed() < limit, "`{prefix}` never answered");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Replaces `target` by `source` as cargo does: a new file renamed over it.
pub(crate) fn replace(source: &str, target: &Path) -> anyhow::Result<()> {
    let temporary = target.with_extension("new");
    std::fs::copy(source, &temporary)?;
    std::fs::rename(&temporary, target)?;
    Ok(())
}

/// Peak RSS, MiB.
#[derive(Debug)]
pub(crate) struct Memory {
    /// The native baseline after a concurrency-1 load.
    pub(crate) native: f64,
    /// bootstrap (echo, one instance, from the precompiled `.cwasm` as deployed) after
    /// the same load.
    pub(crate) bootstrap_one: f64,
    /// The same, compiling the `.wasm` at start (the compiler's peak included).
    pub(crate) bootstrap_one_compiling: f64,
    /// bootstrap with 32 live instances of a bigger guest, and with one.
    pub(crate) thirty_two: f64,
    /// The same guest with one instance.
    pub one_of_the_32_guest: f64,
}

impl Memory {
    /// MiB each extra instance costs.
    pub(crate) fn per_instance(&self) -> f64 {
        (self.thirty_two - self.one_of_the_32_guest) / 31.0
    }
}

impl Setup {
    /// Peak RSS of each server after a short concurrency-1 load, and of bootstrap
    /// holding 32 instances at once (32 overlapping calls that sleep).
    pub(crate) async fn memory(&self) -> anyhow::Result<Memory> {
        eprintln!("measuring memory…");
        let load = Load {
            path: "/invoke",
            body_bytes: 64,
            headers: INVOKE,
            connections: 1,
        };
        let short = Duration::from_secs(2);
        let native = Server::start(&self.native("echo"))?;
        wrk::run(native.port(), &load, short, &self.scratch)?;
        let cwasm = module_copy(self, "memory", test_guests::ECHO, true)?;
        let bootstrap = Server::start(&self.bootstrap(&cwasm, &[])?)?;
        wrk::run(bootstrap.port(), &load, short, &self.scratch)?;
        let compiling = Server::start(&self.bootstrap(test_guests::ECHO, &[])?)?;
        wrk::run(compiling.port(), &load, short, &self.scratch)?;
        let many = Server::start(&self.bootstrap(test_guests::MISBEHAVE, &[])?)?;
        call(many.addr, invoke_request("id")).await?;
        let one_of_the_32_guest = many.peak_rss_mib()?;
        let calls: Vec<_> = (0..32)
            .map(|_| tokio::spawn(call(many.addr, invoke_request("sleep:500"))))
            .collect();
        let mut ids = std::collections::HashSet::new();
        for call in calls {
            ids.insert(call.await??);
        }
        anyhow::ensure!(ids.len() == 32, "expected 32 instances, saw {}", ids.len());
        Ok(Memory {
            native: native.peak_rss_mib()?,
            bootstrap_one: bootstrap.peak_rss_mib()?,
            bootstrap_one_compiling: compiling.peak_rss_mib()?,
            thirty_two: many.peak_rss_mib()?,
            one_of_the_32_guest,
        })
    }

    /// Time to replace a trapped instance, initializer included: the first call after
    /// a trap (a new instance, the initializer replayed, then the call) less a call on
    /// a warm instance, medians of `rounds`.
    pub(crate) async fn replacement(&self, rounds: usize) -> anyhow::Result<Duration> {
        eprintln!("measuring instance replacement…");
        let server = Server::start(&self.bootstrap(test_guests::MISBEHAVE, &[])?)?;
        let mut connection = Connection::open(server.addr).await?;
        let initialize = fc_request("/initialize").body(Full::new(Bytes::new()))?;
        anyhow::ensure!(
            connection.send(initialize).await?.status() == 200,
            "initialize failed"
        );
        let (mut fresh, mut warm) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let trap = connection.send(invoke_request("unreachable")).await?;
            anyhow::ensure!(trap.status() == 404, "the trap did not trap");
            let started = Instant::now();
            connection.send(invoke_request("inits")).await?;
            fresh.push(started.elapsed());
            let started = Instant::now();
            connection.send(invoke_request("inits")).await?;
            warm.push(started.elapsed());
        }
        Ok(median(fresh).saturating_sub(median(warm)))
    }

    /// From writing a new module file to the new version answering, median of `swaps`.
    pub(crate) async fn hot_swap(&self, swaps: usize) -> anyhow::Result<Duration> {
        eprintln!("measuring hot swap…");
        let module = PathBuf::from(module_copy(self, "swap", test_guests::VERSION_A, false)?);
        let server = Server::start(&self.bootstrap(&module.display().to_string(), &["--watch"])?)?;
        let mut samples = Vec::with_capacity(swaps);
        for swap in 0..swaps {
            let (source, version) = if swap % 2 == 0 {
                (test_guests::VERSION_B, "b")
            } else {
                (test_guests::VERSION_A, "a")
            };
            // Let the watcher settle between swaps.
            tokio::time::sleep(Duration::from_millis(200)).await;
            let started = Instant::now();
            replace(source, &module)?;
            until_answer(server.addr, version, Duration::from_secs(20)).await?;
            samples.push(started.elapsed());
        }
        Ok(median(samples))
    }

    /// How late a busy loop is stopped after a 1 s function timeout, median of `runs`.
    pub(crate) async fn timeout_margin(&self, runs: usize) -> anyhow::Result<Duration> {
        eprintln!("measuring the timeout margin…");
        let server = Server::start(&self.bootstrap(test_guests::MISBEHAVE, &[])?)?;
        let mut samples = Vec::with_capacity(runs);
        for _ in 0..runs {
            let request = invoke_with("loop", &[("x-fc-function-timeout", "1")]);
            let started = Instant::now();
            let response = Connection::open(server.addr).await?.send(request).await?;
            anyhow::ensure!(response.status() == 404, "the loop was not stopped");
            samples.push(started.elapsed().saturating_sub(Duration::from_secs(1)));
        }
        Ok(median(samples))
    }
}
