//! JavaScript projects: the project's npm dependencies are installed when they are
//! missing or older than `package.json`; rolldown bundles the project (CommonJS or ES
//! modules, with its `node_modules`), the SDK and Node's built-ins (the SDK's
//! `bundler/` says which comes from where) into one ES module; componentize-js
//! (StarlingMonkey) turns it into a component of the `javascript-handler` world. The
//! toolchain is pinned and installed with npm the first time.

mod dependencies;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

use super::{BuildArgs, assets, steps};

/// The toolchain, every package at an exact version with its integrity hash (`npm
/// ci` installs exactly this): componentize-js 0.23.0, jco 1.35.0, wizer 10.0.0 (newer
/// releases do not install everywhere), rolldown 1.3.3, regexpu-core, and the
/// polyfills of Node's built-ins (`sdk/js/bundler/builtins.mjs`).
const PACKAGE_JSON: &str = include_str!("../../../sdk/js/toolchain/package.json");
const PACKAGE_LOCK: &str = include_str!("../../../sdk/js/toolchain/package-lock.json");
/// The world a JavaScript component is built for: `handler` and the environment.
const WORLD: &str = "javascript-handler";
/// The extensions a module's file may have, in the order they are looked for.
const EXTENSIONS: &[&str] = &["js", "mjs", "cjs"];

/// One of the user's functions: its module's file (relative to the project) and name.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Function {
    file: PathBuf,
    name: String,
}

/// `module.function` → the module's name and the function's; the module may be in a
/// folder (`src/index.handler`).
fn split_handler(handler: &str) -> anyhow::Result<(&str, &str)> {
    let (module, function) = handler
        .rsplit_once('.')
        .with_context(|| format!("--handler `{handler}` is not `module.function`"))?;
    let valid_module = !module.is_empty()
        && !module.starts_with('/')
        && module.split('/').all(|part| {
            !part.is_empty()
                && part != ".."
                && part
                    .chars()
                    .all(|c| c.is_alphanumeric() || "_-.@".contains(c))
        });
    let mut chars = function.chars();
    let valid_function = chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || "_$".contains(c))
        && chars.all(|c| c.is_alphanumeric() || "_$".contains(c));
    if !valid_module || !valid_function {
        bail!("--handler `{handler}` is not `module.function`");
    }
    Ok((module, function))
}

/// The file of the module named by `handler` in `dir`, if there is one.
pub(crate) fn module_file(dir: &Path, handler: &str) -> anyhow::Result<Option<PathBuf>> {
    let (module, _) = split_handler(handler)?;
    Ok(EXTENSIONS
        .iter()
        .map(|extension| PathBuf::from(format!("{module}.{extension}")))
        .find(|file| dir.join(file).is_file()))
}

fn function(dir: &Path, handler: &str) -> anyhow::Result<Option<Function>> {
    let (_, name) = split_handler(handler)?;
    Ok(module_file(dir, handler)?.map(|file| Function {
        file,
        name: name.to_string(),
    }))
}

/// Builds the JavaScript project of `args` into `output`; this build's own files go
/// in `scratch`, and the bundle is kept in `work` (stack traces name its lines).
pub(crate) fn build(
    args: &BuildArgs,
    work: &Path,
    scratch: &Path,
    output: &Path,
) -> anyhow::Result<()> {
    if !args.imports.is_empty() {
        bail!("--import is for Python projects: a JavaScript bundle holds what its modules import");
    }
    let dir = &args.dir;
    let handler = function(dir, &args.handler)?
        .with_context(|| format!("no module file for --handler `{}`", args.handler))?;
    let hooks = [
        ("initializer", hook(args, &args.initializer, "initialize")?),
        ("preStop", hook(args, &args.pre_stop, "preStop")?),
        ("preFreeze", hook(args, &None, "preFreeze")?),
    ];
    let scratch = std::path::absolute(scratch)?;
    let wit = scratch.join("wit");
    assets::write_all(&wit, assets::WIT)?;
    assets::write_more(&wit, assets::JAVASCRIPT_WIT)?;
    assets::write_all(&scratch.join("sdk"), assets::JAVASCRIPT_SDK)?;
    let entry = scratch.join("entry.js");
    std::fs::write(&entry, entry_module(&handler, &hooks)?)
        .with_context(|| format!("cannot write `{}`", entry.display()))?;
    let tools = toolchain(args)?;
    dependencies::install(args)?;
    steps::timed("bundling with rolldown", || {
        let options = serde_json::json!({
            "entry": entry,
            "output": scratch.join(BUNDLE),
            "toolchain": tools,
            "sdk": scratch.join("sdk"),
            "project": std::path::absolute(dir)?,
        });
        steps::run(
            Command::new("node")
                .arg(scratch.join("sdk/bundler/bundle.mjs"))
                .arg(options.to_string()),
        )
    })?;
    let output = std::path::absolute(output)?;
    steps::timed("componentizing with componentize-js", || {
        // From inside `scratch`, so that stack traces name `bundle.js`.
        steps::run(
            node_script(&tools, "@bytecodealliance/componentize-js/src/cli.js")
                .current_dir(&scratch)
                .arg(BUNDLE)
                .arg("--wit")
                .arg(&wit)
                .args(["--world-name", WORLD, "--disable", "fetch-event", "--out"])
                .arg(&output),
        )
    })?;
    // Kept for reading stack traces against.
    super::tree::copy_file_replacing(&scratch.join(BUNDLE), &work.join(BUNDLE))
}

/// The bundle's file name, in stack traces.
const BUNDLE: &str = "bundle.js";

/// A hook: the one given (its module must exist), else `function` of the handler's
/// module when that module has a file (whether it defines the function is known
/// only when the module loads).
fn hook(
    args: &BuildArgs,
    given: &Option<String>,
    function: &str,
) -> anyhow::Result<Option<Function>> {
    let name = args.hook(given, function);
    let found = self::function(&args.dir, &name)?;
    if found.is_none() && given.is_some() {
        bail!("no module file for `{name}` in `{}`", args.dir.display());
    }
    Ok(found)
}

/// The entry module: imports the user's modules and exports the SDK's handlers for
/// the functions named.
fn entry_module(handler: &Function, hooks: &[(&str, Option<Function>)]) -> anyhow::Result<String> {
    let mut files: Vec<&Path> = vec![&handler.file];
    for (_, hook) in hooks {
        if let Some(hook) = hook
            && !files.contains(&hook.file.as_path())
        {
            files.push(&hook.file);
        }
    }
    let mut text = String::from(
        "// Written by `fcwasm build`: the component's entry.\n\
         import \"./sdk/globals.js\"; // before the user's modules, which may use them\n",
    );
    for (index, file) in files.iter().enumerate() {
        // The entry is in DIR/.bootstrap-build/build-*/: the project is two levels up.
        let file = file.to_str().context("a module's path is not UTF-8")?;
        text.push_str(&format!(
            "import * as m{index} from {};\n",
            serde_json::to_string(&format!("../../{file}"))?
        ));
    }
    text.push_str("import { exportsFor } from \"./sdk/exports.js\";\nconst fc = exportsFor({\n");
    let mut role = |name: &str, function: &Function| -> anyhow::Result<()> {
        let index = files.iter().position(|f| *f == function.file).unwrap_or(0);
        let file = function
            .file
            .to_str()
            .context("a module's path is not UTF-8")?;
        text.push_str(&format!(
            "  {name}: [m{index}, {}, {}],\n",
            serde_json::to_string(&function.name)?,
            serde_json::to_string(file)?
        ));
        Ok(())
    };
    role("handler", handler)?;
    for (name, hook) in hooks {
        if let Some(hook) = hook {
            role(name, hook)?;
        }
    }
    text.push_str(
        "});\n\
         export const eventHandler = fc.eventHandler;\n\
         export const httpHandler = fc.httpHandler;\n\
         export const lifecycle = fc.lifecycle;\n",
    );
    Ok(text)
}

/// `node <toolchain>/node_modules/<script>`.
fn node_script(tools: &Path, script: &str) -> Command {
    let mut command = Command::new("node");
    command.arg(tools.join("node_modules").join(script));
    command
}

/// The toolchain's folder, installed with `npm ci` the first time; named by the lock
/// file's digest, so a change of any version installs afresh.
fn toolchain(args: &BuildArgs) -> anyhow::Result<PathBuf> {
    let name = format!(
        "componentize-js-0.23.0-{}",
        steps::short_digest(PACKAGE_LOCK.as_bytes())
    );
    let dir = super::tools_dir(args)?.join(name);
    steps::install_once(
        &dir,
        "the JavaScript toolchain: componentize-js 0.23.0, rolldown 1.3.3, Node.js polyfills (npm ci)",
        || {
            assets::write_more(
                &dir,
                &[
                    ("package.json", PACKAGE_JSON),
                    ("package-lock.json", PACKAGE_LOCK),
                ],
            )?;
            steps::run(
                Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                    .current_dir(&dir),
            )
            .context("installing needs Node.js 20.19 or newer, and npm, on the PATH")
        },
    )?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handler_names_a_module_and_a_function() {
        assert_eq!(
            split_handler("index.handler").unwrap(),
            ("index", "handler")
        );
        assert_eq!(
            split_handler("src/app.v2.main").unwrap(),
            ("src/app.v2", "main")
        );
        for bad in [
            "index",
            ".handler",
            "index.",
            "/abs.handler",
            "../up.handler",
            "a//b.handler",
            "index.2x",
            "in dex.handler",
            "index.ha-ndler",
        ] {
            assert!(split_handler(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_module_file_is_found_by_its_extension() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(module_file(dir.path(), "index.handler").unwrap(), None);
        std::fs::write(dir.path().join("index.mjs"), "").unwrap();
        assert_eq!(
            module_file(dir.path(), "index.handler").unwrap(),
            Some(PathBuf::from("index.mjs"))
        );
        std::fs::write(dir.path().join("index.js"), "").unwrap();
        assert_eq!(
            module_file(dir.path(), "index.handler").unwrap(),
            Some(PathBuf::from("index.js"))
        );
    }

    #[test]
    fn the_entry_imports_each_module_once_and_quotes_what_it_names() {
        let at = |file: &str, name: &str| Function {
            file: PathBuf::from(file),
            name: name.to_string(),
        };
        let hooks = [
            ("initializer", Some(at("index.js", "initialize"))),
            ("preStop", Some(at("hooks/stop\".js", "preStop"))),
            ("preFreeze", None),
        ];
        let text = entry_module(&at("index.js", "handler"), &hooks).unwrap();
        assert_eq!(text.matches("import * as m").count(), 2, "{text}");
        assert!(
            text.contains(r#"import * as m0 from "../../index.js";"#),
            "{text}"
        );
        assert!(
            text.contains(r#"import * as m1 from "../../hooks/stop\".js";"#),
            "{text}"
        );
        assert!(
            text.contains(r#"  initializer: [m0, "initialize", "index.js"],"#),
            "{text}"
        );
        assert!(
            text.contains(r#"  preStop: [m1, "preStop", "hooks/stop\".js"],"#),
            "{text}"
        );
        assert!(!text.contains("preFreeze"), "{text}");
    }
}
