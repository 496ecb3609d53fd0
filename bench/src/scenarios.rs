//! What the suite measures, each side by side with the native baseline in the same run.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::client::{Connection, fc_request, invoke_request, invoke_with};
use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::Full;

use crate::platform;
use crate::server::{Server, Spec};
use crate::wrk::{self, Load, Measured};

/// The programs and guests the scenarios use.
#[derive(Clone, Debug)]
pub(crate) struct Setup {
    /// `bootstrap` as shipped: the static (musl) build.
    pub(crate) bootstrap: PathBuf,
    /// `fcwasm`, the developer tool (builds, compiles and invokes modules).
    pub(crate) fcwasm: PathBuf,
    /// `bootstrap` built for glibc, to compare the static build with.
    pub(crate) bootstrap_glibc: PathBuf,
    /// The native baseline (glibc, the system allocator).
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

/// What a throughput row compares `bootstrap` with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Baseline {
    /// The native hyper server doing the same work.
    Native,
    /// `wasmtime serve` reusing instances, on the same component.
    WasmtimeServeReusing,
    /// `wasmtime serve` with its defaults (a fresh instance per request).
    WasmtimeServe,
    /// The same `bootstrap` built for glibc.
    Glibc,
}

impl Baseline {
    /// Its name in the tables.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Baseline::Native => "native hyper",
            Baseline::WasmtimeServeReusing => "`wasmtime serve`, reusing instances",
            Baseline::WasmtimeServe => "`wasmtime serve` (defaults)",
            Baseline::Glibc => "bootstrap, glibc build",
        }
    }
}

/// A throughput row: the load, and what each server did under it.
#[derive(Debug)]
pub(crate) struct Throughput {
    /// The row's label.
    pub(crate) name: &'static str,
    /// What it is compared with.
    pub(crate) baseline: Baseline,
    /// The baseline's figures.
    pub(crate) base: Measured,
    /// bootstrap's (the static build).
    pub(crate) bootstrap: Measured,
}

/// One throughput row to measure.
struct Row {
    name: &'static str,
    baseline: Baseline,
    /// The native baseline's mode, for [`Baseline::Native`].
    mode: &'static str,
    module: &'static str,
    load: Load,
}

impl Row {
    fn new(name: &'static str, mode: &'static str, module: &'static str, load: Load) -> Self {
        Row {
            name,
            baseline: Baseline::Native,
            mode,
            module,
            load,
        }
    }

    fn against(mut self, baseline: Baseline) -> Self {
        self.baseline = baseline;
        self
    }
}

/// `POST path` with `headers`, 64-byte bodies, at `connections`.
fn load(
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
    connections: usize,
) -> Load {
    Load {
        method: "POST",
        path,
        body_bytes: 64,
        headers,
        connections,
    }
}

impl Setup {
    /// `bootstrap` serving `module` (a copy, so no stale `.cwasm` is picked up).
    pub(crate) fn bootstrap(&self, module: &str, extra: &[&str]) -> anyhow::Result<Spec> {
        Ok(self.bootstrap_of(&self.bootstrap, module, extra))
    }

    /// The executable `program` (a build of bootstrap) serving `module`.
    pub(crate) fn bootstrap_of(&self, program: &Path, module: &str, extra: &[&str]) -> Spec {
        let mut args = vec!["--module", module];
        args.extend_from_slice(extra);
        Spec::new("bootstrap", program, &args)
            .env("FC_SERVER_PORT", "0")
            .env("BOOTSTRAP_LISTEN", "127.0.0.1")
            // Each start compiles or maps what the scenario says, never the user's cache.
            .env("BOOTSTRAP_CACHE_DIR", "none")
    }

    /// The native baseline in `mode` (`echo`, `http-echo` or `hello`).
    pub(crate) fn native(&self, mode: &str) -> Spec {
        Spec::new("native", &self.native, &["--mode", mode])
    }

    /// `wasmtime serve` on `component`, reusing each instance for up to `reuse`
    /// requests (1: a fresh instance per request, its default for wasi:http 0.2).
    fn wasmtime_serve(&self, component: &str, reuse: usize) -> Option<Spec> {
        let wasmtime = self.wasmtime.as_ref()?;
        let reuse = format!("--max-instance-reuse-count={reuse}");
        let mut args = vec!["serve", "-Scli", "--addr", "127.0.0.1:0"];
        if reuse != "--max-instance-reuse-count=1" {
            args.push(&reuse);
        }
        args.push(component);
        Some(Spec::new("wasmtime serve", wasmtime, &args))
    }

    /// Warms up, then measures `load` against a fresh server of `spec`.
    pub(crate) fn measure(&self, spec: &Spec, load: &Load) -> anyhow::Result<Measured> {
        let server = Server::start(spec)?;
        wrk::run(server.port(), load, self.warmup, &self.scratch)?;
        wrk::run(server.port(), load, self.duration, &self.scratch)
    }

    /// Measures `load` against `base` and `ours` side by side: both servers run at
    /// once, each is warmed up, then [`ROUNDS`] rounds alternate between them. The
    /// round whose ratio is the median is kept, so one noisy stretch of the shared
    /// machine does not decide the row.
    pub(crate) fn compare(
        &self,
        base: &Spec,
        ours: &Spec,
        load: &Load,
    ) -> anyhow::Result<(Measured, Measured)> {
        self.compare_running(&[Server::start(base)?, Server::start(ours)?], load)
    }

    /// [`Setup::compare`] on two servers already running (`[base, ours]`), which keep
    /// running for more loads and their measures.
    pub(crate) fn compare_running(
        &self,
        servers: &[Server; 2],
        load: &Load,
    ) -> anyhow::Result<(Measured, Measured)> {
        for server in servers {
            wrk::run(server.port(), load, self.warmup, &self.scratch)?;
        }
        let mut rounds = Vec::with_capacity(ROUNDS);
        for _ in 0..ROUNDS {
            let [base, ours] = servers;
            rounds.push((
                wrk::run(base.port(), load, self.duration, &self.scratch)?,
                wrk::run(ours.port(), load, self.duration, &self.scratch)?,
            ));
        }
        Ok(median_round(rounds))
    }

    fn baseline_spec(&self, row: &Row) -> Option<Spec> {
        match row.baseline {
            Baseline::Native => Some(self.native(row.mode)),
            Baseline::WasmtimeServeReusing => self.wasmtime_serve(row.module, 1_000_000),
            Baseline::WasmtimeServe => self.wasmtime_serve(row.module, 1),
            Baseline::Glibc => Some(self.bootstrap_of(&self.bootstrap_glibc, row.module, &[])),
        }
    }

    /// The throughput rows, every request carrying the platform's headers unless the
    /// row says otherwise: `/invoke` echo at 64 B (concurrency 1 and 32, with and
    /// without the headers) and 64 KiB, HTTP functions, a wasi:http component beside
    /// `wasmtime serve`, and the static build beside the glibc one.
    pub(crate) fn throughput(&self) -> anyhow::Result<Vec<Throughput>> {
        let echo = test_guests::ECHO;
        let big = Load {
            body_bytes: 64 * 1024,
            ..load("/invoke", platform::INVOKE, 32)
        };
        let rows = [
            Row::new(
                "invoke echo 64 B, c1",
                "echo",
                echo,
                load("/invoke", platform::INVOKE, 1),
            ),
            Row::new(
                "invoke echo 64 B, c32",
                "echo",
                echo,
                load("/invoke", platform::INVOKE, 32),
            ),
            Row::new(
                "invoke echo 64 B, c32, no x-fc-* headers",
                "echo",
                echo,
                load("/invoke", platform::BARE_INVOKE, 32),
            ),
            Row::new("invoke echo 64 KiB, c32", "echo", echo, big.clone()),
            Row::new(
                "HTTP function (http-hello POST) 64 B, c32",
                "hello",
                test_guests::HTTP_HELLO,
                load("/any/path?x=1", platform::HTTP, 32),
            ),
            Row::new(
                "HTTP function (http-echo) 64 B, c32",
                "http-echo",
                test_guests::HTTP_ECHO,
                load("/any/path?x=1", platform::HTTP, 32),
            ),
            Row::new(
                "wasi:http component (echo) 64 B, c32",
                "",
                test_guests::WASI_HTTP,
                load("/echo", platform::HTTP, 32),
            )
            .against(Baseline::WasmtimeServeReusing),
            Row::new(
                "wasi:http component (echo) 64 B, c32",
                "",
                test_guests::WASI_HTTP,
                load("/echo", platform::HTTP, 32),
            )
            .against(Baseline::WasmtimeServe),
            Row::new(
                "static build: invoke echo 64 B, c32",
                "",
                echo,
                load("/invoke", platform::INVOKE, 32),
            )
            .against(Baseline::Glibc),
            Row::new("static build: invoke echo 64 KiB, c32", "", echo, big)
                .against(Baseline::Glibc),
        ];
        let mut measured = Vec::new();
        for row in rows {
            let Some(base) = self.baseline_spec(&row) else {
                eprintln!(
                    "skipping {} against {}: not available",
                    row.name,
                    row.baseline.label()
                );
                continue;
            };
            eprintln!("measuring {} against {}…", row.name, row.baseline.label());
            let ours = self.bootstrap(row.module, &[])?;
            let (base, bootstrap) = self.compare(&base, &ours, &row.load)?;
            measured.push(Throughput {
                name: row.name,
                baseline: row.baseline,
                base,
                bootstrap,
            });
        }
        Ok(measured)
    }
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

/// Alternating rounds of each side-by-side throughput row.
pub(crate) const ROUNDS: usize = 5;

/// The (baseline, ours) round whose throughput ratio is the median.
fn median_round(mut rounds: Vec<(Measured, Measured)>) -> (Measured, Measured) {
    let ratio = |(base, ours): &(Measured, Measured)| ours.rps / base.rps;
    rounds.sort_by(|a, b| ratio(a).total_cmp(&ratio(b)));
    rounds[rounds.len() / 2]
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
        samples.push(first_answer(spec, invoke_request("cold")).await?);
    }
    Ok(median(samples))
}

/// From exec of `spec` to a successful answer to `request` (on a fresh connection).
pub(crate) async fn first_answer(
    spec: &Spec,
    request: http::Request<Full<Bytes>>,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let server = Server::start(spec)?;
    call(server.addr, request).await?;
    Ok(started.elapsed())
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
        let status = std::process::Command::new(&setup.fcwasm)
            .arg("compile")
            .arg(&copy)
            .stderr(std::process::Stdio::null())
            .status()?;
        anyhow::ensure!(status.success(), "fcwasm compile failed");
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
    /// The glibc build, one instance from the `.cwasm`, after the same load.
    pub(crate) glibc_one: f64,
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
            method: "POST",
            path: "/invoke",
            body_bytes: 64,
            headers: platform::INVOKE,
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
        let glibc = Server::start(&self.bootstrap_of(&self.bootstrap_glibc, &cwasm, &[]))?;
        wrk::run(glibc.port(), &load, short, &self.scratch)?;
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
            glibc_one: glibc.peak_rss_mib()?,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn round(base: f64, ours: f64) -> (Measured, Measured) {
        let rps = |rps| Measured {
            rps,
            ..Measured::default()
        };
        (rps(base), rps(ours))
    }

    #[test]
    fn the_round_with_the_median_ratio_is_kept() {
        let rounds = vec![
            round(100.0, 90.0),
            round(50.0, 10.0),
            round(100.0, 80.0),
            round(120.0, 120.0),
            round(200.0, 140.0),
        ];
        let (base, ours) = median_round(rounds);
        assert_eq!((base.rps, ours.rps), (100.0, 80.0));
    }
}
