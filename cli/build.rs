//! Embeds the SDKs and the contract that `fcwasm build` writes beside a project:
//! every file of each folder below (by extension), as `(relative path, text)`
//! constants in `$OUT_DIR/assets.rs`, so a file added to an SDK is embedded without
//! a list to keep. Cargo re-runs this when anything in those folders changes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Each constant: its name, its folder (from the repository's root), the extensions
/// it takes, and the sub-folders it leaves out.
const SETS: &[(&str, &str, &[&str], &[&str])] = &[
    ("WIT", "wit", &["wit"], &[]),
    ("PYTHON_SDK", "sdk/python", &["py"], &["__pycache__"]),
    (
        "JAVASCRIPT_SDK",
        "sdk/js",
        &["js", "mjs"],
        &["test", "toolchain", "wit", "node_modules"],
    ),
    ("JAVASCRIPT_WIT", "sdk/js/wit", &["wit"], &[]),
    ("GO_SDK", "sdk/go", &["go", "mod"], &[]),
    ("GO_PKG", "sdk/go-pkg", &["go", "mod", "s"], &[]),
    ("C_SDK", "sdk/c", &["c", "h"], &[]),
];

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = String::new();
    for (name, folder, extensions, skipped) in SETS {
        let base = root.join(folder);
        println!("cargo:rerun-if-changed={}", base.display());
        let mut files = Vec::new();
        collect(&base, &base, extensions, skipped, &mut files);
        files.sort();
        writeln!(out, "/// Every file of `{folder}/`, as (path in it, text).").unwrap();
        writeln!(out, "pub(crate) const {name}: &[(&str, &str)] = &[").unwrap();
        for relative in files {
            let absolute = base.join(&relative);
            writeln!(
                out,
                "    ({:?}, include_str!({:?})),",
                relative.replace('\\', "/"),
                absolute.display().to_string()
            )
            .unwrap();
        }
        writeln!(out, "];").unwrap();
    }
    let target = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("assets.rs");
    std::fs::write(target, out).unwrap();
}

fn collect(
    base: &Path,
    dir: &Path,
    extensions: &[&str],
    skipped: &[&str],
    files: &mut Vec<String>,
) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !skipped.contains(&name.as_str()) && !name.starts_with('.') {
                collect(base, &path, extensions, skipped, files);
            }
        } else if path
            .extension()
            .is_some_and(|ext| extensions.iter().any(|e| ext == *e))
        {
            files.push(path.strip_prefix(base).unwrap().display().to_string());
        }
    }
}
