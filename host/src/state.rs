//! The per-store state of a guest instance, built from the module's [`Grants`]: its
//! WASI context (environment, `/tmp`, `/code`, network), its HTTP hooks and its
//! memory cap. The grants themselves are described in [`crate::sandbox`].

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

use crate::bindings::{Level, log, types};
use crate::logs::{GuestLog, Stream};
use crate::sandbox::{Grants, NetPolicy, TmpDir};
use crate::stdio::GuestStream;

/// What one guest instance's store holds.
pub(crate) struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    http: WasiHttpCtx,
    hooks: HttpHooks,
    pub(crate) memory: MemoryCap,
    /// When the running call must stop, checked at every epoch tick.
    pub(crate) deadline: Option<CallDeadline>,
    log: GuestLog,
    _tmp: TmpDir,
}

/// The wall-clock end of a call's budget.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallDeadline {
    /// The instant the call must be stopped at.
    pub(crate) at: std::time::Instant,
    /// The budget it was given, for the error message.
    pub(crate) limit: std::time::Duration,
}

impl std::fmt::Debug for HostState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostState").finish_non_exhaustive()
    }
}

impl HostState {
    /// State for a new instance whose output goes to `log`.
    pub(crate) fn new(log: GuestLog, grants: &Grants) -> anyhow::Result<Self> {
        let tmp = TmpDir::create(&grants.tmp_root)?;
        let mut builder = WasiCtx::builder();
        builder
            .stdout(GuestStream::new(log.clone(), Stream::Stdout))
            .stderr(GuestStream::new(log.clone(), Stream::Stderr))
            .envs(&grants.env)
            .preopened_dir(tmp.path(), "/tmp", FsPerms::ReadWrite)?;
        if let Some(code) = &grants.code_dir {
            builder.preopened_dir(code, "/code", FsPerms::ReadOnly)?;
        }
        allow_network(&mut builder, &grants.net, &log);
        Ok(HostState {
            wasi: builder.build(),
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
            hooks: HttpHooks {
                net: grants.net.clone(),
                log: log.clone(),
            },
            memory: MemoryCap::default(),
            deadline: None,
            log,
            _tmp: tmp,
        })
    }
}

/// TCP, UDP and name lookup, with every address checked against the policy.
fn allow_network(builder: &mut wasmtime_wasi::WasiCtxBuilder, net: &NetPolicy, log: &GuestLog) {
    builder
        .allow_tcp(true)
        .allow_udp(true)
        .allow_ip_name_lookup(true);
    let net = net.clone();
    let log = log.clone();
    builder.socket_addr_check(move |addr, usage| {
        let net = net.clone();
        let log = log.clone();
        Box::pin(async move {
            // Binding (explicitly or before a connect) reaches nobody.
            if matches!(usage, SocketAddrUse::TcpBind | SocketAddrUse::UdpBind) {
                return true;
            }
            let allowed = net.allows_addr(addr).await;
            if !allowed {
                refused(&log, &addr.to_string());
            }
            allowed
        })
    });
}

/// Logs a refused connection, in the call's FC log and on stderr.
fn refused(log: &GuestLog, target: &str) {
    let message =
        format!("refused outbound connection to {target}: not in the allow-list (--allow-net)");
    log.write_record("WARN", message.as_bytes());
    tracing::warn!("{message}");
}

/// How the guest's outgoing `wasi:http` requests are sent: wasmtime-wasi-http's
/// defaults (HTTP and HTTPS), after the allow-list check.
struct HttpHooks {
    net: NetPolicy,
    log: GuestLog,
}

impl WasiHttpHooks for HttpHooks {
    fn send_request(
        &mut self,
        request: http::Request<wasmtime_wasi_http::WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = wasmtime_wasi_http::Result<(
                    http::Response<wasmtime_wasi_http::WasiBody>,
                    Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
                )>,
            > + Send,
    > {
        let uri = request.uri();
        let host = uri.host().unwrap_or_default().to_string();
        let https = uri.scheme_str() == Some("https");
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        if !self.net.allows_host(&host, port) {
            refused(&self.log, &format!("{host}:{port}"));
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        let _ = fut;
        Box::new(async move {
            use http_body_util::BodyExt;
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

/// Caps each linear memory (and table) of an instance, and remembers when a guest
/// asked for more, so its trap can be reported as running out of memory.
#[derive(Debug, Default)]
pub(crate) struct MemoryCap {
    /// Largest size of a linear memory, in bytes; `None` leaves the engine's limit.
    pub(crate) max_bytes: Option<usize>,
    /// The size a refused growth asked for, since the last [`MemoryCap::take_denied`].
    denied: Option<usize>,
}

/// Most table elements a guest may have (wasmtime's pooling allocator default).
pub(crate) const MAX_TABLE_ELEMENTS: usize = 20_000;

impl MemoryCap {
    /// The size of the last refused growth, clearing it.
    pub(crate) fn take_denied(&mut self) -> Option<usize> {
        self.denied.take()
    }
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.max_bytes.is_none_or(|max| desired <= max);
        if !allowed {
            self.denied = Some(desired);
        }
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            hooks: &mut self.hooks,
            table: &mut self.table,
            ctx: &mut self.http,
        }
    }
}

impl types::Host for HostState {}

impl log::Host for HostState {
    fn log(&mut self, level: Level, message: String) {
        self.log.write_record(level_name(level), message.as_bytes());
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Trace => "TRACE",
        Level::Debug => "DEBUG",
        Level::Info => "INFO",
        Level::Warn => "WARN",
        Level::Error => "ERROR",
    }
}
