//! `fcwasm new NAME`: a new function project that builds, serves with `--watch` and
//! packages, as `cargo lambda new` and `spin new` start one. Rust for now: an event
//! function, or an HTTP function with `--http`.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Args;

/// Arguments of `fcwasm new`.
#[derive(Clone, Debug, Args)]
pub struct NewArgs {
    /// The project's name (a directory of that name is made).
    pub name: String,

    /// An HTTP function (HTTP triggers) instead of an event function.
    #[arg(long)]
    pub http: bool,

    /// The guest SDK the project depends on. [default: the SDK of the repository this
    /// bootstrap was built from]
    #[arg(long, value_name = "DIR")]
    pub sdk: Option<PathBuf>,
}

/// The SDK of the repository this executable was built from.
const BUILT_FROM_SDK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../guest-sdk");

/// One file of a template: where it goes in the project, and its text.
struct TemplateFile {
    path: &'static str,
    text: &'static str,
}

/// A template file at `path` in the project, from `templates/<source>`.
macro_rules! template {
    ($path:literal, $source:literal) => {
        TemplateFile {
            path: $path,
            text: include_str!(concat!("templates/", $source)),
        }
    };
}

const COMMON: [TemplateFile; 4] = [
    template!("Cargo.toml", "rust-common/Cargo.toml"),
    template!(".cargo/config.toml", "rust-common/config.toml"),
    template!(".gitignore", "rust-common/gitignore"),
    template!("README.md", "rust-common/README.md"),
];

const EVENT: TemplateFile = template!("src/lib.rs", "rust-event/src/lib.rs");

const HTTP: TemplateFile = template!("src/lib.rs", "rust-http/src/lib.rs");

/// Writes the project.
pub(crate) fn run(args: &NewArgs) -> anyhow::Result<()> {
    check_name(&args.name)?;
    let dir = PathBuf::from(&args.name);
    if dir.exists() {
        bail!("`{}` already exists", dir.display());
    }
    let sdk = sdk_path(args.sdk.as_deref())?;
    let values = Values::new(&args.name, &sdk, args.http);
    let source = if args.http { &HTTP } else { &EVENT };
    for file in COMMON.iter().chain([source]) {
        let path = dir.join(file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create `{}`", parent.display()))?;
        }
        std::fs::write(&path, values.fill(file.text))
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    eprintln!(
        "made `{}`: cd {} && cargo build --release && bootstrap --watch --module target/wasm32-wasip2/release/{}.wasm",
        dir.display(),
        args.name,
        values.file
    );
    Ok(())
}

/// A name cargo takes for a package.
fn check_name(name: &str) -> anyhow::Result<()> {
    let valid = !name.is_empty()
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        bail!(
            "`{name}` is not a package name: use letters, digits, `-` and `_`, starting with a letter"
        );
    }
    Ok(())
}

/// The SDK to depend on, as an absolute path.
fn sdk_path(flag: Option<&Path>) -> anyhow::Result<PathBuf> {
    let sdk = flag.map_or_else(|| PathBuf::from(BUILT_FROM_SDK), Path::to_path_buf);
    std::fs::canonicalize(&sdk).with_context(|| {
        format!(
            "no guest SDK at `{}`: pass --sdk <the guest-sdk directory of a bootstrap checkout>",
            sdk.display()
        )
    })
}

/// What the templates' `{{…}}` become.
struct Values {
    name: String,
    file: String,
    sdk: String,
    kind: &'static str,
    try_it: String,
}

impl Values {
    fn new(name: &str, sdk: &Path, http: bool) -> Self {
        let try_it = if http {
            "curl localhost:9000/                                             # hello from …"
                .to_string()
        } else {
            "curl -XPOST localhost:9000/invoke -d world                       # hello world from …"
                .to_string()
        };
        Values {
            name: name.to_string(),
            file: name.replace('-', "_"),
            sdk: sdk.display().to_string(),
            kind: if http { "HTTP" } else { "event" },
            try_it,
        }
    }

    fn fill(&self, template: &str) -> String {
        template
            .replace("{{name}}", &self.name)
            .replace("{{file}}", &self.file)
            .replace("{{sdk}}", &self.sdk)
            .replace("{{kind}}", self.kind)
            .replace("{{try}}", &self.try_it)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_suit_cargo() {
        assert!(check_name("my-handler").is_ok());
        assert!(check_name("h2_o").is_ok());
        for bad in ["", "1st", "a b", "../x", "é"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn templates_are_filled() {
        let values = Values::new("my-fn", Path::new("/sdk"), false);
        let manifest = values.fill(COMMON[0].text);
        assert!(manifest.contains("name = \"my-fn\""));
        assert!(manifest.contains("guest-sdk = { path = \"/sdk\" }"));
        assert!(values.fill(COMMON[3].text).contains("release/my_fn.wasm"));
        assert!(!values.fill(HTTP.text).contains("{{"));
    }
}
