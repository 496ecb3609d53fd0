//! Python projects: componentize-py (pinned, in a virtual environment of its own)
//! bundles CPython, the `fc_runtime` SDK, the project and its `requirements.txt` into
//! one component of the `fc:runtime` `handler` world, whose snapshot holds what the
//! build imported; the standard library, the SDK, the requirements and the project
//! go beside it too (`handler.files/`, see [`files`]), for what a call imports.

mod files;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

use super::{BuildArgs, assets, steps};

/// The componentize-py release the SDK is written and tested against.
const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";
/// The same, as a folder name.
const COMPONENTIZE_PY_RELEASE: &str = "componentize-py-0.25.1";
/// The module componentize-py starts from: written by [`write_entry`].
const ENTRY_MODULE: &str = "fc_app";
/// Extensions of native (CPython for Linux) modules, which cannot run in the sandbox.
const NATIVE_SUFFIXES: &[&str] = &[".so", ".pyd", ".dylib"];

/// The file of the module named by `handler` (`index.handler` → `index.py`).
pub(crate) fn module_file(handler: &str) -> anyhow::Result<PathBuf> {
    let (module, function) = handler
        .rsplit_once('.')
        .filter(|(m, f)| !m.is_empty() && !f.is_empty())
        .with_context(|| format!("--handler `{handler}` is not `module.function`"))?;
    if !is_dotted_name(module) || !is_identifier(function) {
        bail!("--handler `{handler}` is not `module.function`");
    }
    Ok(PathBuf::from(format!("{}.py", module.replace('.', "/"))))
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

fn is_dotted_name(name: &str) -> bool {
    name.split('.').all(is_identifier)
}

/// Builds the Python project of `args` into `output`: what builds share (installed
/// requirements) goes in `work`, this build's own files in `scratch`.
pub(crate) fn build(
    args: &BuildArgs,
    work: &Path,
    scratch: &Path,
    output: &Path,
) -> anyhow::Result<()> {
    let initializer = args.hook(&args.initializer, "initialize");
    let pre_stop = args.hook(&args.pre_stop, "pre_stop");
    for name in [&initializer, &pre_stop] {
        module_file(name).with_context(|| format!("`{name}` is not `module.function`"))?;
    }
    let wit = scratch.join("wit");
    assets::write_all(&wit, assets::WIT)?;
    let sdk = scratch.join("sdk");
    assets::write_all(&sdk, assets::PYTHON_SDK)?;
    let entry = scratch.join("entry");
    write_entry(args, &initializer, &pre_stop, &entry)?;
    let componentize = toolchain(args)?;
    let stdlib = files::stdlib(args, &componentize, COMPONENTIZE_PY_RELEASE)?;
    let project = scratch.join("project");
    files::stage_project(&args.dir, &project)?;
    let mut paths = vec![entry, sdk];
    if let Some(deps) = requirements(args, work, &componentize)? {
        paths.push(deps);
    }
    paths.push(project);
    steps::timed("bundling Python with componentize-py", || {
        let (venv, site_packages) = files::empty_venv(scratch)?;
        let mut command = Command::new(&componentize);
        command.env("VIRTUAL_ENV", venv).arg("-d").arg(&wit).args([
            "-w",
            "handler",
            "componentize",
            ENTRY_MODULE,
        ]);
        for path in &paths {
            command.arg("-p").arg(path);
        }
        steps::run(command.arg("-o").arg(output))?;
        // componentize-py names the (empty) site-packages after the `-p` folders.
        paths.push(site_packages);
        Ok(())
    })?;
    files::assemble(&host::module_files_path(output), &stdlib, &paths)
}

/// The entry module: names the user's functions and imports what must be bundled.
fn write_entry(
    args: &BuildArgs,
    initializer: &str,
    pre_stop: &str,
    dir: &Path,
) -> anyhow::Result<()> {
    let mut text = String::from("# Written by `fcwasm build`: the component's entry.\n");
    for module in &args.imports {
        if !is_dotted_name(module) {
            bail!("--import `{module}` is not a module name");
        }
        text.push_str(&format!("import {module}  # --import\n"));
    }
    text.push_str(&format!(
        "import fc_runtime._exports as _exports\n\
         _exports.configure(handler={:?}, initializer={:?}, pre_stop={:?})\n\
         EventHandler = _exports.EventHandler\n\
         HttpHandler = _exports.HttpHandler\n\
         Lifecycle = _exports.Lifecycle\n",
        args.handler, initializer, pre_stop
    ));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let path = dir.join(format!("{ENTRY_MODULE}.py"));
    std::fs::write(&path, text).with_context(|| format!("cannot write `{}`", path.display()))
}

/// componentize-py, from PyPI the first time.
fn toolchain(args: &BuildArgs) -> anyhow::Result<PathBuf> {
    super::pip_toolchain(args, COMPONENTIZE_PY, |venv| {
        let program = venv.join("bin/componentize-py");
        if !program.is_file() {
            bail!("the installation made no `{}`", program.display());
        }
        Ok(program)
    })
}

/// The project's requirements, installed once per content of `requirements.txt`,
/// without native modules (which cannot run in the sandbox).
fn requirements(
    args: &BuildArgs,
    work: &Path,
    componentize: &Path,
) -> anyhow::Result<Option<PathBuf>> {
    let file = args.dir.join("requirements.txt");
    let Ok(text) = std::fs::read(&file) else {
        return Ok(None);
    };
    let deps = work.join(format!("requirements-{}", steps::short_digest(&text)));
    if deps.is_dir() {
        return Ok(Some(deps));
    }
    let python = componentize.with_file_name("python");
    steps::timed("installing requirements.txt", || {
        let partial = deps.with_extension(format!("partial-{}", std::process::id()));
        steps::clear(&partial)?;
        steps::run(
            Command::new(&python)
                .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
                .args(["--no-compile", "--target"])
                .arg(&partial)
                .arg("-r")
                .arg(&file),
        )?;
        for native in remove_native_modules(&partial)? {
            eprintln!(
                "fcwasm build: left out `{}`: native modules cannot run in the sandbox \
                 (the package's pure-Python fallback is used, if it has one)",
                native.strip_prefix(&partial).unwrap_or(&native).display()
            );
        }
        match std::fs::rename(&partial, &deps) {
            // Another build installed the same requirements meanwhile.
            Err(_) if deps.is_dir() => std::fs::remove_dir_all(&partial)
                .with_context(|| format!("cannot remove `{}`", partial.display())),
            moved => moved.with_context(|| format!("cannot create `{}`", deps.display())),
        }
    })?;
    remove_other_requirements(work, &deps);
    Ok(Some(deps))
}

/// Deletes the native modules under `dir`, and says which.
fn remove_native_modules(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("cannot read `{}`", dir.display()))?
        {
            let path = entry?.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if path.is_dir() {
                pending.push(path);
            } else if NATIVE_SUFFIXES.iter().any(|suffix| name.ends_with(suffix)) {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove `{}`", path.display()))?;
                removed.push(path);
            }
        }
    }
    removed.sort();
    Ok(removed)
}

/// Older installs of other `requirements.txt` contents are not needed any more.
fn remove_other_requirements(work: &Path, keep: &Path) {
    let Ok(entries) = std::fs::read_dir(work) else {
        return;
    };
    for path in entries.flatten().map(|entry| entry.path()) {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path != keep && name.starts_with("requirements-") && !name.contains(".partial") {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handler_names_its_module_file() {
        assert_eq!(module_file("index.handler").unwrap(), Path::new("index.py"));
        assert_eq!(
            module_file("app.main.handler").unwrap(),
            Path::new("app/main.py")
        );
        for bad in [
            "index",
            ".handler",
            "index.",
            "in-dex.handler",
            "a..b",
            "index.2x",
        ] {
            assert!(module_file(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn native_modules_are_removed_and_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pkg/sub")).unwrap();
        for file in [
            "pkg/__init__.py",
            "pkg/_speedups.cpython-311-x86_64-linux-gnu.so",
            "pkg/sub/x.pyd",
        ] {
            std::fs::write(dir.path().join(file), "").unwrap();
        }
        let removed = remove_native_modules(dir.path()).unwrap();
        assert_eq!(removed.len(), 2);
        assert!(dir.path().join("pkg/__init__.py").exists());
        assert!(!dir.path().join("pkg/sub/x.pyd").exists());
    }

    #[test]
    fn the_entry_imports_what_it_is_asked_to_and_names_the_functions() {
        use clap::Parser as _;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            build: BuildArgs,
        }
        let dir = tempfile::tempdir().unwrap();
        let args = Cli::parse_from(["b", "--import", "decimal", "--handler", "app.main"]).build;
        write_entry(&args, "app.initialize", "app.pre_stop", dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join("fc_app.py")).unwrap();
        assert!(text.contains("import decimal  # --import\n"), "{text}");
        assert!(text.contains(r#"handler="app.main""#), "{text}");
        let bad = Cli::parse_from(["b", "--import", "os; rm"]).build;
        assert!(write_entry(&bad, "index.initialize", "index.pre_stop", dir.path()).is_err());
    }
}
