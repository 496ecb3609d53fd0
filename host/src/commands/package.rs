//! `bootstrap package`: write `code.zip` for an FC custom runtime. At the zip's root:
//! the `bootstrap` executable (mode 0755, what the platform starts), `handler.wasm` and,
//! unless left out, `handler.cwasm` (its precompiled form, mapped at start). Started
//! from the unpacked folder with no flags, `bootstrap` finds the module beside itself.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use zip::write::SimpleFileOptions;

use crate::config::{DEFAULT_MAX_INSTANCES, MODULE_FILE_NAME};
use crate::engine::WasmEngine;

/// Arguments of `bootstrap package`.
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

    /// The `bootstrap` executable to package. It must run on FC's custom runtime
    /// (Linux x86_64, glibc of Debian 10 or later). [default: this executable]
    #[arg(long)]
    pub bootstrap: Option<PathBuf>,
}

/// Writes the zip.
pub(crate) fn run(args: &PackageArgs) -> anyhow::Result<()> {
    let bootstrap = match &args.bootstrap {
        Some(path) => path.clone(),
        None => std::env::current_exe().context("cannot find this executable")?,
    };
    let mut entries = vec![
        Entry::file("bootstrap", read(&bootstrap)?, 0o755),
        Entry::file(MODULE_FILE_NAME, read(&args.module)?, 0o644),
    ];
    if !args.no_precompile {
        entries.push(Entry::file(
            "handler.cwasm",
            precompile(&args.module)?,
            0o644,
        ));
    }
    write_zip(&args.output, &entries)?;
    eprintln!("wrote `{}`", args.output.display());
    Ok(())
}

/// One file of the zip.
struct Entry {
    name: &'static str,
    bytes: Vec<u8>,
    mode: u32,
}

impl Entry {
    fn file(name: &'static str, bytes: Vec<u8>, mode: u32) -> Self {
        Entry { name, bytes, mode }
    }
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))
}

/// The module's precompiled form, made in a scratch file.
fn precompile(module: &Path) -> anyhow::Result<Vec<u8>> {
    let engine = WasmEngine::new(DEFAULT_MAX_INSTANCES, false)?;
    let scratch =
        std::env::temp_dir().join(format!("bootstrap-package-{}.cwasm", std::process::id()));
    engine.precompile(module, &scratch)?;
    let bytes = read(&scratch);
    let _ = std::fs::remove_file(&scratch);
    bytes
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
        zip.start_file(entry.name, options)?;
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
