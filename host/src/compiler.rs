//! Compiling modules ahead of a start, for the developer tool: the same engine
//! configuration `bootstrap` serves with, so what `fcwasm build`, `compile` and
//! `package` compile is what the runtime maps.

use std::path::Path;

use crate::config::{CacheArgs, DEFAULT_MAX_INSTANCES};
use crate::engine::WasmEngine;

/// The runtime's compiler, with or without the compile cache.
#[derive(Clone, Debug)]
pub struct Compiler {
    engine: WasmEngine,
}

impl Compiler {
    /// A compiler keeping what it compiles in the cache `cache` names (the user's by
    /// default; `none` for no cache).
    pub fn new(cache: &CacheArgs) -> anyhow::Result<Self> {
        // The pool's size does not change the compiled code, only the engine's limits.
        let engine =
            WasmEngine::new(DEFAULT_MAX_INSTANCES, false)?.with_cache(cache.compile_cache(false));
        Ok(Compiler { engine })
    }

    /// A compiler with no cache.
    pub fn uncached() -> anyhow::Result<Self> {
        Ok(Compiler {
            engine: WasmEngine::new(DEFAULT_MAX_INSTANCES, false)?,
        })
    }

    /// Whether this compiler keeps what it compiles in a cache.
    pub fn has_cache(&self) -> bool {
        self.engine.has_cache()
    }

    /// Loads the module as `bootstrap` would at start (compiling it into the cache, or
    /// mapping what it holds) and links it: an error is the one `bootstrap` would
    /// stop with (not a component, another contract version, a missing import).
    pub fn check(&self, module: &Path) -> anyhow::Result<()> {
        self.engine.load(module).map(drop)
    }

    /// Writes the precompiled form of the component at `wasm` to `output`.
    pub fn precompile(&self, wasm: &Path, output: &Path) -> anyhow::Result<()> {
        self.engine.precompile(wasm, output)
    }

    /// The precompiled form of the component at `module`, from where `bootstrap`
    /// would take it (the cache), else compiled now; an error where [`Compiler::check`]
    /// would give one.
    pub fn precompiled_bytes(&self, module: &Path) -> anyhow::Result<Vec<u8>> {
        self.engine.precompiled_bytes(module)
    }
}
