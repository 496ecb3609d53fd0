//! The per-store state of a guest instance and the capabilities it is granted.
//!
//! Every grant is explicit here: the guest gets its stdout/stderr (as FC log records),
//! clocks and randomness. It does not inherit the host's environment, arguments,
//! files or network.

use wasmtime::component::ResourceTable;
use wasmtime::{StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

use crate::bindings::{Level, log, types};
use crate::logs::{GuestLog, Stream};
use crate::stdio::GuestStream;

/// What one guest instance's store holds.
pub(crate) struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    http: WasiHttpCtx,
    hooks: HttpHooks,
    pub(crate) limits: StoreLimits,
    log: GuestLog,
}

/// How the guest's outgoing `wasi:http` requests are sent: wasmtime-wasi-http's
/// defaults (HTTP and HTTPS).
#[derive(Debug, Default)]
struct HttpHooks;

impl WasiHttpHooks for HttpHooks {}

impl std::fmt::Debug for HostState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostState").finish_non_exhaustive()
    }
}

impl HostState {
    /// State for a new instance whose output goes to `log`.
    pub(crate) fn new(log: GuestLog) -> Self {
        let wasi = WasiCtx::builder()
            .stdout(GuestStream::new(log.clone(), Stream::Stdout))
            .stderr(GuestStream::new(log.clone(), Stream::Stderr))
            .build();
        HostState {
            wasi,
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
            hooks: HttpHooks,
            limits: StoreLimitsBuilder::new()
                .trap_on_grow_failure(false)
                .build(),
            log,
        }
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
