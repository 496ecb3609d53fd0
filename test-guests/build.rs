//! Builds the example guests and the test fixtures for `wasm32-wasip2` (release), in a
//! target directory under `OUT_DIR` so the nested cargo never waits on the outer build's
//! lock, and writes `pub const <NAME>: &str = "<path to .wasm>"` for each of them.

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (workspace manifest relative to the repository, crates whose components we need).
const GUESTS: &[(&str, &[&str])] = &[
    (
        "examples/Cargo.toml",
        &[
            "echo",
            "context",
            "counter",
            "fail",
            "http-hello",
            "http-echo",
            "wasi-http",
        ],
    ),
    (
        "test-guests/fixtures/Cargo.toml",
        &[
            "misbehave",
            "leaky-http",
            "old-contract",
            "version-a",
            "version-b",
            "version-c",
        ],
    ),
];

/// Crates built as binaries (wasi:http commands): their components keep the crate's
/// name, where a library's get underscores.
const BINARIES: &[&str] = &["wasi-http"];

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir
        .parent()
        .expect("test-guests/ sits in the repository");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let target_dir = out_dir.join("wasm");
    let mut consts = String::new();
    for (manifest, crates) in GUESTS {
        build(&root.join(manifest), &target_dir);
        for name in *crates {
            let file = if BINARIES.contains(name) {
                name.to_string()
            } else {
                name.replace('-', "_")
            };
            let wasm = target_dir
                .join("wasm32-wasip2/release")
                .join(format!("{file}.wasm"));
            assert!(
                wasm.is_file(),
                "building {manifest} did not produce {}",
                wasm.display()
            );
            let ident = name.to_uppercase().replace('-', "_");
            writeln!(consts, "/// `{name}`, built from `{manifest}`.").unwrap();
            writeln!(
                consts,
                "pub const {ident}: &str = {:?};",
                wasm.display().to_string()
            )
            .unwrap();
        }
    }
    writeln!(
        consts,
        "/// Where the guests are built (for tests that build more)."
    )
    .unwrap();
    writeln!(
        consts,
        "pub const WASM_TARGET_DIR: &str = {:?};",
        target_dir.display().to_string()
    )
    .unwrap();
    std::fs::write(out_dir.join("guests.rs"), consts).expect("OUT_DIR is writable");
    watch(root);
}

/// Reruns when the SDK, the contract or any guest's sources change (not on their
/// build output, which lives in their own `target/`).
fn watch(root: &Path) {
    let mut paths = vec![
        root.join("wit"),
        root.join("guest-sdk/src"),
        root.join("guest-sdk/Cargo.toml"),
    ];
    for (manifest, crates) in GUESTS {
        let workspace = root
            .join(manifest)
            .parent()
            .expect("a manifest has a folder")
            .to_path_buf();
        paths.push(root.join(manifest));
        paths.extend(crates.iter().map(|name| workspace.join(name)));
        paths.push(workspace.join("version"));
    }
    // A path that does not exist would make cargo rerun this script every time.
    for path in paths.iter().filter(|path| path.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

fn build(manifest: &Path, target_dir: &Path) {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--manifest-path",
        ])
        .arg(manifest)
        .env("CARGO_TARGET_DIR", target_dir)
        // The outer build's flags are for the host target, not for wasm.
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .expect("cannot run cargo");
    assert!(
        status.success(),
        "building the guests in {} failed; is the target installed? \
         run `rustup target add wasm32-wasip2`",
        manifest.display()
    );
}
