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

/// `sdk/js/`: the SDK bundled into every JavaScript component.
pub(crate) const JAVASCRIPT_SDK: &[(&str, &str)] = &[
    ("buffer.js", include_str!("../../../../sdk/js/buffer.js")),
    ("console.js", include_str!("../../../../sdk/js/console.js")),
    ("context.js", include_str!("../../../../sdk/js/context.js")),
    ("errors.js", include_str!("../../../../sdk/js/errors.js")),
    ("exports.js", include_str!("../../../../sdk/js/exports.js")),
    ("globals.js", include_str!("../../../../sdk/js/globals.js")),
    ("http.js", include_str!("../../../../sdk/js/http.js")),
    ("pending.js", include_str!("../../../../sdk/js/pending.js")),
    ("process.js", include_str!("../../../../sdk/js/process.js")),
];

/// What a JavaScript build adds to `wit/`: its world and the WASI interface it imports.
pub(crate) const JAVASCRIPT_WIT: &[(&str, &str)] = &[
    (
        "javascript.wit",
        include_str!("../../../../sdk/js/wit/javascript.wit"),
    ),
    (
        "deps/cli/environment.wit",
        include_str!("../../../../sdk/js/wit/deps/cli/environment.wit"),
    ),
];

/// `sdk/go/`: the Go SDK (FC's Go framework, package `gr`), without the bindings
/// `bootstrap build` generates into it.
pub(crate) const GO_SDK: &[(&str, &str)] = &[
    ("go.mod", include_str!("../../../../sdk/go/go.mod")),
    ("context.go", include_str!("../../../../sdk/go/context.go")),
    ("errors.go", include_str!("../../../../sdk/go/errors.go")),
    ("http.go", include_str!("../../../../sdk/go/http.go")),
    ("logger.go", include_str!("../../../../sdk/go/logger.go")),
    ("start.go", include_str!("../../../../sdk/go/start.go")),
    (
        "internal/dispatch/dispatch.go",
        include_str!("../../../../sdk/go/internal/dispatch/dispatch.go"),
    ),
    (
        "internal/bindings/export_fc_runtime_event_handler/handle.go",
        include_str!(
            "../../../../sdk/go/internal/bindings/export_fc_runtime_event_handler/handle.go"
        ),
    ),
    (
        "internal/bindings/export_fc_runtime_http_handler/handle.go",
        include_str!(
            "../../../../sdk/go/internal/bindings/export_fc_runtime_http_handler/handle.go"
        ),
    ),
    (
        "internal/bindings/export_fc_runtime_lifecycle/lifecycle.go",
        include_str!(
            "../../../../sdk/go/internal/bindings/export_fc_runtime_lifecycle/lifecycle.go"
        ),
    ),
];

/// `sdk/go-pkg/`: the runtime support of wit-bindgen's Go bindings
/// (`go.bytecodealliance.org/pkg`).
pub(crate) const GO_PKG: &[(&str, &str)] = &[
    ("go.mod", include_str!("../../../../sdk/go-pkg/go.mod")),
    (
        "wit/async/async.go",
        include_str!("../../../../sdk/go-pkg/wit/async/async.go"),
    ),
    (
        "wit/async/empty.s",
        include_str!("../../../../sdk/go-pkg/wit/async/empty.s"),
    ),
    (
        "wit/runtime/empty.s",
        include_str!("../../../../sdk/go-pkg/wit/runtime/empty.s"),
    ),
    (
        "wit/runtime/runtime.go",
        include_str!("../../../../sdk/go-pkg/wit/runtime/runtime.go"),
    ),
    (
        "wit/types/future.go",
        include_str!("../../../../sdk/go-pkg/wit/types/future.go"),
    ),
    (
        "wit/types/option.go",
        include_str!("../../../../sdk/go-pkg/wit/types/option.go"),
    ),
    (
        "wit/types/result.go",
        include_str!("../../../../sdk/go-pkg/wit/types/result.go"),
    ),
    (
        "wit/types/stream.go",
        include_str!("../../../../sdk/go-pkg/wit/types/stream.go"),
    ),
    (
        "wit/types/tuple.go",
        include_str!("../../../../sdk/go-pkg/wit/types/tuple.go"),
    ),
    (
        "wit/types/unit.go",
        include_str!("../../../../sdk/go-pkg/wit/types/unit.go"),
    ),
];

/// `sdk/c/`: the C SDK's helpers, beside the bindings `bootstrap build` generates.
pub(crate) const C_SDK: &[(&str, &str)] = &[
    (
        "fc_runtime.h",
        include_str!("../../../../sdk/c/fc_runtime.h"),
    ),
    (
        "fc_runtime.c",
        include_str!("../../../../sdk/c/fc_runtime.c"),
    ),
];

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
