//! The per-store state of a guest instance, built from the module's [`Grants`]: its
//! WASI context (environment, `/tmp`, `/code`, the module's folders, network), its HTTP hooks, and its shares
//! of the budgets all instances have together (memory, descriptors, disk). The grants
//! themselves are described in [`crate::sandbox`].

pub(crate) mod network;

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use self::network::{HttpHooks, allow_network};
use crate::bindings::{Level, log, types};
use crate::logs::{GuestLog, Stream};
use crate::sandbox::fds::FdUse;
use crate::sandbox::files::mounts;
use crate::sandbox::memory::MemoryCap;
use crate::sandbox::quota::DiskQuota;
use crate::sandbox::tmp::TmpDir;
use crate::sandbox::{Grants, NetPolicy};
use crate::stdio::GuestStream;

/// Resources (streams, pollables, HTTP bodies, …) one instance's table may hold besides
/// its descriptors: past it, a host call that makes one traps (and the instance is
/// replaced), so a guest cannot fill the host's memory with them. Descriptors have
/// their own budget, which refuses opens with an error the guest can handle.
const TABLE_ENTRIES_BESIDES_DESCRIPTORS: usize = 16 * 1024;

/// What one guest instance's store holds.
pub(crate) struct HostState {
    wasi: WasiCtx,
    /// The instance's resources (files, sockets, streams).
    pub(crate) table: ResourceTable,
    http: WasiHttpCtx,
    hooks: HttpHooks,
    pub(crate) memory: MemoryCap,
    /// When the running call must stop, checked at every epoch tick.
    pub(crate) deadline: Option<CallDeadline>,
    /// The descriptors this instance holds.
    pub(crate) fds: FdUse,
    /// The disk all instances' `/tmp` share.
    pub(crate) quota: Arc<DiskQuota>,
    /// Where it may connect, look up and listen.
    pub(crate) net: NetPolicy,
    /// Whether it may listen on a TCP socket.
    pub(crate) allow_listen: bool,
    /// FC's id of this instance, as the context tells guests.
    pub(crate) instance_id: Arc<str>,
    pub(crate) log: GuestLog,
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
        // Reasons were logged when the grants were made.
        for mount in mounts(&grants.module_files, &mut |_, _| {}) {
            builder.preopened_dir(&mount.host, &mount.guest, FsPerms::ReadOnly)?;
        }
        allow_network(&mut builder, grants, &log);
        let mut table = ResourceTable::new();
        table.set_max_capacity(grants.fds.per_instance() + TABLE_ENTRIES_BESIDES_DESCRIPTORS);
        Ok(HostState {
            wasi: builder.build(),
            table,
            http: WasiHttpCtx::new(),
            hooks: HttpHooks {
                net: grants.net.clone(),
                log: log.clone(),
            },
            memory: MemoryCap::new(&grants.memory),
            deadline: None,
            fds: FdUse::new(&grants.fds),
            quota: Arc::clone(&grants.quota),
            net: grants.net.clone(),
            allow_listen: grants.allow_listen,
            instance_id: Arc::clone(&grants.instance_id),
            log,
            _tmp: tmp,
        })
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
    fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        self.log.write_record(level_name(level), message.as_bytes());
        Ok(())
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
