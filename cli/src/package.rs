//! `fcwasm package`: write `code.zip` for an FC custom runtime. At the zip's root:
//! the `bootstrap` executable (mode 0755, what the platform starts), `handler.wasm`,
//! with `--with-config` a `bootstrap.toml`, and unless left out `handler.cwasm` (the
//! module's precompiled form, mapped at start). Started from the unpacked folder with
//! no flags, `bootstrap` finds the module and the config file beside itself.
//! The executable must be a static Linux x86_64 build, which every FC custom runtime
//! can start (a dynamically linked one only with `--allow-dynamic`).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Args;
use zip::write::SimpleFileOptions;

use host::{CONFIG_FILE_NAME, CacheArgs, Compiler, MODULE_FILE_NAME};

use crate::linkage::{Linkage, linkage};

mod include;

/// Arguments of `fcwasm package`.
#[derive(Clone, Debug, Args)]
pub struct PackageArgs {
    /// The module to package.
    #[arg(long, env = "BOOTSTRAP_MODULE")]
    pub module: PathBuf,

    /// The zip to write.
    #[arg(short, long, default_value = "code.zip")]
    pub output: PathBuf,

    /// Leave the precompiled module out (each instance then compiles at start).
    #[arg(long)]
    pub no_precompile: bool,

    /// The `bootstrap` executable to package: a static Linux x86_64 build (this
    /// repository's default), which runs on every FC custom runtime.
    /// [default: the `bootstrap` installed beside `fcwasm`]
    #[arg(long)]
    pub bootstrap: Option<PathBuf>,

    /// A `bootstrap.toml` to ship beside `bootstrap` (checked as `bootstrap` would read
    /// it at start).
    #[arg(long, value_name = "FILE")]
    pub with_config: Option<PathBuf>,

    /// A file or folder the function reads at run time (templates, static files,
    /// data), relative to the module's folder, packed at the same place (the module's
    /// folder is `/code` at run time). Repeatable. Links are refused.
    #[arg(long = "include", value_name = "PATH")]
    pub include: Vec<PathBuf>,

    /// Package a dynamically linked `bootstrap` all the same (it runs only on a runtime
    /// with the glibc it was built against).
    #[arg(long)]
    pub allow_dynamic: bool,

    /// The compile cache: a module compiled before (by a start, a swap or `fcwasm
    /// build`) is packaged without compiling it again.
    #[command(flatten)]
    pub cache: CacheArgs,
}

/// Writes the zip.
pub(crate) fn run(args: &PackageArgs) -> anyhow::Result<()> {
    let bootstrap = match &args.bootstrap {
        Some(path) => path.clone(),
        None => runtime_beside_this_executable()?,
    };
    let executable = read(&bootstrap)?;
    check_runs_on_fc(&bootstrap, &executable, args.allow_dynamic)?;
    // A module the packaged runtime would refuse at every start is refused here.
    let compiler = Compiler::new(&args.cache)?;
    if args.no_precompile {
        compiler.check(&args.module)?;
    }
    let module_dir = args
        .module
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty());
    let included = include::included_files(module_dir.unwrap_or(Path::new(".")), &args.include)?;
    let mut entries = vec![
        Entry::file("bootstrap", executable, 0o755),
        Entry::file(MODULE_FILE_NAME, read(&args.module)?, 0o644),
    ];
    if let Some(config) = &args.with_config {
        host::check_config_file(config)?;
        entries.push(Entry::file(CONFIG_FILE_NAME, read(config)?, 0o644));
    }
    if !args.no_precompile {
        entries.push(Entry::file(
            "handler.cwasm",
            compiler.precompiled_bytes(&args.module)?,
            0o644,
        ));
    }
    let module_files = include::module_files(&host::module_files_path(&args.module))?;
    for (name, file) in module_files.into_iter().chain(included) {
        entries.push(Entry::file(name, read(&file)?, 0o644));
    }
    write_zip(&args.output, &entries)?;
    eprintln!("wrote `{}`", args.output.display());
    Ok(())
}

/// The runtime installed with this tool: `bootstrap` in this executable's folder.
fn runtime_beside_this_executable() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find this executable")?;
    let beside = exe.with_file_name("bootstrap");
    if !beside.is_file() {
        bail!(
            "no `bootstrap` beside `{}`: install both with `cargo install --locked --path cli`, \
             or name the runtime with --bootstrap",
            exe.display()
        );
    }
    Ok(beside)
}

/// Refuses an executable FC cannot start, and a dynamically linked one unless allowed.
fn check_runs_on_fc(path: &Path, bytes: &[u8], allow_dynamic: bool) -> anyhow::Result<()> {
    let shown = path.display();
    match linkage(bytes) {
        Err(why) => bail!(
            "cannot package `{shown}`: {why}; pass --bootstrap <a static Linux x86_64 build of bootstrap>"
        ),
        Ok(Linkage::Static) => Ok(()),
        Ok(Linkage::Dynamic(loader)) if allow_dynamic => {
            tracing::warn!(
                "packaging `{shown}`, dynamically linked ({loader}): it runs only where its glibc is"
            );
            Ok(())
        }
        Ok(Linkage::Dynamic(loader)) => bail!(
            "`{shown}` is dynamically linked ({loader}), so it runs only on an FC runtime with the glibc it was \
             built against: package a static build (`cargo build --release -p fcwasm --bin bootstrap`, x86_64-unknown-linux-musl) \
             with --bootstrap, or pass --allow-dynamic"
        ),
    }
}

/// One file of the zip.
struct Entry {
    name: String,
    bytes: Vec<u8>,
    mode: u32,
}

impl Entry {
    fn file(name: impl Into<String>, bytes: Vec<u8>, mode: u32) -> Self {
        Entry {
            name: name.into(),
            bytes,
            mode,
        }
    }
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))
}

/// A zip timestamp (UTC, 2-second resolution) for `at`; 1980 if it cannot be had.
fn zip_time(at: std::time::SystemTime) -> zip::DateTime {
    // "2026-11-24T14:46:34Z": the fields sit at fixed offsets.
    let text = humantime::format_rfc3339_seconds(at).to_string();
    let field = |range: std::ops::Range<usize>| text.get(range).and_then(|s| s.parse().ok());
    let fields = (
        field(0..4),
        field(5..7),
        field(8..10),
        field(11..13),
        field(14..16),
        field(17..19),
    );
    match fields {
        (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) => {
            zip::DateTime::from_date_and_time(
                year,
                month as u8,
                day as u8,
                hour as u8,
                minute as u8,
                second as u8,
            )
            .unwrap_or_default()
        }
        _ => zip::DateTime::default(),
    }
}

/// Writes the entries in order, all with the same modification time, so the
/// precompiled module is never older than the module once unpacked.
fn write_zip(output: &Path, entries: &[Entry]) -> anyhow::Result<()> {
    let file = std::fs::File::create(output)
        .with_context(|| format!("cannot create `{}`", output.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let stamp = zip_time(std::time::SystemTime::now());
    for entry in entries {
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(entry.mode)
            .last_modified_time(stamp);
        zip.start_file(entry.name.as_str(), options)?;
        zip.write_all(&entry.bytes)?;
    }
    zip.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn zip_time_is_the_utc_calendar_time() {
        let at = UNIX_EPOCH + Duration::from_secs(1_764_000_000); // 2025-11-24T16:00:00Z
        let time = zip_time(at);
        assert_eq!(
            (
                time.year(),
                time.month(),
                time.day(),
                time.hour(),
                time.minute(),
                time.second()
            ),
            (2025, 11, 24, 16, 0, 0)
        );
    }
}
