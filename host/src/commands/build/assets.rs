//! What `bootstrap build` writes beside a project: the WIT contract and the language
//! SDKs, compiled into the executable so that it builds on its own.

/// `wit/`: the `fc:runtime` package, file by file.
pub(crate) const WIT: &[(&str, &str)] = &[
    ("handlers.wit", include_str!("../../../../wit/handlers.wit")),
    ("types.wit", include_str!("../../../../wit/types.wit")),
    ("worlds.wit", include_str!("../../../../wit/worlds.wit")),
];

/// `sdk/python/`: the `fc_runtime` package bundled into every Python component.
pub(crate) const PYTHON_SDK: &[(&str, &str)] = &[
    (
        "fc_runtime/__init__.py",
        include_str!("../../../../sdk/python/fc_runtime/__init__.py"),
    ),
    (
        "fc_runtime/_context.py",
        include_str!("../../../../sdk/python/fc_runtime/_context.py"),
    ),
    (
        "fc_runtime/_errors.py",
        include_str!("../../../../sdk/python/fc_runtime/_errors.py"),
    ),
    (
        "fc_runtime/_exports.py",
        include_str!("../../../../sdk/python/fc_runtime/_exports.py"),
    ),
    (
        "fc_runtime/_logs.py",
        include_str!("../../../../sdk/python/fc_runtime/_logs.py"),
    ),
    (
        "fc_runtime/_wsgi.py",
        include_str!("../../../../sdk/python/fc_runtime/_wsgi.py"),
    ),
];

/// Writes `files` under `dir`, replacing what was there.
pub(crate) fn write_all(dir: &std::path::Path, files: &[(&str, &str)]) -> anyhow::Result<()> {
    use anyhow::Context as _;
    super::steps::clear(dir)?;
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
