//! The files a function reads at run time (templates, static files, data), packed
//! with `--include`: each path is relative to the module's folder, which is `/code`
//! at run time, and goes at the same place in `code.zip`. Only regular files and
//! folders inside the module's folder are packed: a symbolic link, or a path that
//! leads out of the folder, is refused with its name, so a project cannot pull in
//! what it does not hold.

use std::path::{Component, Path, PathBuf};

use anyhow::{Context as _, bail};

/// Names at the root of `code.zip` that `package` writes itself.
const RESERVED: [&str; 4] = [
    "bootstrap",
    "handler.wasm",
    "handler.cwasm",
    "bootstrap.toml",
];

/// The folders the module imports from at run time, which `package` ships itself.
const MODULE_FILES: &str = "handler.files";

/// The files of `folder` (the module's `handler.files`, under whatever name it has
/// beside the module), named as the packaged module's: `handler.files/...`, sorted;
/// nothing if there is no such folder. Links are refused, as for `--include`.
pub(super) fn module_files(folder: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    if std::fs::symlink_metadata(folder).is_err() {
        return Ok(Vec::new());
    }
    let (Some(base), Some(name)) = (folder.parent(), folder.file_name()) else {
        return Ok(Vec::new());
    };
    let mut files = Vec::new();
    collect(base, Path::new(name), &mut files)?;
    let prefix = Path::new(name);
    let renamed = files.into_iter().map(|(zip_name, path)| {
        let inside = Path::new(&zip_name)
            .strip_prefix(prefix)
            .unwrap_or(Path::new(""));
        (format!("{MODULE_FILES}/{}", inside.display()), path)
    });
    let mut files: Vec<_> = renamed.collect();
    files.sort();
    Ok(files)
}

/// The files under each of `paths` (files or folders, relative to `base`), as
/// (name in the zip, file on disk), sorted.
pub(super) fn included_files(
    base: &Path,
    paths: &[PathBuf],
) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    for path in paths {
        let relative = relative_inside(base, path)?;
        collect(base, &relative, &mut files)?;
    }
    files.sort();
    files.dedup();
    if let Some((name, _)) = files.iter().find(|(name, _)| {
        RESERVED.contains(&name.as_str()) || name.starts_with(&format!("{MODULE_FILES}/"))
    }) {
        bail!("--include would pack `{name}`, which `fcwasm package` writes itself");
    }
    Ok(files)
}

/// `path` as a path inside `base` without `..`: relative as given, or absolute under `base`.
fn relative_inside(base: &Path, path: &Path) -> anyhow::Result<PathBuf> {
    let relative = if path.is_absolute() {
        let base = std::path::absolute(base)?;
        path.strip_prefix(&base)
            .with_context(|| {
                format!(
                    "--include `{}` is not inside the module's folder `{}`",
                    path.display(),
                    base.display()
                )
            })?
            .to_path_buf()
    } else {
        path.to_path_buf()
    };
    let clean: PathBuf = relative
        .components()
        .filter(|part| !matches!(part, Component::CurDir))
        .collect();
    if clean.as_os_str().is_empty()
        || clean
            .components()
            .any(|part| !matches!(part, Component::Normal(_)))
    {
        bail!(
            "--include `{}` must name a file or folder inside the module's folder (no `..`)",
            path.display()
        );
    }
    Ok(clean)
}

/// Adds `relative` (a file, or a folder walked in full) to `files`.
fn collect(base: &Path, relative: &Path, files: &mut Vec<(String, PathBuf)>) -> anyhow::Result<()> {
    let full = base.join(relative);
    let meta = std::fs::symlink_metadata(&full)
        .with_context(|| format!("cannot read `{}`", full.display()))?;
    if meta.file_type().is_symlink() {
        bail!(
            "`{}` is a symbolic link: --include packs files and folders, not links",
            full.display()
        );
    }
    if meta.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(&full)
            .with_context(|| format!("cannot read `{}`", full.display()))?
            .collect::<Result<_, _>>()?;
        entries.sort_by_key(|entry| entry.file_name());
        for entry in entries {
            collect(base, &relative.join(entry.file_name()), files)?;
        }
        return Ok(());
    }
    if !meta.is_file() {
        bail!("`{}` is not a regular file", full.display());
    }
    let name = relative
        .to_str()
        .with_context(|| format!("`{}` is not a UTF-8 name", full.display()))?
        .to_string();
    files.push((name, full));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("views/partials")).unwrap();
        std::fs::write(dir.path().join("views/index.html"), "i").unwrap();
        std::fs::write(dir.path().join("views/partials/a.html"), "a").unwrap();
        std::fs::write(dir.path().join("data.json"), "{}").unwrap();
        dir
    }

    fn names(files: &[(String, PathBuf)]) -> Vec<&str> {
        files.iter().map(|(name, _)| name.as_str()).collect()
    }

    #[test]
    fn folders_are_packed_whole_at_their_place_under_the_module_folder() {
        let dir = project();
        let files = included_files(dir.path(), &["views".into(), "./data.json".into()]).unwrap();
        assert_eq!(
            names(&files),
            ["data.json", "views/index.html", "views/partials/a.html"]
        );
        let absolute = dir.path().join("views/index.html");
        let files = included_files(dir.path(), &[absolute]).unwrap();
        assert_eq!(names(&files), ["views/index.html"]);
    }

    #[test]
    fn links_paths_out_of_the_folder_and_reserved_names_are_refused() {
        let dir = project();
        std::os::unix::fs::symlink("/etc", dir.path().join("views/etc")).unwrap();
        let err = included_files(dir.path(), &["views".into()]).unwrap_err();
        assert!(err.to_string().contains("is a symbolic link"), "{err}");
        for outside in ["../x", "/etc/passwd", "views/../../x"] {
            assert!(
                included_files(dir.path(), &[outside.into()]).is_err(),
                "{outside}"
            );
        }
        std::fs::write(dir.path().join("handler.wasm"), "").unwrap();
        let err = included_files(dir.path(), &["handler.wasm".into()]).unwrap_err();
        assert!(err.to_string().contains("writes itself"), "{err}");
    }
}
