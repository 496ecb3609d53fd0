//! Functions in other languages, built by `bootstrap build` as a user builds them
//! (it installs the language's toolchain itself), each language with a compile cache
//! of its own so that every test maps what one build compiled.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::InProcess;

pub(crate) const BOOTSTRAP: &str = env!("CARGO_BIN_EXE_bootstrap");

/// The compile cache of `language`'s tests.
pub(crate) fn cache_dir(language: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{language}-compiled"))
}

/// `bootstrap build DIR -o OUTPUT` with `args`, into `language`'s cache.
fn bootstrap_build(language: &str, dir: &Path, output: &Path, args: &[&str]) -> Output {
    Command::new(BOOTSTRAP)
        .arg("build")
        .arg(dir)
        .arg("-o")
        .arg(output)
        .arg("--cache-dir")
        .arg(cache_dir(language))
        .args(args)
        .output()
        .expect("bootstrap runs")
}

/// Builds `examples/<language>/<example>`; panics with the build's output if it fails.
pub(crate) fn build_example(language: &str, example: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root.join("examples").join(language).join(example);
    let output = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{language}-{example}.wasm"));
    let built = bootstrap_build(language, &dir, &output, &[]);
    assert!(
        built.status.success(),
        "bootstrap build {} failed:\n{}",
        dir.display(),
        String::from_utf8_lossy(&built.stderr)
    );
    output
}

/// Builds a project of one file, `file` holding `source`, with extra build arguments.
pub(crate) fn build_source(
    language: &str,
    name: &str,
    file: &str,
    source: &str,
    args: &[&str],
) -> (Output, PathBuf) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{language}-project-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(file), source).unwrap();
    let output = dir.join("handler.wasm");
    (bootstrap_build(language, &dir, &output, args), output)
}

/// Serves `module` in process, mapping what the build compiled.
pub(crate) fn start(language: &str, module: &Path) -> InProcess {
    InProcess::start_with(module.to_str().unwrap(), |args| {
        args.call.cache.cache_dir = Some(cache_dir(language));
    })
}

/// `bootstrap invoke --module MODULE` with `args` and extra environment variables.
pub(crate) fn invoke_command(
    language: &str,
    module: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    Command::new(BOOTSTRAP)
        .args(["invoke", "--module"])
        .arg(module)
        .arg("--cache-dir")
        .arg(cache_dir(language))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("bootstrap runs")
}
