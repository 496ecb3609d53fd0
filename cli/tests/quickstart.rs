//! Follows the README's "Writing a guest in five minutes" word for word: the marked
//! blocks are read from README.md, so the guide cannot go stale. It runs `fcwasm
//! new`, checks the generated handler is the one the README shows, builds it for
//! wasm32-wasip2, serves it with `--watch`, calls it, packages it, then edits and
//! rebuilds it and sees the new version answer. The `--http` template is built and
//! called too.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{BOOTSTRAP, Bootstrap, FCWASM};

const README: &str = include_str!("../../README.md");

/// The fenced block after `<!-- quickstart:<name> -->`.
fn block(name: &str) -> &'static str {
    let marker = format!("<!-- quickstart:{name} -->");
    let after = README
        .split_once(&marker)
        .unwrap_or_else(|| panic!("README has no {marker}"))
        .1;
    let fence = after.split_once("```").expect("a fenced block").1;
    let body = fence.split_once('\n').expect("a language line").1;
    body.split_once("```").expect("a closing fence").0
}

/// The shell line of block `name` that starts with `command`, comment and `&` removed.
fn line(name: &str, command: &str) -> Vec<String> {
    let line = block(name)
        .lines()
        .find(|line| line.starts_with(command))
        .unwrap_or_else(|| panic!("no `{command}` line in quickstart:{name}"));
    let line = line.split(" #").next().unwrap_or(line);
    let line = line.split(" && ").next().unwrap_or(line).trim();
    line.trim_end_matches('&')
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

fn run(mut command: Command) {
    let description = format!("{command:?}");
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("{description}: {e}"));
    assert!(status.success(), "{description} failed");
}

/// Runs README words (`bootstrap …`, `fcwasm …` or `cargo …`) in `dir`, building where the test
/// guests are built so the SDK's dependencies are compiled once.
fn run_words(words: &[String], dir: &Path) {
    let program = match words[0].as_str() {
        "bootstrap" => BOOTSTRAP.to_string(),
        "fcwasm" => FCWASM.to_string(),
        "cargo" => std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()),
        other => panic!("the quick start runs `{other}`"),
    };
    let mut command = Command::new(program);
    command
        .args(&words[1..])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", test_guests::WASM_TARGET_DIR);
    run(command);
}

/// Where a README path under `target/` is when building into the shared target.
fn built(path: &str) -> PathBuf {
    let relative = path.strip_prefix("target/").expect("a path under target/");
    Path::new(test_guests::WASM_TARGET_DIR).join(relative)
}

/// A scratch directory outside the repository (a cargo workspace of its own).
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn module_of(words: &[String]) -> PathBuf {
    built(
        words
            .iter()
            .find(|w| w.ends_with(".wasm"))
            .expect("a module"),
    )
}

#[test]
fn the_readme_quick_start_works() {
    let dir = scratch("quickstart");
    // `fcwasm new my-handler && cd my-handler`
    let new = line("setup", "fcwasm new");
    run_words(&new, &dir);
    let krate = dir.join(&new[2]);
    let source = std::fs::read_to_string(krate.join("src/lib.rs")).unwrap();
    assert_eq!(
        source,
        block("lib-rs"),
        "the README shows the generated handler"
    );

    let build = line("run", "cargo build");
    run_words(&build, &krate);
    // `bootstrap --watch --module target/wasm32-wasip2/release/my_handler.wasm &`
    let serve = line("run", "bootstrap --watch");
    let module = module_of(&serve);
    let host = Bootstrap::spawn(|c| {
        c.env("FC_SERVER_PORT", "0")
            .args(["--watch", "--module"])
            .arg(&module);
    });

    // `curl -XPOST localhost:9000/invoke -H 'x-fc-function-name: hi' -d world  # hello world from hi`
    let curl = block("run")
        .lines()
        .find(|l| l.starts_with("curl"))
        .unwrap();
    assert!(
        curl.contains("/invoke -H 'x-fc-function-name: hi' -d world"),
        "{curl}"
    );
    let expected = curl.split("# ").nth(1).unwrap().trim();
    let request = "POST /invoke HTTP/1.1\r\nhost: x\r\nx-fc-function-name: hi\r\nconnection: close\r\ncontent-length: 5\r\n\r\nworld";
    assert_eq!(raw(&host, request), expected);

    // `fcwasm package --module … -o code.zip`
    let mut package = line("run", "fcwasm package");
    for word in &mut package {
        if word.ends_with(".wasm") {
            *word = built(word).display().to_string();
        }
    }
    run_words(&package, &krate);
    let zip = std::fs::File::open(krate.join("code.zip")).expect("code.zip is written");
    let mut archive = zip::ZipArchive::new(zip).unwrap();
    let handler = archive
        .by_name("handler.wasm")
        .expect("the handler is packaged");
    assert_eq!(handler.size(), std::fs::metadata(&module).unwrap().len());

    // Change the greeting, rebuild: the running bootstrap swaps the new version in.
    std::fs::write(
        krate.join("src/lib.rs"),
        source.replace("\"hello ", "\"goodbye "),
    )
    .unwrap();
    run_words(&build, &krate);
    host.wait_for_answer("world", "goodbye world");
}

#[test]
fn fcwasm_new_http_makes_an_http_function() {
    let dir = scratch("quickstart-http");
    run_words(
        &["fcwasm", "new", "web-fn", "--http"].map(String::from),
        &dir,
    );
    let krate = dir.join("web-fn");
    run_words(&["cargo", "build", "--release"].map(String::from), &krate);
    let host = Bootstrap::spawn(|c| {
        c.env("FC_SERVER_PORT", "0")
            .arg("--module")
            .arg(built("target/wasm32-wasip2/release/web_fn.wasm"));
    });
    let get = "GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";
    assert_eq!(raw(&host, get), "hello from web-fn");
    let echo =
        "POST /echo HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 3\r\n\r\nabc";
    assert_eq!(raw(&host, echo), "abc");
}

#[test]
fn fcwasm_new_refuses_to_overwrite() {
    let dir = scratch("quickstart-twice");
    std::fs::create_dir(dir.join("taken")).unwrap();
    let output = Command::new(FCWASM)
        .args(["new", "taken"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("already exists"));
}

fn raw(host: &Bootstrap, request: &str) -> String {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(host.addr).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default()
}
