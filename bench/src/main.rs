//! `cargo run --release -p bench`: the side-by-side benchmark suite. In one run, on this
//! machine, it starts each server pinned to CPU 0 with the load generator (`wrk`) on
//! CPU 1, warms it up and measures `bootstrap` against a native hyper server doing the
//! same work (and `wasmtime serve`, when built): throughput and latency, cold start,
//! memory, instance replacement, hot swap, and the Python and JavaScript examples. It prints one table and writes it into
//! BENCHMARKS.md with the command, versions and machine.
//!
//! `cargo run --release -p bench -- webapps` instead measures web apps (Express, Flask)
//! on their native runtime beside the same app through bootstrap, into a section of
//! its own ([`webapps`]).

mod client;
mod languages;
mod platform;
mod report;
mod scenarios;
mod server;
mod webapps;
mod webapps_report;
mod wrk;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::report::{ColdStarts, Results};
use crate::scenarios::{Setup, cold_start, module_copy};
use crate::webapps::first_line;

/// Side-by-side benchmarks of bootstrap against a native baseline.
#[derive(Debug, Parser)]
struct Args {
    /// What to run instead of the main suite.
    #[command(subcommand)]
    suite: Option<Suite>,
    /// Seconds of each round of a throughput measurement (five alternating rounds per
    /// side-by-side row).
    #[arg(long, default_value_t = 2, global = true)]
    duration: u64,
    /// Seconds of warm-up before each.
    #[arg(long, default_value_t = 2, global = true)]
    warmup: u64,
    /// The `wasmtime` CLI for the `wasmtime serve` baseline.
    /// [default: bench/.tools/bin/wasmtime, else on PATH]
    #[arg(long)]
    wasmtime: Option<PathBuf>,
    /// Where to write the results.
    #[arg(long, default_value = "BENCHMARKS.md", global = true)]
    output: PathBuf,
}

/// The suites besides the main one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
enum Suite {
    /// Web apps (the Express seed, the Flask example) on Node.js and CPython against
    /// the same app through bootstrap: cold start, `GET /` throughput and latency at c8
    /// and c32, peak RSS.
    Webapps,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("the repository")?;
    wrk::ensure_installed()?;
    let webapps = args.suite == Some(Suite::Webapps);
    build(root, !webapps)?;
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    pin_self_to(wrk::LOAD_CPU)?;
    let scratch = std::env::temp_dir().join(format!("bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let (wasmtime, wasmtime_missing) = find_wasmtime(root, args.wasmtime.clone());
    let target = root.join("target");
    // `webapps` builds and runs the static target only: the glibc paths are not run.
    let glibc = |name: &str| {
        let built = target.join(GLIBC).join("release").join(name);
        if webapps {
            Ok(built)
        } else {
            deployed_copy(&built, &scratch)
        }
    };
    let setup = Setup {
        bootstrap: deployed_copy(&target.join(STATIC).join("release/bootstrap"), &scratch)?,
        fcwasm: target.join(STATIC).join("release/fcwasm"),
        bootstrap_glibc: glibc("bootstrap")?,
        native: glibc("native-echo")?,
        wasmtime,
        scratch: scratch.clone(),
        warmup: Duration::from_secs(args.warmup),
        duration: Duration::from_secs(args.duration),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    if webapps {
        let figures = runtime.block_on(setup.webapps(root))?;
        let _ = std::fs::remove_dir_all(&scratch);
        let table = webapps_report::markdown(&figures, &webapps_header(&setup, cpus));
        println!("{table}");
        webapps_report::write_into(&root.join(&args.output), &table)?;
        eprintln!("wrote {}", args.output.display());
        return Ok(());
    }
    let results = runtime.block_on(run(&setup, root, wasmtime_missing))?;
    let _ = std::fs::remove_dir_all(&scratch);
    let table = results.markdown(&header(&setup, cpus));
    println!("{table}");
    report::write_into(&root.join(&args.output), &table)?;
    eprintln!("wrote {}", args.output.display());
    Ok(())
}

/// The target of the shipped, static `bootstrap` (the workspace's default).
const STATIC: &str = "x86_64-unknown-linux-musl";
/// The target of the glibc builds: the native baseline and bootstrap to compare with.
const GLIBC: &str = "x86_64-unknown-linux-gnu";

async fn run(
    setup: &Setup,
    root: &Path,
    wasmtime_missing: Option<String>,
) -> anyhow::Result<Results> {
    let throughput = setup.throughput()?;
    eprintln!("measuring cold starts…");
    let wasm = module_copy(setup, "cold-wasm", test_guests::ECHO, false)?;
    let cwasm = module_copy(setup, "cold-cwasm", test_guests::ECHO, true)?;
    let glibc = setup.bootstrap_of(&setup.bootstrap_glibc, &cwasm, &[]);
    let cold = ColdStarts {
        native: cold_start(&setup.native("echo"), 10).await?,
        wasm: cold_start(&setup.bootstrap(&wasm, &[])?, 10).await?,
        cwasm: cold_start(&setup.bootstrap(&cwasm, &[])?, 10).await?,
        glibc_cwasm: cold_start(&glibc, 10).await?,
    };
    Ok(Results {
        throughput,
        wasmtime_missing,
        cold,
        memory: setup.memory().await?,
        replacement: setup.replacement(200).await?,
        hot_swap: setup.hot_swap(10).await?,
        timeout_margin: setup.timeout_margin(5).await?,
        languages: setup.languages(root).await?,
        js_engines: setup.javascript_engines(root).await?,
    })
}

/// Builds what the suite runs, in release: the static `bootstrap` and `fcwasm` (the
/// build the tests run, so nothing is rebuilt after `cargo test --release`), and with
/// `glibc` the native baseline and the executables again for glibc.
fn build(root: &Path, glibc: bool) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let builds: [&[&str]; 2] = [
        &["build", "--release", "-p", "fcwasm"],
        &[
            "build",
            "--release",
            "-p",
            "fcwasm",
            "-p",
            "native-echo",
            "--target",
            GLIBC,
        ],
    ];
    for args in builds.into_iter().take(if glibc { 2 } else { 1 }) {
        let status = Command::new(&cargo).args(args).current_dir(root).status()?;
        anyhow::ensure!(status.success(), "`cargo {}` failed", args.join(" "));
    }
    Ok(())
}

/// A copy of the executable `built`, in a directory of its own under `scratch`, written
/// as an installer or unzip (FC unpacks code.zip) writes it. Run from the linker's own
/// output file, the same bytes peaked 2.2 MB higher in RSS (13.5 against 11.3 MB, one
/// bootstrap instance after a c1 load; `cat`, `dd` and `cp` copies all 11.3 MB): that
/// file's page cache maps in more of it per page fault (seen on ext4, Linux 6.18).
fn deployed_copy(built: &Path, scratch: &Path) -> anyhow::Result<PathBuf> {
    let name = built.file_name().context("an executable's name")?;
    let target = built
        .ancestors()
        .nth(2)
        .and_then(Path::file_name)
        .context("the executable's target directory")?;
    let dir = scratch.join("executables").join(target);
    std::fs::create_dir_all(&dir)?;
    let copy = dir.join(name);
    std::fs::copy(built, &copy).with_context(|| format!("cannot copy `{}`", built.display()))?;
    Ok(copy)
}

/// Keeps the runner's own requests off the server's CPU.
fn pin_self_to(cpu: &str) -> anyhow::Result<()> {
    let pid = std::process::id().to_string();
    let status = Command::new("taskset")
        .args(["-a", "-p", "-c", cpu, &pid])
        .stdout(std::process::Stdio::null())
        .status()?;
    anyhow::ensure!(status.success(), "taskset failed");
    Ok(())
}

/// The `wasmtime` CLI, or why there is none.
fn find_wasmtime(root: &Path, flag: Option<PathBuf>) -> (Option<PathBuf>, Option<String>) {
    let candidates = [
        flag,
        Some(root.join("bench/.tools/bin/wasmtime")),
        Some(PathBuf::from("wasmtime")),
    ];
    for candidate in candidates.into_iter().flatten() {
        let works = Command::new(&candidate)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if works {
            return (Some(candidate), None);
        }
    }
    let why = "no `wasmtime` CLI: build it with `cargo install wasmtime-cli@48.0.8 --locked \
               --root bench/.tools --no-default-features --features run,serve,cranelift,\
               component-model,component-model-async,pooling-allocator,parallel-compilation` \
               (about 15 minutes on 2 cores) and rerun";
    (None, Some(why.into()))
}

/// The command, versions and machine of a `webapps` run.
fn webapps_header(setup: &Setup, cpus: usize) -> String {
    format!(
        "Run on {} with `cargo run --release -p bench -- webapps --duration {} --warmup {}` \
         (both servers up, {} alternating rounds of {}s after {}s warm-up each per load, the \
         round with the median throughput ratio shown; cold starts alternate sides, bootstrap \
         mapping the `.cwasm` of `fcwasm compile`; servers on CPU 0, wrk on CPU 1).\n\n\
         - machine: {}, {cpus} CPUs, {}\n- bootstrap {} (static build) with wasmtime 48.0.8; {}",
        first_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        setup.duration.as_secs(),
        setup.warmup.as_secs(),
        scenarios::ROUNDS,
        setup.duration.as_secs(),
        setup.warmup.as_secs(),
        cpu_model(),
        first_line("uname", &["-sr"]),
        env!("CARGO_PKG_VERSION"),
        first_line("wrk", &["--version"]),
    )
}

/// The CPU's model name.
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default()
}

/// The command, versions and machine of this run.
fn header(setup: &Setup, cpus: usize) -> String {
    let cpu = cpu_model();
    let wasmtime = setup
        .wasmtime
        .as_ref()
        .map(|w| first_line(&w.display().to_string(), &["--version"]))
        .unwrap_or_else(|| "not built".into());
    format!(
        "Run on {} with `cargo run --release -p bench` (side-by-side rows: both servers up, {} \
         alternating rounds of {}s after {}s warm-up each, the round with the median ratio shown; \
         servers on CPU 0, wrk on CPU 1).\n\n- machine: {cpu}, {} CPUs, {}\n- {}; bootstrap {} with wasmtime 48.0.8; {}; wasmtime CLI: {wasmtime}",
        first_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        scenarios::ROUNDS,
        setup.duration.as_secs(),
        setup.warmup.as_secs(),
        cpus,
        first_line("uname", &["-sr"]),
        first_line("rustc", &["--version"]),
        env!("CARGO_PKG_VERSION"),
        first_line("wrk", &["--version"]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn an_executable_is_run_from_a_copy_named_by_its_target() {
        let scratch = tempfile::tempdir().unwrap();
        let scratch = scratch.path();
        let built = scratch.join("target/x86_64-unknown-linux-gnu/release/native-echo");
        std::fs::create_dir_all(built.parent().unwrap()).unwrap();
        std::fs::write(&built, b"\x7fELF...").unwrap();
        std::fs::set_permissions(&built, std::fs::Permissions::from_mode(0o755)).unwrap();
        let copy = deployed_copy(&built, scratch).unwrap();
        assert_eq!(
            copy,
            scratch.join("executables/x86_64-unknown-linux-gnu/native-echo")
        );
        assert_eq!(std::fs::read(&copy).unwrap(), b"\x7fELF...");
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "{mode:o}");
    }
}
