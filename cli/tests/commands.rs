//! The developer loop, through the real executable: `compile` and precompiled start,
//! `invoke`, `package`, and reloading on SIGHUP.

mod support;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use support::{BOOTSTRAP, Bootstrap, FCWASM, run_to_exit, scratch_dir};
use test_guests as guests;

/// Runs `fcwasm <args>` to completion with `stdin`; returns (success, stdout, stderr).
fn fcwasm(args: &[&str], stdin: &[u8]) -> (bool, String, String) {
    let mut child = Command::new(FCWASM)
        .args(args)
        .env_remove("BOOTSTRAP_MODULE")
        // What a start compiles or maps is the subject here: no user cache.
        .env("BOOTSTRAP_CACHE_DIR", "none")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fcwasm runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let output = child.wait_with_output().unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (
        output.status.success(),
        text(&output.stdout),
        text(&output.stderr),
    )
}

/// A copy of `module` as `<dir>/handler.wasm`.
fn module_in(dir: &Path, module: &str) -> String {
    let path = dir.join("handler.wasm");
    std::fs::copy(module, &path).unwrap();
    path.display().to_string()
}

#[test]
fn a_precompiled_module_is_used_at_start() {
    let dir = scratch_dir("precompiled");
    let module = module_in(&dir, guests::ECHO);
    let (ok, _, stderr) = fcwasm(&["compile", &module], b"");
    assert!(ok, "{stderr}");
    assert!(dir.join("handler.cwasm").is_file());
    let host = Bootstrap::spawn(|c| {
        c.env("FC_SERVER_PORT", "0").args(["--module", &module]);
    });
    assert_eq!(host.invoke("fast start").1, "fast start");
    host.wait_for_stderr(&format!(
        "using precompiled `{}`",
        dir.join("handler.cwasm").display()
    ));
}

#[test]
fn start_up_says_whether_it_compiles_or_maps() {
    let dir = scratch_dir("says");
    let module = module_in(&dir, guests::ECHO);
    let (_, _, compiled) = fcwasm(&["invoke", "--module", &module], b"");
    assert!(compiled.contains("compiling `"), "{compiled}");
    fcwasm(&["compile", &module], b"");
    let (_, _, mapped) = fcwasm(&["invoke", "--module", &module], b"");
    assert!(mapped.contains("using precompiled `"), "{mapped}");
}

#[test]
fn a_module_compiled_once_is_mapped_from_the_cache_and_a_bad_entry_is_replaced() {
    let dir = scratch_dir("cache");
    let module = module_in(&dir, guests::ECHO);
    let cache = dir.join("compiled");
    let cache_dir = cache.display().to_string();
    let run = || {
        fcwasm(
            &[
                "invoke",
                "--module",
                &module,
                "--cache-dir",
                &cache_dir,
                "-e",
                "c",
            ],
            b"",
        )
    };
    let (ok, stdout, first) = run();
    assert!(ok && stdout == "c", "{first}");
    assert!(first.contains(&format!("into `{cache_dir}/")), "{first}");
    let entries: Vec<_> = std::fs::read_dir(&cache).unwrap().flatten().collect();
    assert_eq!(entries.len(), 1);
    let (ok, _, second) = run();
    assert!(ok && second.contains("compiled before"), "{second}");
    // A damaged entry (one flipped byte of its code) is never mapped: the module is
    // compiled again and stored anew.
    let mut bytes = std::fs::read(entries[0].path()).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(entries[0].path(), &bytes).unwrap();
    let (ok, stdout, third) = run();
    assert!(ok && stdout == "c", "{third}");
    assert!(third.contains("is damaged"), "{third}");
    assert!(third.contains("compiling `"), "{third}");
    let (_, _, fourth) = run();
    assert!(fourth.contains("compiled before"), "{fourth}");
}

#[test]
fn a_precompiled_file_of_another_module_is_not_used_whatever_its_time() {
    let dir = scratch_dir("stale");
    let module = module_in(&dir, guests::ECHO);
    fcwasm(&["compile", &module], b"");
    // Another module put in place with an older time than the precompiled file (as
    // `cp -p` or an unpacked zip would): the time says nothing, the trailer does.
    std::fs::copy(guests::FAIL, &module).unwrap();
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&module)
        .unwrap()
        .set_modified(past)
        .unwrap();
    let (ok, stdout, stderr) = fcwasm(&["invoke", "--module", &module, "-f", "-"], b"error");
    assert!(!ok, "the (fail) module must answer, not the echo: {stdout}");
    assert!(
        stderr.contains("was compiled from another module"),
        "{stderr}"
    );
    assert!(stderr.contains("compiling `"), "{stderr}");
}

#[test]
fn a_damaged_precompiled_file_is_refused_beside_the_module_and_named_directly() {
    let dir = scratch_dir("damaged");
    let module = module_in(&dir, guests::ECHO);
    fcwasm(&["compile", &module], b"");
    let precompiled = dir.join("handler.cwasm");
    let mut bytes = std::fs::read(&precompiled).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&precompiled, &bytes).unwrap();
    // Beside the module, it is refused with the reason and the module is compiled.
    let (ok, stdout, stderr) = fcwasm(
        &["invoke", "--module", &module, "--event-file", "-"],
        b"still works",
    );
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "still works");
    assert!(stderr.contains("is damaged"), "{stderr}");
    // Named directly, it stops start-up with that reason.
    let cwasm = precompiled.display().to_string();
    let (ok, stderr) = run_to_exit(|c| {
        c.args(["--module", &cwasm]);
    });
    assert!(!ok);
    assert!(stderr.contains("bootstrap: `"), "{stderr}");
    assert!(stderr.contains("is damaged"), "{stderr}");
}

/// `fcwasm invoke` of the echo at `module`: whether it answered, and its log.
fn invoke_echo(module: &str) -> (bool, String) {
    let (ok, stdout, stderr) = fcwasm(&["invoke", "--module", module, "-e", "e"], b"");
    (ok && stdout == "e", stderr)
}

#[test]
fn a_precompiled_file_another_user_could_have_written_is_not_used() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = scratch_dir("untrusted");
    let module = module_in(&dir, guests::ECHO);
    fcwasm(&["compile", &module], b"");
    let cwasm = dir.join("handler.cwasm");
    let mode = |path: &Path, mode| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    mode(&cwasm, 0o666);
    let (ok, stderr) = invoke_echo(&module);
    assert!(ok && stderr.contains("others may write"), "{stderr}");
    mode(&cwasm, 0o644);
    mode(&dir, 0o1777);
    let (ok, stderr) = invoke_echo(&module);
    assert!(ok && stderr.contains("others may write"), "{stderr}");
    assert!(stderr.contains("compiling `"), "{stderr}");
    mode(&dir, 0o755);
    let real = dir.join("real.cwasm");
    std::fs::rename(&cwasm, &real).unwrap();
    std::os::unix::fs::symlink(&real, &cwasm).unwrap();
    let (ok, stderr) = invoke_echo(&module);
    assert!(ok && stderr.contains("is a symbolic link"), "{stderr}");
    // Named directly, a file the rule refuses stops the start with the reason.
    mode(&real, 0o666);
    let named = real.display().to_string();
    let (ok, stderr) = run_to_exit(|c| {
        c.args(["--module", &named]);
    });
    assert!(!ok);
    assert!(stderr.contains("others may write"), "{stderr}");
}

#[test]
fn compile_replaces_a_link_at_its_output_and_never_writes_through_it() {
    let dir = scratch_dir("compile-link");
    let module = module_in(&dir, guests::ECHO);
    let victim = dir.join("victim");
    std::fs::write(&victim, "keep").unwrap();
    std::os::unix::fs::symlink(&victim, dir.join("handler.cwasm")).unwrap();
    let (ok, _, stderr) = fcwasm(&["compile", &module], b"");
    assert!(ok, "{stderr}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    let meta = std::fs::symlink_metadata(dir.join("handler.cwasm")).unwrap();
    assert!(meta.is_file(), "the link was replaced by the compiled file");
    assert!(invoke_echo(&module).1.contains("using precompiled"));
}

#[test]
fn invoke_prints_the_result_and_logs_to_stderr() {
    let (ok, stdout, stderr) = fcwasm(
        &["invoke", "--module", guests::ECHO, "-f", "-"],
        b"from stdin",
    );
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "from stdin");
    assert!(stderr.contains("FC Invoke Start RequestId: "), "{stderr}");
    let event = scratch_dir("event").join("event.json");
    std::fs::write(&event, br#"{"k": 1}"#).unwrap();
    let event = event.display().to_string();
    let (ok, stdout, _) = fcwasm(&["invoke", "--module", guests::ECHO, "-f", &event], b"");
    assert!(ok);
    assert_eq!(stdout, r#"{"k": 1}"#);
    let (ok, stdout, _) = fcwasm(
        &[
            "invoke",
            "--module",
            guests::ECHO,
            "-e",
            r#"{"inline": true}"#,
        ],
        b"",
    );
    assert!(ok);
    assert_eq!(stdout, r#"{"inline": true}"#);
    let (ok, _, stderr) = fcwasm(
        &["invoke", "--module", guests::ECHO, "-e", "x", "-f", &event],
        b"",
    );
    assert!(!ok, "one event source at most");
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}

#[test]
fn invoke_sends_example_events_of_fc_triggers() {
    for trigger in ["oss", "timer", "mns", "sls", "kafka", "http"] {
        let (ok, stdout, stderr) = fcwasm(
            &[
                "invoke",
                "--module",
                guests::ECHO,
                "--event-example",
                trigger,
            ],
            b"",
        );
        assert!(ok, "{trigger}: {stderr}");
        let event: serde_json::Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{trigger}: not JSON ({e}): {stdout}"));
        assert!(!event.is_null(), "{trigger}");
    }
}

#[test]
fn invoke_fills_a_realistic_context() {
    let (ok, stdout, stderr) = fcwasm(
        &[
            "invoke",
            "--module",
            guests::CONTEXT,
            "--request-id",
            "r-1",
            "--memory",
            "256",
        ],
        b"",
    );
    assert!(ok, "{stderr}");
    let ctx: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(ctx["requestId"], "r-1");
    assert_eq!(ctx["function"]["name"], "context");
    assert_eq!(ctx["function"]["memory"], 256);
    assert_eq!(ctx["function"]["timeout"], 60);
    assert_eq!(ctx["service"]["qualifier"], "LATEST");
    assert_eq!(ctx["region"], "cn-hangzhou");
}

#[test]
fn invoke_runs_the_initializer_first() {
    let (ok, stdout, stderr) = fcwasm(
        &[
            "invoke",
            "--module",
            guests::COUNTER,
            "--initializer",
            "off",
        ],
        b"",
    );
    assert!(ok, "{stderr}");
    assert_eq!(
        stdout, "1",
        "the SDK builds the state before the first call"
    );
    assert!(!stderr.contains("FC Initialize"), "{stderr}");
    let (ok, stdout, stderr) = fcwasm(&["invoke", "--module", guests::COUNTER], b"");
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "1");
    assert!(
        stderr.contains("FC Initialize Start RequestId: ") && stderr.contains("-initialize\n"),
        "the host ran the initializer by itself, as the platform would: {stderr}"
    );
    let (ok, stdout, stderr) = fcwasm(
        &["invoke", "--module", guests::COUNTER, "--initialize"],
        b"",
    );
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "1");
    assert!(
        stderr.contains("FC Initialize Start RequestId: "),
        "{stderr}"
    );
}

#[test]
fn invoke_exits_non_zero_on_a_handler_error() {
    let (ok, stdout, stderr) = fcwasm(&["invoke", "--module", guests::FAIL, "-f", "-"], b"error");
    assert!(!ok);
    assert!(stdout.contains("ValidationError"), "{stdout}");
    assert!(stderr.contains("the call failed"), "{stderr}");
}

#[test]
fn invoke_sends_http_requests() {
    let (ok, stdout, stderr) = fcwasm(
        &[
            "invoke",
            "--module",
            guests::HTTP_ECHO,
            "--http",
            "PUT /items?id=7",
            "-H",
            "x-k: v",
            "--body",
            "-",
        ],
        b"payload",
    );
    assert!(ok, "{stderr}");
    let seen: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(seen["method"], "PUT");
    assert_eq!(seen["path"], "/items");
    assert_eq!(seen["queries"]["id"], "7");
    assert_eq!(seen["headers"]["x-k"], "v");
    assert_eq!(seen["body"], "payload");
    assert!(stderr.contains("HTTP/1.1 200 OK"), "{stderr}");
}

#[test]
fn package_writes_what_fc_starts_and_it_serves_with_no_flags() {
    let dir = scratch_dir("package");
    let zip_path = dir.join("code.zip");
    let zip = zip_path.display().to_string();
    let (ok, _, stderr) = fcwasm(&["package", "--module", guests::ECHO, "-o", &zip], b"");
    assert!(ok, "{stderr}");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let names: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    assert_eq!(names, ["bootstrap", "handler.wasm", "handler.cwasm"]);
    assert_eq!(
        archive.by_name("bootstrap").unwrap().unix_mode().unwrap() & 0o777,
        0o755
    );
    let code = dir.join("code");
    archive.extract(&code).unwrap();
    assert_eq!(
        std::fs::read(code.join("handler.wasm")).unwrap(),
        std::fs::read(guests::ECHO).unwrap()
    );
    let host = Bootstrap::spawn_exe(&code.join("bootstrap"), |c| {
        c.env("FC_SERVER_PORT", "0")
            .env("FC_FUNC_CODE_PATH", &code)
            .current_dir(&code);
    });
    assert_eq!(host.invoke("from code.zip").1, "from code.zip");
    let _ = host.wait_for_stderr("using precompiled `");
}

#[test]
fn package_ships_a_checked_config_file_that_the_unpacked_bootstrap_reads() {
    let dir = scratch_dir("package-config");
    let zip_path = dir.join("code.zip");
    let zip = zip_path.display().to_string();
    let config = dir.join("settings.toml");
    std::fs::write(&config, "max-body-bytes = 10\n").unwrap();
    let config = config.display().to_string();
    let args = [
        "package",
        "--module",
        guests::ECHO,
        "--no-precompile",
        "-o",
        &zip,
        "--with-config",
        &config,
    ];
    let (ok, _, stderr) = fcwasm(&args, b"");
    assert!(ok, "{stderr}");
    let code = dir.join("code");
    zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap())
        .unwrap()
        .extract(&code)
        .unwrap();
    assert!(code.join("bootstrap.toml").is_file());
    let host = Bootstrap::spawn_exe(&code.join("bootstrap"), |c| {
        c.env("FC_SERVER_PORT", "0").current_dir(&code);
    });
    assert_eq!(host.invoke("0123456789").1, "0123456789");
    let (status, body) = host.invoke("0123456789+");
    assert!(status.contains("400"), "{status} {body}");

    for bad in ["max-body-bytes = \"many\"\n", "no-such-setting = 1\n"] {
        std::fs::write(&config, bad).unwrap();
        let (ok, _, stderr) = fcwasm(&args, b"");
        assert!(!ok, "{bad}");
        assert!(stderr.contains("settings.toml"), "{stderr}");
    }
}

#[test]
fn package_ships_only_a_static_bootstrap_unless_told_otherwise() {
    let dir = scratch_dir("package-dynamic");
    let zip = dir.join("code.zip").display().to_string();
    // Debian's /bin/sh is a dynamically linked x86_64 executable.
    let args = [
        "package",
        "--module",
        guests::ECHO,
        "--bootstrap",
        "/bin/sh",
        "-o",
        &zip,
    ];
    let (ok, _, stderr) = fcwasm(&args, b"");
    assert!(!ok);
    assert!(stderr.contains("is dynamically linked"), "{stderr}");
    assert!(stderr.contains("--allow-dynamic"), "{stderr}");
    assert!(!dir.join("code.zip").exists(), "nothing is written");

    let (ok, _, stderr) = fcwasm(
        &[&args[..], &["--allow-dynamic", "--no-precompile"]].concat(),
        b"",
    );
    assert!(ok, "{stderr}");
    let (ok, _, stderr) = fcwasm(
        &[
            "package",
            "--module",
            guests::ECHO,
            "--bootstrap",
            guests::ECHO,
            "-o",
            &zip,
        ],
        b"",
    );
    assert!(!ok);
    assert!(stderr.contains("not a Linux executable"), "{stderr}");
}

#[test]
fn sighup_reloads_the_module() {
    let dir = scratch_dir("sighup");
    let module = module_in(&dir, guests::VERSION_A);
    let host = Bootstrap::spawn(|c| {
        c.env("FC_SERVER_PORT", "0").args(["--module", &module]);
    });
    assert_eq!(host.invoke("x").1, "a:0");
    std::fs::copy(guests::VERSION_B, &module).unwrap();
    assert_eq!(
        host.invoke("x").1,
        "a:0",
        "without --watch nothing changes by itself"
    );
    let status = Command::new("kill")
        .args(["-HUP", &host.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    host.wait_for_answer("x", "b:");
}

#[test]
fn a_failed_reload_prints_one_line_and_keeps_serving() {
    let dir = scratch_dir("failed-reload");
    let module = module_in(&dir, guests::VERSION_A);
    let host = Bootstrap::spawn(|c| {
        c.env("FC_SERVER_PORT", "0")
            .args(["--watch", "--module", &module]);
    });
    std::fs::write(&module, b"garbage").unwrap();
    let line = host.wait_for_stderr("reload failed");
    assert!(
        line.contains("still serving the previous version"),
        "{line}"
    );
    assert!(line.contains("not a valid WebAssembly component"), "{line}");
    assert_eq!(host.invoke("x").1, "a:0");
    std::fs::copy(guests::VERSION_B, &module).unwrap();
    host.wait_for_answer("x", "b:");
}

#[test]
fn package_refuses_a_module_the_runtime_would_refuse_with_its_message() {
    let dir = scratch_dir("package-refused");
    let zip = dir.join("code.zip").display().to_string();
    let not_a_component = dir.join("handler.wasm");
    std::fs::write(&not_a_component, b"\0asm\x01\0\0\0").unwrap();
    let not_a_component = not_a_component.display().to_string();
    for (module, expected) in [
        (guests::OLD_CONTRACT, "was built against fc:runtime@0.1.0"),
        (
            not_a_component.as_str(),
            "is not a valid WebAssembly component",
        ),
    ] {
        for extra in [&[][..], &["--no-precompile"][..]] {
            let args = [&["package", "--module", module, "-o", &zip][..], extra].concat();
            let (ok, _, stderr) = fcwasm(&args, b"");
            assert!(!ok, "{module} {extra:?} was packaged");
            assert!(stderr.contains(expected), "{stderr}");
            assert!(!Path::new(&zip).exists(), "nothing is written");
        }
    }
}

#[test]
fn the_runtime_names_the_tool_for_the_commands_it_no_longer_has() {
    for command in ["build", "compile", "invoke", "new", "package"] {
        let output = Command::new(BOOTSTRAP).arg(command).output().unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("`bootstrap {command}` is `fcwasm {command}` now")),
            "{stderr}"
        );
    }
}

#[test]
fn package_includes_the_files_the_function_reads_and_refuses_links() {
    let dir = scratch_dir("package-include");
    let module = module_in(&dir, guests::ECHO);
    std::fs::create_dir_all(dir.join("views")).unwrap();
    std::fs::write(dir.join("views/index.html"), "<h1>hi</h1>").unwrap();
    let zip_path = dir.join("code.zip");
    let zip = zip_path.display().to_string();
    let args = [
        "package",
        "--module",
        &module,
        "--no-precompile",
        "-o",
        &zip,
        "--include",
        "views",
    ];
    let (ok, _, stderr) = fcwasm(&args, b"");
    assert!(ok, "{stderr}");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let mut page = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("views/index.html").unwrap(), &mut page)
        .unwrap();
    assert_eq!(page, "<h1>hi</h1>");

    std::os::unix::fs::symlink("/etc/passwd", dir.join("views/passwd")).unwrap();
    std::fs::remove_file(&zip_path).unwrap();
    let (ok, _, stderr) = fcwasm(&args, b"");
    assert!(!ok, "a link was packed");
    assert!(stderr.contains("is a symbolic link"), "{stderr}");
    assert!(!zip_path.exists());
}

#[test]
fn package_ships_the_folders_beside_the_module_and_refuses_links_in_them() {
    let dir = scratch_dir("package-module-files");
    let built = dir.join("out");
    std::fs::create_dir_all(built.join("fn.files/python/encodings")).unwrap();
    let module = built.join("fn.wasm");
    std::fs::copy(guests::ECHO, &module).unwrap();
    std::fs::write(built.join("fn.files/python/encodings/gbk.py"), "# gbk").unwrap();
    let zip_path = dir.join("code.zip");
    let (module, zip) = (module.display().to_string(), zip_path.display().to_string());
    let args = [
        "package",
        "--module",
        &module,
        "--no-precompile",
        "-o",
        &zip,
    ];
    let (ok, _, stderr) = fcwasm(&args, b"");
    assert!(ok, "{stderr}");
    let archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let mut names: Vec<String> = archive
        .file_names()
        .map(|name| name.unwrap().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "bootstrap",
            "handler.files/python/encodings/gbk.py",
            "handler.wasm"
        ]
    );

    std::os::unix::fs::symlink("/etc/passwd", built.join("fn.files/python/passwd")).unwrap();
    std::fs::remove_file(&zip_path).unwrap();
    let (ok, _, stderr) = fcwasm(&args, b"");
    assert!(!ok, "a link was packed");
    assert!(stderr.contains("is a symbolic link"), "{stderr}");
    // --include cannot write into the folders the package ships itself.
    std::fs::remove_file(built.join("fn.files/python/passwd")).unwrap();
    std::fs::create_dir_all(built.join("handler.files")).unwrap();
    std::fs::write(built.join("handler.files/x"), "").unwrap();
    let mut include = args.to_vec();
    include.extend(["--include", "handler.files"]);
    let (ok, _, stderr) = fcwasm(&include, b"");
    assert!(!ok);
    assert!(
        stderr.contains("which `fcwasm package` writes itself"),
        "{stderr}"
    );
}
