//! Core modules into components, for the languages whose compilers make WebAssembly
//! modules (Go, C): the module's bindings are generated from the embedded WIT with
//! wit-bindgen's generators (as libraries), and the module becomes a component with
//! wit-component, its WASI preview1 imports adapted by wasmtime's reactor adapter.

use std::path::Path;

use anyhow::Context as _;
use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::{PackageId, Resolve, WorldId};

use super::assets;

/// The world Go and C components are built for: every `fc:runtime` export (the SDKs
/// answer those the program does not use with a clear error).
pub(super) const WORLD: &str = "handler";

/// The `fc:runtime` package, parsed, and its world `world`.
pub(crate) fn contract(scratch: &Path, world: &str) -> anyhow::Result<(Resolve, WorldId)> {
    let wit = scratch.join("wit");
    assets::write_all(&wit, assets::WIT)?;
    let mut resolve = Resolve::default();
    let (package, _): (PackageId, _) = resolve
        .push_dir(&wit)
        .context("the fc:runtime WIT does not parse")?;
    let world = resolve.select_world(&[package], Some(world))?;
    Ok((resolve, world))
}

/// Writes the bindings `generator` makes for `world` under `dir`.
pub(crate) fn write_bindings(
    generator: &mut dyn wit_bindgen_core::WorldGenerator,
    resolve: &mut Resolve,
    world: WorldId,
    dir: &Path,
) -> anyhow::Result<()> {
    let mut files = wit_bindgen_core::Files::default();
    generator.generate(resolve, world, &mut files)?;
    for (name, bytes) in files.iter() {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create `{}`", parent.display()))?;
        }
        std::fs::write(&path, bytes)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    Ok(())
}

/// The component of the core module at `module`: `world`'s type embedded, WASI
/// preview1 adapted to preview2 (when the module imports it).
pub(crate) fn component(
    resolve: &Resolve,
    world: WorldId,
    module: &Path,
    output: &Path,
) -> anyhow::Result<()> {
    let mut bytes =
        std::fs::read(module).with_context(|| format!("cannot read `{}`", module.display()))?;
    wit_component::embed_component_metadata(&mut bytes, resolve, world, StringEncoding::UTF8)?;
    let component = ComponentEncoder::default()
        .validate(true)
        .module(&bytes)?
        .adapter(
            wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME,
            wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
        )?
        .encode()?;
    std::fs::write(output, component)
        .with_context(|| format!("cannot write `{}`", output.display()))
}
