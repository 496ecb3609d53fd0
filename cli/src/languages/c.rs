//! C projects: `zig cc` (pinned, from PyPI's `ziglang`, with its wasi-libc) compiles
//! the project's `.c` files for `wasm32-wasi` as a reactor, with the C SDK
//! (`fc_runtime.h`) and the bindings generated here; the module then becomes a
//! component of the `fc:runtime` `handler` world.
//!
//! zig rather than clang: it installs without root (Debian's clang and wasi-libc need
//! `apt-get`), as one pinned package, and carries wasi-libc for the target itself.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;

use super::{BuildArgs, assets, componentize, steps};

/// The zig release, as PyPI's `ziglang` packages it.
const ZIGLANG: &str = "ziglang==0.17.0";

/// The project's C sources: the `.c` files at the top of `dir`, by name.
pub(crate) fn sources(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read `{}`", dir.display()))?;
    let mut sources: Vec<PathBuf> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "c") && path.is_file())
        .collect();
    sources.sort();
    Ok(sources)
}

/// Builds the C project of `args` into `output`, this build's files in `scratch`.
pub(crate) fn build(args: &BuildArgs, scratch: &Path, output: &Path) -> anyhow::Result<()> {
    let project = std::fs::canonicalize(&args.dir)
        .with_context(|| format!("cannot resolve `{}`", args.dir.display()))?;
    let zig = toolchain(args)?;
    let (mut resolve, world) = componentize::contract(scratch, componentize::WORLD)?;
    let sdk = scratch.join("sdk");
    assets::write_all(&sdk, assets::C_SDK)?;
    let mut generator = wit_bindgen_c::Opts::default().build();
    componentize::write_bindings(generator.as_mut(), &mut resolve, world, &sdk)?;
    let module = scratch.join("module.wasm");
    steps::timed("compiling C with zig cc", || {
        steps::run(
            Command::new(&zig)
                .current_dir(&project)
                .args(["cc", "--target=wasm32-wasi", "-mexec-model=reactor", "-O2"])
                // Without the debug information: 35 KB rather than 1.1 MB.
                .arg("-s")
                .args(["-Wall", "-Wno-unused-function"])
                .arg("-I")
                .arg(&sdk)
                .arg("-I")
                .arg(&project)
                .arg(sdk.join(format!("{}.c", componentize::WORLD)))
                .arg(sdk.join("fc_runtime.c"))
                // The world's type, which the bindings link to.
                .arg(sdk.join(format!("{}_component_type.o", componentize::WORLD)))
                .args(sources(&project)?)
                .arg("-o")
                .arg(&module)
                // zig keeps its compile cache in the user's cache, not the project.
                .env_remove("ZIG_LOCAL_CACHE_DIR"),
        )
    })?;
    steps::timed("making the component", || {
        componentize::component(&resolve, world, &module, output)
    })
}

/// The `zig` of `ziglang`, installed into its own virtual environment the first time.
fn toolchain(args: &BuildArgs) -> anyhow::Result<PathBuf> {
    super::pip_toolchain(args, ZIGLANG, |venv| {
        super::site_package_file(venv, "ziglang/zig")
            .with_context(|| format!("{ZIGLANG} installed no `zig`"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sources_are_the_top_level_c_files_in_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.c", "a.c", "notes.txt", "header.h"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub.c")).unwrap();
        let names: Vec<_> = sources(dir.path())
            .unwrap()
            .iter()
            .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.c", "b.c"]);
    }
}
