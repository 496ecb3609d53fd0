//! The folders a Python component imports from at call time, written beside it as
//! `handler.files/`: the component names its standard library at `/python` and each
//! `-p` folder of its build at `/0`, `/1`, … in `sys.path`; the runtime mounts each
//! folder of `handler.files/` read-only at its name, so those paths hold at run time
//! what they held at build time, and a module first imported inside a call (a lazy
//! standard-library import, a codec, a package's error path) is found as CPython
//! finds it.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

use super::super::{steps, tools_dir, tree};

/// The app componentize-py runs to copy and compile its standard library.
const STDLIB_APP: &str = include_str!("stdlib_app.py");

/// The standard library of the componentize-py at `componentize`, with bytecode
/// beside each module: copied out of it the first time (the `python` folder of the
/// returned folder).
pub(super) fn stdlib(
    args: &crate::build::BuildArgs,
    componentize: &Path,
    release: &str,
) -> anyhow::Result<PathBuf> {
    let dir = tools_dir(args)?.join(format!("{release}-stdlib"));
    let what = format!("the standard library of {release}");
    steps::install_once(&dir, &what, || {
        let app = dir.join("app");
        let out = dir.join("out");
        for folder in [&app, &out] {
            std::fs::create_dir_all(folder)
                .with_context(|| format!("cannot create `{}`", folder.display()))?;
        }
        std::fs::write(app.join("stdlib_app.py"), STDLIB_APP)?;
        std::fs::write(
            dir.join("stdlib.wit"),
            "package fcwasm:stdlib;\nworld stdlib { export run: func(); }\n",
        )?;
        let (venv, _) = empty_venv(&dir)?;
        steps::run(
            Command::new(componentize)
                .env("VIRTUAL_ENV", &venv)
                .arg("-d")
                .arg(dir.join("stdlib.wit"))
                .args(["-w", "stdlib", "componentize", "stdlib_app"])
                .arg("-p")
                .arg(&app)
                .arg("-p")
                .arg(&out)
                .arg("-o")
                .arg(dir.join("stdlib.wasm")),
        )?;
        if !out.join("done.txt").is_file() || !out.join("python").is_dir() {
            bail!("componentize-py did not copy its standard library");
        }
        std::fs::rename(out.join("python"), dir.join("python"))?;
        for leftover in [app, out, venv, dir.join("stdlib.wasm")] {
            tree::remove(&leftover)?;
        }
        Ok(())
    })?;
    Ok(dir.join("python"))
}

/// A virtual environment with no packages, in `dir`, and its `site-packages`:
/// componentize-py adds the site-packages of `VIRTUAL_ENV` (else of the build
/// machine's Python) to every component, which must hold only what the project's
/// `requirements.txt` installs.
pub(super) fn empty_venv(dir: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    let venv = dir.join("no-packages");
    let site_packages = venv.join("lib/python3/site-packages");
    std::fs::create_dir_all(&site_packages)
        .with_context(|| format!("cannot create `{}`", site_packages.display()))?;
    Ok((venv, site_packages))
}

/// Copies the project in `project` to the new folder `to`, without what is not the
/// function's (hidden entries, bytecode, virtual environments, `node_modules`, and
/// what builds write: `*.wasm`, `*.cwasm`, `*.files`, `code.zip`) and without
/// links, which are named.
pub(super) fn stage_project(project: &Path, to: &Path) -> anyhow::Result<()> {
    let leave_out = |path: &Path, is_dir: bool| {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let built = if is_dir {
            name.ends_with(".files")
        } else {
            name.ends_with(".wasm") || name.ends_with(".cwasm") || name == "code.zip"
        };
        name.starts_with('.')
            || built
            || (is_dir
                && (name == "__pycache__"
                    || name == "node_modules"
                    || path.join("pyvenv.cfg").is_file()))
    };
    tree::copy(project, to, &leave_out, &mut |link| {
        eprintln!(
            "fcwasm build: left out `{}`: a link in the project is not followed",
            link.display()
        )
    })
}

/// Writes `files`: the standard library at `python`, and each of `paths` at its
/// index (`0`, `1`, …), as the component's `sys.path` names them. Bytecode the build
/// left is not copied: it was checked against the build's own files.
pub(super) fn assemble(files: &Path, stdlib: &Path, paths: &[PathBuf]) -> anyhow::Result<()> {
    std::fs::create_dir(files).with_context(|| format!("cannot create `{}`", files.display()))?;
    tree::copy(stdlib, &files.join("python"), &|_, _| false, &mut |_| {})?;
    let no_bytecode = |path: &Path, is_dir: bool| is_dir && path.ends_with("__pycache__");
    for (index, path) in paths.iter().enumerate() {
        let to = files.join(index.to_string());
        if path.is_dir() {
            tree::copy(path, &to, &no_bytecode, &mut |_| {})?;
        } else {
            std::fs::create_dir(&to)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_keeps_the_functions_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("project");
        for folder in ["templates", ".git", "__pycache__", "venv", "node_modules"] {
            std::fs::create_dir_all(project.join(folder)).unwrap();
        }
        std::fs::write(project.join("venv/pyvenv.cfg"), "").unwrap();
        std::fs::create_dir(project.join("handler.files")).unwrap();
        for file in [
            "index.py",
            "templates/a.html",
            ".env",
            "handler.wasm",
            "code.zip",
        ] {
            std::fs::write(project.join(file), "").unwrap();
        }
        let to = dir.path().join("staged");
        stage_project(&project, &to).unwrap();
        let mut names: Vec<_> = walk(&to);
        names.sort();
        assert_eq!(names, ["index.py", "templates", "templates/a.html"]);
    }

    fn walk(dir: &Path) -> Vec<String> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_dir() {
                names.extend(
                    walk(&entry.path())
                        .into_iter()
                        .map(|n| format!("{name}/{n}")),
                );
            }
            names.push(name);
        }
        names
    }
}
