//! A JavaScript project's npm dependencies, installed as a Node.js user installs
//! them before running the app: `npm ci` when there is a lock file, else `npm
//! install`, when `package.json` lists dependencies and `node_modules` is missing or
//! older than `package.json` or the lock file. Lifecycle scripts (`install`,
//! `postinstall`) are off unless `--allow-scripts`: they would run natively, outside
//! the sandbox, and what they mostly build, native addons, cannot load in a
//! WebAssembly function anyway.

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use anyhow::Context as _;

use crate::build::BuildArgs;
use crate::languages::steps;

/// What npm writes last into `node_modules` when it installs.
const INSTALLED_MARKER: &str = "node_modules/.package-lock.json";

/// Installs the dependencies of the project in `args.dir` when they need it.
pub(super) fn install(args: &BuildArgs) -> anyhow::Result<()> {
    let dir = &args.dir;
    let manifest = dir.join("package.json");
    let Ok(text) = std::fs::read_to_string(&manifest) else {
        return Ok(());
    };
    let parsed: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("`{}` is not valid JSON", manifest.display()))?;
    if !lists_dependencies(&parsed) || is_installed(dir) {
        return Ok(());
    }
    let locked = dir.join("package-lock.json").is_file();
    let verb = if locked { "ci" } else { "install" };
    let mut npm = Command::new("npm");
    npm.arg(verb)
        .args(["--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir);
    if !args.allow_scripts {
        npm.arg("--ignore-scripts");
    }
    steps::timed(
        &format!("installing the project's dependencies (npm {verb})"),
        || steps::run(&mut npm).context("installing needs npm on the PATH"),
    )
}

/// Whether `package.json` lists any dependency to install.
fn lists_dependencies(manifest: &serde_json::Value) -> bool {
    ["dependencies", "devDependencies", "optionalDependencies"]
        .iter()
        .any(|key| {
            manifest[key]
                .as_object()
                .is_some_and(|deps| !deps.is_empty())
        })
}

/// Whether `node_modules` was installed after `package.json` and the lock file last
/// changed.
fn is_installed(dir: &Path) -> bool {
    let Some(installed) = modified(&dir.join(INSTALLED_MARKER)) else {
        return false;
    };
    ["package.json", "package-lock.json"]
        .iter()
        .filter_map(|name| modified(&dir.join(name)))
        .all(|changed| changed <= installed)
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn touch(path: &Path, at: SystemTime) {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, "{}").unwrap();
        std::fs::File::open(path).unwrap().set_modified(at).unwrap();
    }

    #[test]
    fn only_a_manifest_with_dependencies_installs() {
        let none = serde_json::json!({"name": "app", "dependencies": {}});
        assert!(!lists_dependencies(&none));
        assert!(!lists_dependencies(&serde_json::json!({"name": "app"})));
        let some = serde_json::json!({"dependencies": {"express": "^4.21.2"}});
        assert!(lists_dependencies(&some));
        assert!(lists_dependencies(
            &serde_json::json!({"devDependencies": {"x": "1"}})
        ));
    }

    #[test]
    fn node_modules_older_than_the_manifest_or_the_lock_is_installed_again() {
        let dir = tempfile::tempdir().unwrap();
        let then = SystemTime::now() - Duration::from_secs(3600);
        touch(&dir.path().join("package.json"), then);
        assert!(!is_installed(dir.path()), "no node_modules");
        touch(
            &dir.path().join(INSTALLED_MARKER),
            then + Duration::from_secs(10),
        );
        assert!(is_installed(dir.path()));
        touch(
            &dir.path().join("package-lock.json"),
            then + Duration::from_secs(20),
        );
        assert!(
            !is_installed(dir.path()),
            "the lock file changed after the install"
        );
        touch(
            &dir.path().join(INSTALLED_MARKER),
            then + Duration::from_secs(30),
        );
        assert!(is_installed(dir.path()));
        touch(
            &dir.path().join("package.json"),
            then + Duration::from_secs(40),
        );
        assert!(
            !is_installed(dir.path()),
            "package.json changed after the install"
        );
    }
}
