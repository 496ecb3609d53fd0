//! What `fcwasm build` writes beside a project: the WIT contract and the language
//! SDKs, compiled into the executable (by `build.rs`) so that it builds on its own.

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// Writes `files` under `dir`, replacing what was there.
pub(crate) fn write_all(dir: &std::path::Path, files: &[(&str, &str)]) -> anyhow::Result<()> {
    super::steps::clear(dir)?;
    write_more(dir, files)
}

/// Writes `files` under `dir`, beside what is there.
pub(crate) fn write_more(dir: &std::path::Path, files: &[(&str, &str)]) -> anyhow::Result<()> {
    use anyhow::Context as _;
    for (name, text) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create `{}`", parent.display()))?;
        }
        std::fs::write(&path, text)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    Ok(())
}
