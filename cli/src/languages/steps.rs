//! The steps of a build: each says what it does and how long it took, and a command
//! that fails shows its output.

use std::process::Command;
use std::time::Instant;

use anyhow::{Context as _, bail};

/// Removes the folder `dir` and everything in it, if it is there (a link there is
/// removed itself, never followed).
pub(crate) fn clear(dir: &std::path::Path) -> anyhow::Result<()> {
    super::tree::remove(dir)
}

/// Runs `step`, then prints its name and duration.
pub(crate) fn timed<T>(name: &str, step: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    eprintln!("fcwasm build: {name}…");
    let start = Instant::now();
    let value = step().with_context(|| format!("{name} failed"))?;
    eprintln!(
        "fcwasm build: {name}: done in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    Ok(value)
}

/// Runs `command` to completion: its error output is shown (warnings), and all of
/// its output if it fails.
pub(crate) fn run(command: &mut Command) -> anyhow::Result<()> {
    let program = command.get_program().to_string_lossy().into_owned();
    let name = program.rsplit('/').next().unwrap_or(&program).to_string();
    // componentize-py and wizer are Rust programs: their errors, not their backtraces.
    let output = command
        .env("RUST_BACKTRACE", "0")
        .output()
        .with_context(|| format!("cannot run `{program}`"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        eprint!("{stdout}{stderr}");
        bail!("`{name}` failed ({}): its output is above", output.status);
    }
    if !stderr.trim().is_empty() {
        eprint!("{stderr}");
    }
    Ok(())
}

/// Installs a toolchain into `dir` the first time it is asked for: `install` fills the
/// (cleared) folder; a stamp written last tells a finished installation from an
/// interrupted one, and a lock file lets one build install while the others wait.
pub(crate) fn install_once(
    dir: &std::path::Path,
    what: &str,
    install: impl FnOnce() -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let stamp = dir.join("installed-by-bootstrap");
    if stamp.is_file() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create `{}`", parent.display()))?;
    }
    let mut lock_name = dir.file_name().unwrap_or_default().to_os_string();
    lock_name.push(".lock");
    let lock_path = dir.with_file_name(lock_name);
    let lock = std::fs::File::create(&lock_path)
        .with_context(|| format!("cannot create `{}`", lock_path.display()))?;
    lock.lock()
        .with_context(|| format!("cannot lock `{}`", lock_path.display()))?;
    if stamp.is_file() {
        return Ok(());
    }
    timed(&format!("installing {what}"), || {
        clear(dir)?;
        install()?;
        std::fs::write(&stamp, what).with_context(|| format!("cannot write `{}`", stamp.display()))
    })
}

/// The first 8 bytes of the SHA-256 of `bytes`, in hex: names what a folder holds.
pub(crate) fn short_digest(bytes: &[u8]) -> String {
    use sha2::{Digest as _, Sha256};
    Sha256::digest(bytes)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
