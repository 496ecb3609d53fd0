//! `fcwasm invoke`: one call, without a server, through the same router `bootstrap`
//! uses. The result body goes to stdout and the FC log to stderr; a failed call makes
//! the exit code non-zero. This is how users try events and how scripts test guests.

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use bytes::Bytes;
use clap::Args;
use http::{HeaderName, HeaderValue, Request};
use http_body_util::{BodyExt as _, Full};

use host::headers as h;
use host::{CallArgs, Host, LogSink, PeerAddr};

/// Arguments of `fcwasm invoke`. The event comes as with `s local invoke`: inline
/// (`-e`), from a file (`-f`), or an example event of an FC trigger.
#[derive(Clone, Debug, Args)]
#[command(group = clap::ArgGroup::new("source").args(["event", "event_file", "event_example"]))]
pub struct InvokeArgs {
    /// The event itself, e.g. `-e '{"key": "value"}'`. [default: an empty event]
    #[arg(short = 'e', long, value_name = "EVENT")]
    pub event: Option<String>,

    /// The event from a file, or `-` for stdin.
    #[arg(short = 'f', long, value_name = "FILE|-")]
    pub event_file: Option<PathBuf>,

    /// An example event of an FC trigger, in the shape the platform sends it.
    #[arg(long, value_enum, value_name = "TRIGGER")]
    pub event_example: Option<crate::events::Trigger>,

    /// Run `/initialize` first, as the platform does when an initializer is configured.
    #[arg(long)]
    pub initialize: bool,

    /// Send an HTTP-function request instead of an event: `"METHOD /path?query"`.
    #[arg(long, value_name = "METHOD PATH")]
    pub http: Option<String>,

    /// A header of the HTTP request, `name: value`; repeatable.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,

    /// The HTTP request body: a file, or `-` for stdin.
    #[arg(long, value_name = "FILE|-")]
    pub body: Option<PathBuf>,

    /// A `bootstrap.toml` whose settings are this command's defaults, as they are
    /// `bootstrap`'s.
    #[arg(long, env = "BOOTSTRAP_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The call's context, as the platform's headers would carry it.
    #[command(flatten)]
    pub context: ContextArgs,

    /// The module, limits and grants.
    #[command(flatten)]
    pub call: CallArgs,
}

/// Context fields, with defaults like a freshly created FC function's.
#[derive(Clone, Debug, Args)]
pub struct ContextArgs {
    /// Request id. [default: a generated one]
    #[arg(long)]
    pub request_id: Option<String>,
    /// Function name. [default: the module's file name without extension]
    #[arg(long)]
    pub function_name: Option<String>,
    /// Configured handler string.
    #[arg(long, default_value = "index.handler")]
    pub function_handler: String,
    /// Memory size, MB.
    #[arg(long, default_value_t = 512)]
    pub memory: u32,
    /// Function timeout, seconds.
    #[arg(long, default_value_t = 60)]
    pub timeout: u32,
    /// Configured initializer string (`x-fc-function-initializer`).
    #[arg(long, default_value = "index.initializer")]
    pub function_initializer: String,
    /// Initializer timeout the platform sends (`x-fc-initialization-timeout`), seconds;
    /// `--initialization-timeout` overrides it, as on a served call.
    #[arg(long, default_value_t = 60)]
    pub initializer_timeout: u32,
    /// Service name.
    #[arg(long, default_value = "")]
    pub service: String,
    /// Version or alias called.
    #[arg(long, default_value = "LATEST")]
    pub qualifier: String,
    /// Region.
    #[arg(long, default_value = "cn-hangzhou")]
    pub region: String,
    /// Account id.
    #[arg(long, default_value = "1234567890123456")]
    pub account_id: String,
    /// Retries of an asynchronous invocation.
    #[arg(long, default_value_t = 0)]
    pub retry_count: u32,
}

impl ContextArgs {
    /// The `x-fc-*` headers these fields become; credentials come from the role's
    /// `ALIBABA_CLOUD_*` variables when they are set, as on FC.
    fn headers(&self, module: &Path) -> Vec<(&'static str, String)> {
        let name = self.function_name.clone().unwrap_or_else(|| {
            module
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        let env = |name| std::env::var(name).unwrap_or_default();
        let mut headers = vec![
            (h::FUNCTION_NAME, name),
            (h::FUNCTION_HANDLER, self.function_handler.clone()),
            (h::FUNCTION_MEMORY, self.memory.to_string()),
            (h::FUNCTION_TIMEOUT, self.timeout.to_string()),
            (h::FUNCTION_INITIALIZER, self.function_initializer.clone()),
            (
                h::INITIALIZATION_TIMEOUT,
                self.initializer_timeout.to_string(),
            ),
            (h::SERVICE_NAME, self.service.clone()),
            (h::QUALIFIER, self.qualifier.clone()),
            (h::REGION, self.region.clone()),
            (h::ACCOUNT_ID, self.account_id.clone()),
            (h::RETRY_COUNT, self.retry_count.to_string()),
            (h::ACCESS_KEY_ID, env("ALIBABA_CLOUD_ACCESS_KEY_ID")),
            (h::ACCESS_KEY_SECRET, env("ALIBABA_CLOUD_ACCESS_KEY_SECRET")),
            (h::SECURITY_TOKEN, env("ALIBABA_CLOUD_SECURITY_TOKEN")),
        ];
        if let Some(id) = &self.request_id {
            headers.push((h::REQUEST_ID, id.clone()));
        }
        headers
    }
}

/// Runs `/initialize` (if asked) and then the call.
pub(crate) async fn run(args: InvokeArgs) -> anyhow::Result<()> {
    let host = Host::load(&args.call, 1, LogSink::Stderr)?;
    let context = args.context.headers(host.module_path());
    if args.initialize {
        let request =
            platform_request("POST", "/initialize", "/initialize", &context, Bytes::new())?;
        let response = host.router().handle(request).await;
        if response.status() != 200 {
            let body = collect(response.into_body()).await?;
            bail!("/initialize failed: {}", String::from_utf8_lossy(&body));
        }
    }
    let request = match &args.http {
        Some(line) => http_request(
            line,
            &args.headers,
            read_input(args.body.as_deref())?,
            &context,
        )?,
        None => platform_request("POST", "/invoke", "/invoke", &context, event(&args)?)?,
    };
    let response = host.router().handle(request).await;
    let (parts, body) = response.into_parts();
    let body = collect(body).await?;
    if args.http.is_some() {
        eprintln!("HTTP/1.1 {}", parts.status);
        for (name, value) in &parts.headers {
            eprintln!("{name}: {}", String::from_utf8_lossy(value.as_bytes()));
        }
    }
    std::io::stdout().write_all(&body)?;
    std::io::stdout().flush()?;
    let failed = parts.headers.get(h::STATUS).is_some_and(|s| s != "200")
        || parts.headers.contains_key(h::ERROR_TYPE)
        || (args.http.is_none() && parts.status != 200);
    if failed {
        bail!("the call failed with status {}", parts.status);
    }
    Ok(())
}

async fn collect(body: host::HostBody) -> anyhow::Result<Bytes> {
    let collected = body.collect().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(collected.to_bytes())
}

/// The event of an invoke: inline, from a file, an example, or empty.
fn event(args: &InvokeArgs) -> anyhow::Result<Bytes> {
    if let Some(inline) = &args.event {
        return Ok(Bytes::from(inline.clone()));
    }
    if let Some(trigger) = args.event_example {
        return Ok(Bytes::from_static(trigger.example().as_bytes()));
    }
    read_input(args.event_file.as_deref())
}

/// A file's bytes, stdin's for `-`, or nothing.
fn read_input(path: Option<&Path>) -> anyhow::Result<Bytes> {
    match path {
        None => Ok(Bytes::new()),
        Some(path) if path == Path::new("-") => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("cannot read stdin")?;
            Ok(bytes.into())
        }
        Some(path) => Ok(std::fs::read(path)
            .with_context(|| format!("cannot read `{}`", path.display()))?
            .into()),
    }
}

/// A request as the platform sends it, with `x-fc-control-path` and the context.
fn platform_request(
    method: &str,
    path: &str,
    control: &str,
    context: &[(&'static str, String)],
    body: Bytes,
) -> anyhow::Result<Request<Full<Bytes>>> {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(http::header::HOST, "localhost")
        .header(h::CONTROL_PATH, control)
        .extension(PeerAddr(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))));
    for (name, value) in context {
        request = request.header(*name, value.as_str());
    }
    Ok(request.body(Full::new(body))?)
}

/// An HTTP-function request from `"METHOD /path?query"` and `name: value` headers.
fn http_request(
    line: &str,
    headers: &[String],
    body: Bytes,
    context: &[(&'static str, String)],
) -> anyhow::Result<Request<Full<Bytes>>> {
    let (method, target) = line
        .trim()
        .split_once(' ')
        .with_context(|| format!("`--http {line}` should look like `GET /path?query`"))?;
    let mut request =
        platform_request(method.trim(), target.trim(), "/http-invoke", context, body)?;
    for header in headers {
        let (name, value) = header
            .split_once(':')
            .with_context(|| format!("header `{header}` should look like `name: value`"))?;
        request.headers_mut().append(
            HeaderName::from_bytes(name.trim().as_bytes())
                .with_context(|| format!("bad header name in `{header}`"))?,
            HeaderValue::from_str(value.trim())
                .with_context(|| format!("bad header value in `{header}`"))?,
        );
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_line_and_headers_make_a_request() {
        let request =
            http_request("PUT /a?b=1", &["x-k: v".into()], Bytes::from("x"), &[]).unwrap();
        assert_eq!(request.method(), "PUT");
        assert_eq!(request.uri(), "/a?b=1");
        assert_eq!(request.headers()["x-k"], "v");
        assert_eq!(request.headers()[h::CONTROL_PATH], "/http-invoke");
    }

    #[test]
    fn malformed_http_line_is_an_error() {
        assert!(http_request("GET", &[], Bytes::new(), &[]).is_err());
        assert!(http_request("GET /", &["no colon".into()], Bytes::new(), &[]).is_err());
    }
}
