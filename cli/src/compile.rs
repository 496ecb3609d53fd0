//! `fcwasm compile`: write wasmtime's precompiled form of a module, which
//! `bootstrap` maps at start instead of compiling.

use std::path::PathBuf;

use clap::Args;

use host::{Compiler, precompiled_path};

/// Arguments of `fcwasm compile`.
#[derive(Clone, Debug, Args)]
pub struct CompileArgs {
    /// The component to compile.
    pub module: PathBuf,

    /// Where to write the precompiled module. [default: the module's path with .cwasm]
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// Compiles `args.module` with the configuration `bootstrap` serves with.
pub(crate) fn run(args: &CompileArgs) -> anyhow::Result<()> {
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| precompiled_path(&args.module));
    Compiler::uncached()?.precompile(&args.module, &output)?;
    eprintln!("wrote `{}`", output.display());
    Ok(())
}
