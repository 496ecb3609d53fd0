//! Follows the README's "Writing a guest in five minutes" word for word: the marked
//! code blocks are read from README.md, so the guide cannot go stale. It makes a new
//! crate with `cargo new --lib`, builds it for wasm32-wasip2, serves it with `--watch`,
//! calls it, then edits and rebuilds it and sees the new version answer.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::Bootstrap;

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

/// The lines of a shell block that start with `command`, comments removed.
fn commands(name: &str, command: &str) -> Vec<String> {
    block(name)
        .lines()
        .filter(|line| line.starts_with(command))
        .map(|line| line.split(" #").next().unwrap_or(line).trim().to_string())
        .collect()
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn run(mut command: Command) {
    let description = format!("{command:?}");
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("{description}: {e}"));
    assert!(status.success(), "{description} failed");
}

/// Runs a README shell line (`cargo …`) in `dir`, building into `target`.
fn shell_line(line: &str, dir: &Path, target: &Path) {
    let mut words = line.split_whitespace();
    assert_eq!(words.next(), Some("cargo"), "{line}");
    let mut command = Command::new(cargo());
    command
        .args(words)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target);
    run(command);
}

#[test]
fn the_readme_quick_start_works() {
    // Outside the repository, as the README says: it is a cargo workspace of its own.
    let dir = std::env::temp_dir().join(format!("quickstart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // `cargo new --lib my-handler && cd my-handler`
    let setup = commands("setup", "cargo new");
    let new = setup[0].split(" && ").next().unwrap();
    shell_line(new, &dir, &dir.join("target"));
    let krate = dir.join("my-handler");

    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let manifest = std::fs::read_to_string(krate.join("Cargo.toml")).unwrap();
    let manifest = manifest.replace("[dependencies]\n", "");
    let snippet =
        block("cargo-toml").replace("/path/to/this/repository", &repo.display().to_string());
    std::fs::write(krate.join("Cargo.toml"), format!("{manifest}\n{snippet}")).unwrap();
    std::fs::write(krate.join("src/lib.rs"), block("lib-rs")).unwrap();

    // Build where the test guests are built, so the SDK is compiled once.
    let target = PathBuf::from(test_guests::WASM_TARGET_DIR);
    let build = &commands("run", "cargo build")[0];
    shell_line(build, &krate, &target);

    // `bootstrap --watch --module target/wasm32-wasip2/release/my_handler.wasm &`
    let serve = &commands("run", "bootstrap")[0];
    let module_arg = serve
        .split_whitespace()
        .find(|w| w.ends_with(".wasm"))
        .unwrap();
    let module = target.join(module_arg.strip_prefix("target/").unwrap());
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
    let expected = curl.split("# ").nth(1).unwrap().trim();
    let request = "POST /invoke HTTP/1.1\r\nhost: x\r\nx-fc-function-name: hi\r\nconnection: close\r\ncontent-length: 5\r\n\r\nworld";
    assert!(
        curl.contains("x-fc-function-name: hi") && curl.contains("-d world"),
        "{curl}"
    );
    assert_eq!(raw(&host, request), expected);

    // Change the greeting, rebuild: the running bootstrap swaps the new version in.
    let source = std::fs::read_to_string(krate.join("src/lib.rs")).unwrap();
    std::fs::write(
        krate.join("src/lib.rs"),
        source.replace("\"hello ", "\"goodbye "),
    )
    .unwrap();
    shell_line(build, &krate, &target);
    host.wait_for_answer("world", "goodbye world");
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
