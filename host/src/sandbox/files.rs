//! The read-only folders a module brings beside it: each folder `NAME` of
//! `handler.files/` (for `handler.wasm`) is mounted read-only at `/NAME`. A Python
//! component names its standard library and packages at `/python`, `/0`, `/1`, …
//! (where its build found them), so the build writes them there and every module
//! the function could import is importable at call time.
//!
//! Only plain folders with plain names are mounted: a link (the folder itself or an
//! entry of it) is left out, as are names the host mounts itself (`code`, `tmp`);
//! links inside a mounted folder cannot lead out of it (WASI resolves paths inside
//! the preopened folder).

use std::path::{Path, PathBuf};

/// The names the host mounts itself, which a module's folders cannot take.
const RESERVED: [&str; 2] = ["code", "tmp"];

/// Where a module's folders are: `handler.wasm` → `handler.files`.
pub fn module_files_path(module: &Path) -> PathBuf {
    module.with_extension("files")
}

/// One folder to mount: `host` at `/guest`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Mount {
    /// The folder on the host.
    pub(crate) host: PathBuf,
    /// Where the guest sees it, with its leading `/`.
    pub(crate) guest: String,
}

/// The folders of `dir` to mount, in name order; what is left out goes to `skipped`
/// with the reason. Nothing when `dir` is missing; nothing, and a reason, when it is
/// a link.
pub(crate) fn mounts(dir: &Path, skipped: &mut dyn FnMut(&Path, &str)) -> Vec<Mount> {
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            skipped(dir, "it is not a folder (a link is not followed)");
            return Vec::new();
        }
        Err(_) => return Vec::new(),
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        skipped(dir, "it cannot be read");
        return Vec::new();
    };
    let mut mounts: Vec<Mount> = entries
        .flatten()
        .filter_map(|entry| {
            let path = entry.path();
            let name = entry.file_name();
            let reason = match (name.to_str(), entry.file_type()) {
                (_, Ok(kind)) if !kind.is_dir() => "it is not a folder (a link is not followed)",
                (Some(name), _) if RESERVED.contains(&name) => "the host mounts that name itself",
                (Some(name), _) if is_plain_name(name) => {
                    return Some(Mount {
                        host: path,
                        guest: format!("/{name}"),
                    });
                }
                _ => "its name is not letters, digits, `_` and `-`",
            };
            skipped(&path, reason);
            None
        })
        .collect();
    mounts.sort_by(|a, b| a.guest.cmp(&b.guest));
    mounts
}

fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> (Vec<String>, Vec<String>) {
        let mut skipped = Vec::new();
        let mounted = mounts(dir, &mut |path, _| {
            skipped.push(path.file_name().unwrap().to_string_lossy().into_owned())
        });
        skipped.sort();
        (mounted.into_iter().map(|m| m.guest).collect(), skipped)
    }

    #[test]
    fn a_module_names_its_folders_beside_it() {
        assert_eq!(
            module_files_path(Path::new("/code/handler.wasm")),
            Path::new("/code/handler.files")
        );
    }

    #[test]
    fn plain_folders_are_mounted_and_the_rest_is_left_out_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        for folder in ["python", "0", "code", "tmp", "with space", "a.b"] {
            std::fs::create_dir(dir.path().join(folder)).unwrap();
        }
        std::fs::write(dir.path().join("file"), "").unwrap();
        std::os::unix::fs::symlink("/etc", dir.path().join("etc")).unwrap();
        let (mounted, skipped) = names(dir.path());
        assert_eq!(mounted, ["/0", "/python"]);
        assert_eq!(skipped, ["a.b", "code", "etc", "file", "tmp", "with space"]);
    }

    #[test]
    fn a_linked_or_missing_folder_mounts_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("real/python")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("link")).unwrap();
        assert_eq!(
            names(&dir.path().join("link")),
            (vec![], vec!["link".into()])
        );
        assert_eq!(names(&dir.path().join("missing")), (vec![], vec![]));
        assert_eq!(names(&dir.path().join("real")).0, ["/python"]);
    }
}
