//! The deploy files are what the platforms accept: `deploy/s.yaml` against the
//! Serverless Devs `fc3` component's schema, `deploy/knative.yaml` against Knative
//! Serving's `Service` schema (both committed in `deploy/schemas/`, with their source),
//! plus the rules those schemas leave to the platform.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

fn deploy(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../deploy")
        .join(file)
}

fn yaml(file: &str) -> Value {
    let text = std::fs::read_to_string(deploy(file)).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Validates `instance` against the schema in `deploy/schemas/<schema>`; the errors.
fn schema_errors(schema: &str, instance: &Value) -> Vec<String> {
    let path = deploy(&format!("schemas/{schema}"));
    let text = std::fs::read_to_string(&path).unwrap();
    let document: Value = serde_json::from_str(&text).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource("urn:schema", document)
        .expect("a schema document");
    let index = compiler
        .compile("urn:schema", &mut schemas)
        .unwrap_or_else(|e| panic!("{schema} does not compile: {e}"));
    match schemas.validate(instance, index) {
        Ok(()) => Vec::new(),
        Err(error) => vec![format!("{error:#}")],
    }
}

/// The resources of an s.yaml served by the `fc3` component.
fn fc3_props(syaml: &Value) -> Vec<(String, Value)> {
    syaml["resources"]
        .as_object()
        .expect("resources")
        .iter()
        .filter(|(_, resource)| resource["component"] == "fc3")
        .map(|(name, resource)| (name.clone(), resource["props"].clone()))
        .collect()
}

/// What FC itself refuses or what bootstrap needs that the schema does not say.
fn fc_rule_errors(props: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    if let Some(env) = props["environmentVariables"].as_object() {
        for name in env.keys().filter(|name| name.starts_with("FC_")) {
            errors.push(format!(
                "FC reserves the FC_ prefix: `{name}` cannot be set"
            ));
        }
    }
    let runtime = props["runtime"].as_str().unwrap_or_default();
    if runtime.starts_with("custom.") {
        let command = &props["customRuntimeConfig"]["command"];
        if command[0] != "/code/bootstrap" {
            errors.push(format!(
                "the startup command is not /code/bootstrap: {command}"
            ));
        }
        let args = props["customRuntimeConfig"]["args"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let instances = args
            .iter()
            .position(|arg| arg == "--max-instances")
            .and_then(|at| args.get(at + 1))
            .and_then(Value::as_str)
            .and_then(|n| n.parse::<u64>().ok());
        if instances != props["instanceConcurrency"].as_u64() {
            errors.push("--max-instances differs from instanceConcurrency".into());
        }
    }
    if props["instanceLifecycleConfig"].get("preFreeze").is_some() {
        errors.push("FC 3.0 has no PreFreeze hook".into());
    }
    errors
}

#[test]
fn every_function_of_s_yaml_fits_the_fc3_schema_and_fcs_rules() {
    let syaml = yaml("s.yaml");
    assert_eq!(syaml["edition"], "3.0.0");
    let functions = fc3_props(&syaml);
    assert_eq!(functions.len(), 2);
    for (name, props) in functions {
        let errors = [
            schema_errors("fc3-props.schema.json", &props),
            fc_rule_errors(&props),
        ]
        .concat();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

#[test]
fn the_checks_catch_what_fc_would_refuse() {
    let syaml = yaml("s.yaml");
    let (_, mut props) = fc3_props(&syaml).remove(0);
    props["runtime"] = "custom.debian13".into();
    assert!(!schema_errors("fc3-props.schema.json", &props).is_empty());
    let (_, mut props) = fc3_props(&syaml).remove(0);
    props["environmentVariables"] = serde_json::json!({"FC_WASM_MAX_INSTANCES": "1"});
    props["instanceConcurrency"] = 4.into();
    props["instanceLifecycleConfig"]["preFreeze"] = serde_json::json!({"handler": "x"});
    assert_eq!(
        fc_rule_errors(&props).len(),
        3,
        "{:?}",
        fc_rule_errors(&props)
    );
}

/// Knative's admission webhook: reserved container ports and environment variables.
fn knative_rule_errors(service: &Value) -> Vec<String> {
    const RESERVED_PORTS: [u64; 6] = [8012, 8013, 8022, 9090, 9091, 8008];
    const RESERVED_ENV: [&str; 4] = ["PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION"];
    let spec = &service["spec"]["template"]["spec"];
    let mut errors = Vec::new();
    for container in spec["containers"].as_array().into_iter().flatten() {
        for port in container["ports"].as_array().into_iter().flatten() {
            if RESERVED_PORTS.contains(&port["containerPort"].as_u64().unwrap_or(0)) {
                errors.push(format!("reserved port {}", port["containerPort"]));
            }
        }
        for var in container["env"].as_array().into_iter().flatten() {
            let name = var["name"].as_str().unwrap_or_default();
            if RESERVED_ENV.contains(&name) || name.starts_with("FC_WASM_") {
                errors.push(format!(
                    "environment variable `{name}` is reserved or not read"
                ));
            }
        }
    }
    errors
}

#[test]
fn the_knative_service_fits_the_serving_schema_and_its_webhook() {
    let service = yaml("knative.yaml");
    assert_eq!(service["apiVersion"], "serving.knative.dev/v1");
    assert_eq!(service["kind"], "Service");
    let errors = [
        schema_errors("knative-service.schema.json", &service),
        knative_rule_errors(&service),
    ]
    .concat();
    assert!(errors.is_empty(), "{errors:#?}");
    let spec = &service["spec"]["template"]["spec"];
    let env = spec["containers"][0]["env"].as_array().unwrap();
    let instances = env
        .iter()
        .find(|v| v["name"] == "BOOTSTRAP_MAX_INSTANCES")
        .unwrap();
    assert_eq!(
        instances["value"].as_str().unwrap().parse::<u64>().unwrap(),
        spec["containerConcurrency"].as_u64().unwrap(),
        "the instance count matches the container concurrency"
    );
    let mut broken = service.clone();
    broken["spec"]["template"]["spec"]["containerConcurrency"] = "many".into();
    assert!(!schema_errors("knative-service.schema.json", &broken).is_empty());
}

/// The stages of a Dockerfile: each `FROM` line and the instructions after it, with
/// `\`-continued lines joined.
fn dockerfile_stages(text: &str) -> Vec<(String, Vec<String>)> {
    let joined = text.replace("\\\n", " ");
    let mut stages: Vec<(String, Vec<String>)> = Vec::new();
    for line in joined.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.strip_prefix("FROM ") {
            Some(image) => stages.push((image.to_string(), Vec::new())),
            None => stages
                .last_mut()
                .expect("FROM first")
                .1
                .push(line.to_string()),
        }
    }
    stages
}

#[test]
fn the_dockerfile_ships_the_static_build_in_an_empty_image() {
    let text = std::fs::read_to_string(deploy("Dockerfile")).unwrap();
    let stages = dockerfile_stages(&text);
    let [(builder, build), (image, run)] = &stages[..] else {
        panic!("two stages: {stages:?}")
    };
    assert!(
        builder.starts_with("rust:1.95") && builder.ends_with(" AS build"),
        "{builder}"
    );
    let script = build.iter().find(|l| l.starts_with("RUN ")).expect("a RUN");
    // The build stage copies the executable from where this build put the one under test.
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let built = Path::new(env!("CARGO_BIN_EXE_bootstrap"))
        .strip_prefix(workspace)
        .expect("bootstrap is built in the workspace");
    assert!(
        script.contains(&format!("cp {} /out/code/bootstrap", built.display())),
        "the Dockerfile copies another path than {}: {script}",
        built.display()
    );
    assert!(script.contains("x86_64-unknown-linux-musl"), "{script}");
    assert!(
        script.contains("cargo build --release --locked -p fcwasm"),
        "{script}"
    );
    assert!(
        script.contains("chmod 1777 /out/tmp"),
        "instances need a /tmp: {script}"
    );
    assert!(
        script.contains("fcwasm compile /out/code/handler.wasm"),
        "{script}"
    );
    assert_eq!(image, "scratch");
    for expected in [
        "COPY --from=build /out/ /",
        "USER 65534:65534",
        "ENTRYPOINT [\"/code/bootstrap\"]",
    ] {
        assert!(run.iter().any(|l| l == expected), "{expected}: {run:?}");
    }
}

/// The static build copies memory with `musl-mem`'s `memcpy` and `memmove`, not musl's
/// (whose `memcpy` object also defines `__memcpy_fwd`).
#[cfg(all(target_arch = "x86_64", target_env = "musl"))]
#[test]
fn the_static_build_copies_memory_with_its_own_memcpy_not_musls() {
    use object::{Object as _, ObjectSymbol as _};
    let bytes = std::fs::read(env!("CARGO_BIN_EXE_bootstrap")).unwrap();
    let elf = object::read::elf::ElfFile64::<object::Endianness>::parse(&*bytes).unwrap();
    let names: Vec<&str> = elf.symbols().filter_map(|s| s.name().ok()).collect();
    for defined in ["memcpy", "memmove"] {
        assert!(names.contains(&defined), "{defined} is missing");
    }
    assert!(
        !names.contains(&"__memcpy_fwd"),
        "musl's memcpy is linked: the executable lost musl-mem"
    );
}

/// The static build is linked at a fixed address (`ET_EXEC`), not as a static PIE
/// (`ET_DYN`) that relocates itself at every start (`.cargo/config.toml`).
#[cfg(all(target_arch = "x86_64", target_env = "musl"))]
#[test]
fn the_static_build_is_not_position_independent() {
    use object::Object as _;
    let bytes = std::fs::read(env!("CARGO_BIN_EXE_bootstrap")).unwrap();
    let elf = object::read::elf::ElfFile64::<object::Endianness>::parse(&*bytes).unwrap();
    assert_eq!(
        elf.kind(),
        object::ObjectKind::Executable,
        "bootstrap is a PIE: the relocation-model flag of .cargo/config.toml is lost"
    );
    let relocations = elf.dynamic_relocations().map_or(0, |r| r.count());
    assert_eq!(
        relocations, 0,
        "a fixed-address executable has no start-up relocations"
    );
}

/// The feature sets each package is built with for `cargo tree` `args` (the static
/// target's graph, offline: the suite's build has fetched it all). A package can be
/// built twice, for the target and for build scripts, with different features.
fn package_features(args: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let output = std::process::Command::new(env!("CARGO"))
        .args(["tree", "--offline", "--prefix", "none", "-f", "{p}|{f}"])
        .args(["--target", "x86_64-unknown-linux-musl"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut packages: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let text = String::from_utf8_lossy(&output.stdout);
    for line in text.lines() {
        if let Some((package, features)) = line.trim_end_matches(" (*)").split_once('|') {
            let builds = packages.entry(package.to_string()).or_default();
            builds.insert(features.to_string());
        }
    }
    packages
}

#[test]
fn the_shipped_build_is_the_tested_build() {
    // `cargo build -p fcwasm` (the README's run command, `cargo install`, the bench)
    // against `cargo test --workspace` (CI): test-only dependencies must not turn on
    // features in the executables' dependencies, or the tests run another build than
    // the one shipped and every build after the tests compiles the host again.
    let shipped = package_features(&["-p", "fcwasm", "-e", "normal,build"]);
    let tested = package_features(&["--workspace", "-e", "normal,build,dev"]);
    let differing: Vec<String> = shipped
        .iter()
        .filter_map(|(package, builds)| {
            let in_tests = tested.get(package)?;
            let missing: Vec<&String> = builds.difference(in_tests).collect();
            (!missing.is_empty())
                .then(|| format!("{package}: shipped {missing:?}, tested {in_tests:?}"))
        })
        .collect();
    assert!(shipped.len() > 100, "{shipped:?}");
    assert!(
        differing.is_empty(),
        "turn these features on in host's (or fcwasm's) own dependencies:\n{}",
        differing.join("\n")
    );
}

/// The runtime FC starts links the runtime and nothing of the developer tool: no
/// component encoder, no bindings generators, no zip writer, none of the tool's code.
#[test]
fn the_runtime_links_no_build_tooling() {
    use object::{Object as _, ObjectSymbol as _};
    let symbols = |path: &str| -> Vec<String> {
        let bytes = std::fs::read(path).unwrap();
        let elf = object::read::elf::ElfFile64::<object::Endianness>::parse(&*bytes).unwrap();
        elf.symbols()
            .filter_map(|s| s.name().ok().map(str::to_string))
            .collect()
    };
    // A crate's name appears in a (legacy-mangled) symbol as `<length><name>`, or as
    // `<name>..` inside a generic's path.
    let mentions = |name: &str, krate: &str| {
        name.contains(&format!("{}{krate}", krate.len())) || name.contains(&format!("{krate}.."))
    };
    let runtime = symbols(env!("CARGO_BIN_EXE_bootstrap"));
    let tool = symbols(env!("CARGO_BIN_EXE_fcwasm"));
    let build_only = [
        "wit_component",
        "wit_bindgen_go",
        "wit_bindgen_c",
        "wit_parser",
        "zip",
        "fcwasm",
    ];
    for krate in build_only {
        let linked: Vec<&String> = runtime
            .iter()
            .filter(|name| mentions(name, krate) && !name.contains("adapters..zip"))
            .take(3)
            .collect();
        assert!(linked.is_empty(), "bootstrap links `{krate}`: {linked:?}");
        assert!(
            tool.iter().any(|name| mentions(name, krate)),
            "the tool has `{krate}`: the check looks for names that exist"
        );
    }
    assert!(runtime.iter().any(|name| mentions(name, "wasmtime")));
    // Nor the SDKs the tool embeds (a line of the JavaScript SDK's entry, say).
    let marker = b"the component's entry";
    let has = |path: &str| {
        std::fs::read(path)
            .unwrap()
            .windows(marker.len())
            .any(|w| w == marker)
    };
    assert!(has(env!("CARGO_BIN_EXE_fcwasm")));
    assert!(
        !has(env!("CARGO_BIN_EXE_bootstrap")),
        "bootstrap embeds the SDKs"
    );
}
