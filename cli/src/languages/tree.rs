//! Copies of folder trees that a build writes: links are never followed (a link in a
//! project is left out and named, so a build cannot pull in or write what the
//! project does not hold), and nothing is written over.

use std::path::Path;

use anyhow::Context as _;

/// Copies the tree at `from` to the new folder `to`, leaving out each entry for which
/// `leave_out(path, is_dir)` holds and every link (reported to `linked`).
pub(crate) fn copy(
    from: &Path,
    to: &Path,
    leave_out: &dyn Fn(&Path, bool) -> bool,
    linked: &mut dyn FnMut(&Path),
) -> anyhow::Result<()> {
    std::fs::create_dir(to).with_context(|| format!("cannot create `{}`", to.display()))?;
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .with_context(|| format!("cannot read `{}`", from.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot read `{}`", from.display()))?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        let kind = entry
            .file_type()
            .with_context(|| format!("cannot read `{}`", path.display()))?;
        let target = to.join(entry.file_name());
        if kind.is_symlink() {
            linked(&path);
        } else if leave_out(&path, kind.is_dir()) {
        } else if kind.is_dir() {
            copy(&path, &target, leave_out, linked)?;
        } else if kind.is_file() {
            copy_file(&path, &target)?;
        }
    }
    Ok(())
}

/// Copies the regular file `from` to the new file `to` (the source opened without
/// following a link).
fn copy_file(from: &Path, to: &Path) -> anyhow::Result<()> {
    use std::fs::OpenOptions;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut source = OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(from)
        .with_context(|| format!("cannot open `{}`", from.display()))?;
    let mut target = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)
        .with_context(|| format!("cannot create `{}`", to.display()))?;
    std::io::copy(&mut source, &mut target)
        .with_context(|| format!("cannot copy `{}`", from.display()))?;
    Ok(())
}

/// Copies the file `from` over `to`: into a new file beside `to`, renamed over it,
/// so a link at `to` is replaced, never written through.
pub(crate) fn copy_file_replacing(from: &Path, to: &Path) -> anyhow::Result<()> {
    let mut source =
        std::fs::File::open(from).with_context(|| format!("cannot open `{}`", from.display()))?;
    host::replace_file(to, |file| std::io::copy(&mut source, file).map(drop))
        .with_context(|| format!("cannot write `{}` from `{}`", to.display(), from.display()))
}

/// A folder the build writes in (`.bootstrap-build`): made if missing; refused if
/// it is a link or not a folder, so a build never writes or deletes elsewhere.
pub(crate) fn own_folder(dir: &Path) -> anyhow::Result<()> {
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => anyhow::bail!(
            "`{}` is a link or a file, not the build's folder: remove it and build again",
            dir.display()
        ),
        Err(_) => {
            std::fs::create_dir(dir).with_context(|| format!("cannot create `{}`", dir.display()))
        }
    }
}

/// Moves the folder `from` to `to`, replacing what `to` held: the new folder is in
/// place before the old one is removed. A link at `to` is removed, never followed.
pub(crate) fn replace(from: &Path, to: &Path) -> anyhow::Result<()> {
    let old = beside(to, "old");
    let had_old = match std::fs::symlink_metadata(to) {
        Ok(_) => {
            std::fs::rename(to, &old)
                .with_context(|| format!("cannot move `{}` aside", to.display()))?;
            true
        }
        Err(_) => false,
    };
    if std::fs::rename(from, to).is_err() {
        // Another file system: copy beside, then rename.
        let partial = beside(to, "partial");
        remove(&partial)?;
        copy(from, &partial, &|_, _| false, &mut |_| {})?;
        std::fs::rename(&partial, to).with_context(|| {
            format!("cannot move `{}` to `{}`", partial.display(), to.display())
        })?;
    }
    if had_old {
        remove(&old)?;
    }
    Ok(())
}

/// `path` with `.WHAT-PID` added: a name of this process's beside `path`.
fn beside(path: &Path, what: &str) -> std::path::PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{what}-{}", std::process::id()));
    path.with_file_name(name)
}

/// Removes `path`: a folder with what it holds, a link or a file itself.
pub(crate) fn remove(path: &Path) -> anyhow::Result<()> {
    let result = match std::fs::symlink_metadata(path) {
        Err(_) => return Ok(()),
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
    };
    result.with_context(|| format!("cannot remove `{}`", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn a_copy_leaves_out_links_and_what_it_is_told_to() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("from");
        std::fs::create_dir_all(from.join("pkg/__pycache__")).unwrap();
        std::fs::write(from.join("pkg/mod.py"), "x = 1").unwrap();
        std::fs::write(from.join("pkg/__pycache__/mod.pyc"), "").unwrap();
        symlink("/etc/passwd", from.join("pkg/passwd")).unwrap();
        symlink("/etc", from.join("etc")).unwrap();
        let mut linked = Vec::new();
        let skip_cache = |path: &Path, is_dir: bool| is_dir && path.ends_with("__pycache__");
        copy(&from, &dir.path().join("to"), &skip_cache, &mut |path| {
            linked.push(path.strip_prefix(&from).unwrap().to_path_buf())
        })
        .unwrap();
        assert_eq!(linked, [Path::new("etc"), Path::new("pkg/passwd")]);
        let to = dir.path().join("to");
        assert_eq!(
            std::fs::read_to_string(to.join("pkg/mod.py")).unwrap(),
            "x = 1"
        );
        assert!(!to.join("pkg/__pycache__").exists());
        assert!(!to.join("etc").exists());
    }

    #[test]
    fn the_builds_folder_is_never_a_link_and_a_copy_replaces_one() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let work = dir.path().join(".bootstrap-build");
        symlink(&elsewhere, &work).unwrap();
        assert!(
            own_folder(&work)
                .unwrap_err()
                .to_string()
                .contains("is a link")
        );
        std::fs::remove_file(&work).unwrap();
        own_folder(&work).unwrap();
        own_folder(&work).unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        symlink(&victim, work.join("bundle.js")).unwrap();
        std::fs::write(dir.path().join("new"), "bundle").unwrap();
        copy_file_replacing(&dir.path().join("new"), &work.join("bundle.js")).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(
            std::fs::read_to_string(work.join("bundle.js")).unwrap(),
            "bundle"
        );
    }

    #[test]
    fn replacing_a_folder_or_a_link_never_touches_what_a_link_names() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("keep"), "").unwrap();
        let to = dir.path().join("handler.files");
        symlink(&outside, &to).unwrap();
        for round in ["one", "two"] {
            let new = dir.path().join(round);
            std::fs::create_dir(&new).unwrap();
            std::fs::write(new.join(round), "").unwrap();
            replace(&new, &to).unwrap();
            assert!(to.join(round).is_file());
            assert!(!std::fs::symlink_metadata(&to).unwrap().is_symlink());
        }
        assert!(!to.join("one").exists());
        assert!(outside.join("keep").is_file());
    }
}
