//! A Python function beside the Rust echo: `examples/python/event` built by
//! `bootstrap build`, then its cold starts (compiling, from the compile cache, from the
//! packaged `.cwasm`), memory and `/invoke` throughput.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::platform;
use crate::scenarios::{Setup, cold_start, module_copy};
use crate::server::Server;
use crate::wrk::{self, Load, Measured};

/// What the Python example measured, with the Rust echo's figures of the same run.
#[derive(Debug)]
pub(crate) struct PythonFigures {
    /// `bootstrap build` with the toolchain installed and requirements cached.
    pub(crate) build: Duration,
    /// The component's size in MB.
    pub(crate) size_mb: f64,
    /// Cold start compiling the `.wasm` (median of 3).
    pub(crate) cold_compiling: Duration,
    /// Cold start mapping the module from the compile cache.
    pub(crate) cold_cached: Duration,
    /// Cold start mapping the `.cwasm` beside it, as `bootstrap package` ships it.
    pub(crate) cold_packaged: Duration,
    /// Peak RSS after a concurrency-1 load, MiB.
    pub(crate) rss_mib: f64,
    /// `/invoke` at concurrency 32 (64 B events, FC's headers).
    pub(crate) invoke_c32: Measured,
    /// The Rust echo under the same load, in this run.
    pub(crate) rust_invoke_c32: Measured,
}

impl Setup {
    /// Builds and measures the Python example.
    pub(crate) async fn python(&self, root: &Path) -> anyhow::Result<PythonFigures> {
        eprintln!("building and measuring the Python example…");
        let cache = self.scratch.join("python-compiled");
        let dir = self.scratch.join("python");
        std::fs::create_dir_all(&dir)?;
        let built = dir.join("handler.wasm");
        let started = Instant::now();
        let status = Command::new(&self.bootstrap)
            .arg("build")
            .arg(root.join("examples/python/event"))
            .arg("-o")
            .arg(&built)
            .arg("--cache-dir")
            .arg(&cache)
            .stderr(std::process::Stdio::null())
            .status()?;
        anyhow::ensure!(status.success(), "bootstrap build failed");
        let build = started.elapsed();
        let module = built.display().to_string();
        let cache = cache.display().to_string();
        let cached = |spec: crate::server::Spec| spec.env("BOOTSTRAP_CACHE_DIR", &cache);
        let packaged = module_copy(self, "python-packaged", &module, true)?;
        let load = Load {
            path: "/invoke",
            body_bytes: 64,
            headers: platform::INVOKE,
            connections: 32,
        };
        let python = cached(self.bootstrap(&module, &[])?);
        let rust = self.bootstrap(
            &module_copy(self, "python-rust", test_guests::ECHO, true)?,
            &[],
        )?;
        Ok(PythonFigures {
            build,
            size_mb: std::fs::metadata(&built).context("the component")?.len() as f64 / 1e6,
            cold_compiling: cold_start(&self.bootstrap(&module, &[])?, 3).await?,
            cold_cached: cold_start(&python, 10).await?,
            cold_packaged: cold_start(&self.bootstrap(&packaged, &[])?, 10).await?,
            rss_mib: self.rss_after_one_connection(&python)?,
            invoke_c32: self.measure(&python, &load)?,
            rust_invoke_c32: self.measure(&rust, &load)?,
        })
    }

    fn rss_after_one_connection(&self, spec: &crate::server::Spec) -> anyhow::Result<f64> {
        let server = Server::start(spec)?;
        let load = Load {
            path: "/invoke",
            body_bytes: 64,
            headers: platform::INVOKE,
            connections: 1,
        };
        wrk::run(server.port(), &load, Duration::from_secs(2), &self.scratch)?;
        server.peak_rss_mib()
    }
}
