//! The optional config file, `bootstrap.toml`: settings shipped in code.zip beside
//! `bootstrap` (FC limits all environment variables together to 4 KB). Its keys are
//! the flag names; its values become the defaults of the command line, so a flag or
//! an environment variable still wins over the file.
//!
//! ```toml
//! max-instances = 4
//! function-timeout = "30s"
//! allow-net = ["api.example.com:443", "*.aliyuncs.com"]
//! ```

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::{CommandFactory as _, FromArgMatches as _};

use crate::config::{CONFIG_FILE_NAME, Cli};

/// The one flag that is never read from the file: the file's own name. (The values
/// FC sets for the instance are hidden flags, which are not settings either.)
const NOT_IN_FILE: [&str; 1] = ["config"];

impl Cli {
    /// Parses this process's command line, with the config file's settings as its
    /// defaults. Exits with clap's message on a bad command line (and for `--help`).
    pub fn load() -> anyhow::Result<Cli> {
        let search: Vec<PathBuf> = [
            std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(Path::to_path_buf)),
            std::env::var_os("FC_FUNC_CODE_PATH").map(PathBuf::from),
        ]
        .into_iter()
        .flatten()
        .collect();
        let args: Vec<OsString> = std::env::args_os().collect();
        let named = std::env::var_os("BOOTSTRAP_CONFIG").map(PathBuf::from);
        match parse(args, named, &search)? {
            Ok(cli) => Ok(cli),
            Err(usage) => usage.exit(),
        }
    }
}

/// Parses `args` with the settings of the config file as defaults: the file named by
/// `--config`, else `named` (`$BOOTSTRAP_CONFIG`), else the first `bootstrap.toml` in
/// `search`. A file that cannot be read or has an unknown setting is an error; a bad
/// command line is clap's error, inside.
pub(crate) fn parse(
    args: Vec<OsString>,
    named: Option<PathBuf>,
    search: &[PathBuf],
) -> anyhow::Result<Result<Cli, clap::Error>> {
    let file = flag_value(&args, "--config")
        .map(PathBuf::from)
        .or(named)
        .or_else(|| {
            search
                .iter()
                .map(|dir| dir.join(CONFIG_FILE_NAME))
                .find(|path| path.is_file())
        });
    let mut command = Cli::command();
    if let Some(file) = &file {
        command = config_defaults(file, command)?;
    }
    Ok(command.try_get_matches_from(args).and_then(|matches| {
        let mut cli = Cli::from_arg_matches(&matches)?;
        // A default of `--port` can only be the file's.
        cli.serve.port_from_file =
            matches.value_source("port") == Some(clap::parser::ValueSource::DefaultValue);
        Ok(cli)
    }))
}

/// Refuses a config file `bootstrap` would refuse at start: one it cannot read, a
/// setting it does not know, a value its flag does not take.
pub fn check_config_file(file: &Path) -> anyhow::Result<()> {
    let args = vec![OsString::from("bootstrap")];
    match parse(args, Some(file.to_path_buf()), &[])? {
        Ok(_) => Ok(()),
        Err(usage) => bail!("`{}` has a bad setting: {}", file.display(), usage.kind()),
    }
}

/// `command` with the settings of the config file `file` as the defaults of its
/// flags (and its subcommands' flags) of those names: for the developer tool's
/// commands that take `bootstrap`'s settings. Every key must be one of `bootstrap`'s.
pub fn config_defaults(file: &Path, mut command: clap::Command) -> anyhow::Result<clap::Command> {
    let runtime = Cli::command();
    for (key, value) in read_settings(file)? {
        if !is_file_setting(&runtime, &key) {
            bail!(
                "unknown setting `{key}` in `{}` (its keys are the flag names of `bootstrap --help`)",
                file.display()
            );
        }
        command = with_default(command, &key, value);
    }
    Ok(command)
}

/// The value given to `flag` on the command line, as `--flag value` or `--flag=value`.
fn flag_value(args: &[OsString], flag: &str) -> Option<OsString> {
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        if text == flag {
            return args.next().cloned();
        }
        if let Some(value) = text.strip_prefix(flag).and_then(|v| v.strip_prefix('=')) {
            return Some(value.into());
        }
    }
    None
}

/// The file's settings as `(flag name, value)`; a list becomes comma-separated.
fn read_settings(file: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the config file `{}`", file.display()))?;
    let table: toml::Table = text
        .parse()
        .with_context(|| format!("`{}` is not valid TOML", file.display()))?;
    table
        .into_iter()
        .map(|(key, value)| {
            let value = setting_value(&value)
                .with_context(|| format!("bad value of `{key}` in `{}`", file.display()))?;
            Ok((key, value))
        })
        .collect()
}

fn setting_value(value: &toml::Value) -> anyhow::Result<String> {
    Ok(match value {
        toml::Value::String(text) => text.clone(),
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Float(x) => x.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Array(items) => items
            .iter()
            .map(setting_value)
            .collect::<anyhow::Result<Vec<_>>>()?
            .join(","),
        other => bail!(
            "expected a string, number, boolean or list, found {}",
            other.type_str()
        ),
    })
}

/// `command` with `value` as the default of the flag `key`, wherever it has the flag
/// (itself, its subcommands).
fn with_default(command: clap::Command, key: &str, value: String) -> clap::Command {
    let set = |command: clap::Command| match flag_id(&command, key) {
        Some(id) => command.mut_arg(id, |arg| arg.default_value(value.clone())),
        None => command,
    };
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_string())
        .collect();
    let mut command = set(command);
    for name in names {
        command = command.mut_subcommand(name, set);
    }
    command
}

/// Whether `key` may be set in the file: a flag of `bootstrap --help` (hidden ones are
/// the platform's variables and the cache's `$HOME`, not settings).
fn is_file_setting(command: &clap::Command, key: &str) -> bool {
    !NOT_IN_FILE.contains(&key)
        && command
            .get_arguments()
            .any(|arg| arg.get_long() == Some(key) && !arg.is_hide_set())
}

fn flag_id(command: &clap::Command, key: &str) -> Option<clap::Id> {
    command
        .get_arguments()
        .find(|arg| arg.get_long() == Some(key))
        .map(|arg| arg.get_id().clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    fn parsed(list: &[&str], named: &Path) -> Cli {
        parse(args(list), Some(named.to_path_buf()), &[])
            .unwrap()
            .unwrap()
    }

    #[test]
    fn file_settings_become_defaults_and_flags_win() {
        let config =
            file("max-instances = 4\nwatch = true\nallow-net = [\"a.test\", \"b.test:443\"]\n");
        let cli = parsed(&["bootstrap"], config.path());
        assert_eq!(cli.serve.max_instances, 4);
        assert!(cli.serve.watch);
        assert_eq!(
            cli.serve.call.allow_net.as_deref(),
            Some("a.test,b.test:443")
        );
        let cli = parsed(&["bootstrap", "--max-instances", "2"], config.path());
        assert_eq!(cli.serve.max_instances, 2);
    }

    #[test]
    fn the_config_flag_names_the_file() {
        let config = file("max-instances = 3\n");
        let path = config.path().display().to_string();
        let cli = parse(args(&["bootstrap", "--config", &path]), None, &[])
            .unwrap()
            .unwrap();
        assert_eq!(cli.serve.max_instances, 3);
        let equals = format!("--config={path}");
        let cli = parse(args(&["bootstrap", &equals]), None, &[])
            .unwrap()
            .unwrap();
        assert_eq!(cli.serve.max_instances, 3);
    }

    #[test]
    fn the_file_beside_the_executable_is_found() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE_NAME), "max-instances = 7\n").unwrap();
        let cli = parse(args(&["bootstrap"]), None, &[dir.path().to_path_buf()])
            .unwrap()
            .unwrap();
        assert_eq!(cli.serve.max_instances, 7);
    }

    #[test]
    fn unknown_settings_and_bad_values_name_the_file() {
        let config = file("max-instance = 4\n");
        let err = parse(args(&["bootstrap"]), Some(config.path().into()), &[]).unwrap_err();
        assert!(
            format!("{err:#}").contains("unknown setting `max-instance`"),
            "{err:#}"
        );
        for hidden in [
            "fc-server-port = \"1\"",
            "xdg-cache-home = \"/x\"",
            "home-dir = \"/h\"",
        ] {
            let config = file(&format!("{hidden}\n"));
            let err = parse(args(&["bootstrap"]), Some(config.path().into()), &[]).unwrap_err();
            assert!(
                format!("{err:#}").contains("unknown setting"),
                "{hidden}: {err:#}"
            );
        }
        let config = file("max-instances = \"many\"\n");
        let usage = parse(args(&["bootstrap"]), Some(config.path().into()), &[]).unwrap();
        assert!(usage.is_err(), "a bad value is clap's error");
        let broken = file("max-instances = ");
        let err = parse(args(&["bootstrap"]), Some(broken.path().into()), &[]).unwrap_err();
        assert!(format!("{err:#}").contains("not valid TOML"), "{err:#}");
    }
}
