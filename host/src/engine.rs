//! Wasmtime behind one module: the engine configuration (component model, async calls,
//! epoch interruption, pooling allocator with copy-on-write memory images), the linker
//! with everything a guest may import, and loading a component into a [`Module`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::RecvTimeoutError;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context as _, bail};
use wasmtime::component::{Component, InstancePre, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::bindings::{
    Handler, PACKAGE_VERSION, event_handler, http_handler, incoming_handler, lifecycle,
};
use crate::compile_cache::CompileCache;
use crate::native_code::{self, ModuleDigest, Refused, TrustedDir};
use crate::state::HostState;

/// How often the epoch advances. A running guest yields to the scheduler at each tick,
/// so a tick bounds both how long a looping guest can hold a worker thread and how late
/// a deadline can fire.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Pool slots reserved beyond two generations of instances (hot swap overlap).
const SPARE_SLOTS: u32 = 4;

/// The wasmtime engine and linker shared by every module generation.
#[derive(Clone)]
pub(crate) struct WasmEngine {
    engine: Engine,
    linker: Arc<Linker<HostState>>,
    cache: Option<CompileCache>,
    _ticker: Arc<EpochTicker>,
}

impl std::fmt::Debug for WasmEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmEngine").finish_non_exhaustive()
    }
}

impl WasmEngine {
    /// Builds an engine whose pooling allocator has room for `max_instances` live
    /// instances of two module generations at once. With `perf_map`, wasmtime writes `/tmp/perf-<pid>.map` for `perf`.
    pub(crate) fn new(max_instances: usize, perf_map: bool) -> anyhow::Result<Self> {
        let engine = Engine::new(&engine_config(max_instances, perf_map)?)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        crate::guards::add_to_linker(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        Handler::add_to_linker::<_, wasmtime::component::HasSelf<HostState>>(&mut linker, |s| s)?;
        let ticker = EpochTicker::start(engine.clone()).context("cannot start the epoch thread")?;
        Ok(WasmEngine {
            _ticker: Arc::new(ticker),
            engine,
            linker: Arc::new(linker),
            cache: None,
        })
    }

    /// Whether compiled modules are kept in a cache.
    pub(crate) fn has_cache(&self) -> bool {
        self.cache.is_some()
    }

    /// Keeps compiled modules in `cache` (none: compile each time).
    pub(crate) fn with_cache(mut self, cache: Option<CompileCache>) -> Self {
        self.cache = cache;
        self
    }

    /// Loads and links the component at `path`, and finds out which handler
    /// interfaces it exports. A precompiled file (`fcwasm compile`) is mapped
    /// instead of compiling: `path` itself if it is one, or `<stem>.cwasm` beside it
    /// when [`native_code`]'s rule lets the host use it (trusted, whole, and compiled
    /// from this module). One this engine cannot use (another wasmtime version or
    /// configuration) is rejected with the reason, never loaded.
    pub(crate) fn load(&self, path: &Path) -> anyhow::Result<Module> {
        let component = self.component(path)?;
        self.link(path, component)
    }

    /// The component at `path`: mapped when it is precompiled, or has a `.cwasm`
    /// beside it that [`native_code`]'s rule lets the host use (trusted, whole, and
    /// compiled from this module), else compiled, through the cache when there is one.
    fn component(&self, path: &Path) -> anyhow::Result<Component> {
        if let Ok(Some(_)) = Engine::detect_precompiled_file(path) {
            // Nothing to compile from: a file the rule refuses is an error.
            let file = open_native(path)?;
            native_code::check_whole(&file, path)?;
            return self.map_open(&file, path);
        }
        let cannot_read = || format!("cannot read `{}`", path.display());
        let module = std::fs::File::open(path).with_context(cannot_read)?;
        let precompiled = precompiled_path(path);
        if std::fs::symlink_metadata(&precompiled).is_ok() {
            match self.beside(&precompiled, path, &module) {
                Ok(component) => {
                    tracing::info!("using precompiled `{}`", precompiled.display());
                    return Ok(component);
                }
                Err(error) => tracing::warn!(
                    "not using `{}`: {error:#}; compiling `{}` instead",
                    precompiled.display(),
                    path.display()
                ),
            }
        }
        match &self.cache {
            Some(cache) => self.compile_cached(cache, path, &module),
            None => {
                tracing::info!(
                    "compiling `{}` (no usable `{}`; `fcwasm compile` makes one)",
                    path.display(),
                    precompiled.display()
                );
                self.compile(path, &read_whole(&module).with_context(cannot_read)?)
            }
        }
    }

    /// The `.cwasm` beside the module opened as `module` (at `module_path`), if the
    /// rule lets the host use it. The module is hashed while the `.cwasm` is checked,
    /// on two threads: both are read whole at every start.
    fn beside(
        &self,
        precompiled: &Path,
        module_path: &Path,
        module: &std::fs::File,
    ) -> anyhow::Result<Component> {
        let (digest, checked) = std::thread::scope(|scope| {
            let checked = scope.spawn(|| {
                let file = open_native(precompiled)?;
                let trailer = native_code::check_whole(&file, precompiled)?;
                Ok::<_, Refused>((file, trailer))
            });
            let digest = ModuleDigest::read(module, |_| {});
            let checked = checked
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (digest, checked)
        });
        match (digest, checked) {
            (_, Err(refused)) => Err(refused.into()),
            (Err(error), _) => Err(anyhow::anyhow!(
                "cannot read `{}`: {error}",
                module_path.display()
            )),
            (Ok(digest), Ok((_, trailer))) if !trailer.is_of(&digest) => {
                Err(Refused::OtherModule(precompiled.into(), module_path.into()).into())
            }
            (Ok(_), Ok((file, _))) => self.map_open(&file, precompiled),
        }
    }

    /// Maps the compiled form of the module opened as `module` (at `path`) from the
    /// cache, or compiles it and stores it there. A cache that cannot be used or
    /// written only costs a compilation.
    fn compile_cached(
        &self,
        cache: &CompileCache,
        path: &Path,
        module: &std::fs::File,
    ) -> anyhow::Result<Component> {
        let cannot_read = || format!("cannot read `{}`", path.display());
        let bytes = || read_whole(module).with_context(cannot_read);
        let dir = match cache.open() {
            Ok(dir) => dir,
            Err(why) => {
                tracing::warn!("{why}: the compile cache is not used");
                return self.compile(path, &bytes()?);
            }
        };
        let (name, digest) = cache
            .name_and_digest_of(&self.engine, module)
            .with_context(cannot_read)?;
        let cached = cache.path_of(&name);
        match self.cached(&dir, &name, &cached, &digest) {
            Ok(Some(component)) => {
                dir.touch(&name);
                tracing::info!("using `{}` compiled before", cached.display());
                return Ok(component);
            }
            Ok(None) => {}
            Err(error) => tracing::warn!("{error:#}; compiling `{}` again", path.display()),
        }
        tracing::info!("compiling `{}` into `{}`", path.display(), cached.display());
        let bytes = bytes()?;
        let component = self.compile(path, &bytes)?;
        // Named by the bytes compiled, should the file have changed since it was hashed.
        let digest = ModuleDigest::of(&bytes);
        let name = cache.name_for(&self.engine, &bytes);
        let stored = component
            .serialize()
            .map_err(anyhow::Error::from)
            .and_then(|compiled| cache.store(&dir, &name, &native_code::seal(compiled, &digest)));
        if let Err(error) = stored {
            tracing::warn!("{error:#}: the compiled module is not kept");
        }
        Ok(component)
    }

    /// The cache's entry `name` for the module of identity `digest`: none when there is
    /// none, an error when the rule refuses it.
    fn cached(
        &self,
        dir: &TrustedDir,
        name: &str,
        path: &Path,
        digest: &ModuleDigest,
    ) -> anyhow::Result<Option<Component>> {
        let file = match dir.open_file(name) {
            Err(Refused::Open(_, error)) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(None);
            }
            opened => opened?,
        };
        if !native_code::check_whole(&file, path)?.is_of(digest) {
            return Err(Refused::Damaged(path.into()).into());
        }
        self.map_open(&file, path).map(Some)
    }

    fn compile(&self, path: &Path, bytes: &[u8]) -> anyhow::Result<Component> {
        Component::new(&self.engine, bytes)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("`{}` is not a valid WebAssembly component", path.display()))
    }

    /// Maps the compiled component `file` (at `path`), opened and checked by the rule:
    /// through `/proc/self/fd`, so what is mapped is the file that was checked.
    fn map_open(&self, file: &std::fs::File, path: &Path) -> anyhow::Result<Component> {
        let same_file = native_code::fd_path(file);
        match Engine::detect_precompiled_file(&same_file) {
            Ok(Some(wasmtime::Precompiled::Component)) => {}
            _ => bail!("`{}` is not a precompiled component", path.display()),
        }
        // SAFETY: wasmtime checks that the file was produced by this wasmtime version
        // with a compatible configuration and refuses it otherwise. The file is native
        // code: it is mapped only once the rule of `native_code` let it through (owned
        // by this user or root, writable by no one else, in such a folder, whole, and
        // compiled from this module), from the descriptor those checks were made on.
        #[allow(unsafe_code)]
        let component = unsafe { Component::deserialize_file(&self.engine, &same_file) };
        component.map_err(anyhow::Error::from).with_context(|| {
            format!(
                "`{}` cannot be used: it was precompiled by another wasmtime version or configuration",
                path.display()
            )
        })
    }

    /// The precompiled form of the component at `module` (with its trailer), from where
    /// [`WasmEngine::load`] would take it (a `.cwasm` beside it, the cache), else
    /// compiled now; an error where loading it would fail (another contract version, a
    /// missing import).
    pub(crate) fn precompiled_bytes(&self, module: &Path) -> anyhow::Result<Vec<u8>> {
        let component = self.component(module)?;
        let compiled = component.serialize().map_err(anyhow::Error::from)?;
        self.link(module, component)?;
        if let Ok(Some(_)) = Engine::detect_precompiled_file(module) {
            // Already precompiled, and checked whole by `component`.
            return std::fs::read(module)
                .with_context(|| format!("cannot read `{}`", module.display()));
        }
        let cannot_read = || format!("cannot read `{}`", module.display());
        let file = std::fs::File::open(module).with_context(cannot_read)?;
        let digest = ModuleDigest::read(&file, |_| {}).with_context(cannot_read)?;
        Ok(native_code::seal(compiled, &digest))
    }

    /// Compiles the component at `wasm` into wasmtime's precompiled form, with its
    /// trailer, at `output`: written beside it and renamed over it, so a link at
    /// `output` is replaced, never written through.
    pub(crate) fn precompile(&self, wasm: &Path, output: &Path) -> anyhow::Result<()> {
        let bytes =
            std::fs::read(wasm).with_context(|| format!("cannot read `{}`", wasm.display()))?;
        let compiled = self
            .engine
            .precompile_component(&bytes)
            .map_err(anyhow::Error::from)
            .with_context(|| {
                format!("`{}` is not a valid WebAssembly component", wasm.display())
            })?;
        let sealed = native_code::seal(compiled, &ModuleDigest::of(&bytes));
        crate::replace_file(output, |file| std::io::Write::write_all(file, &sealed))
            .with_context(|| format!("cannot write `{}`", output.display()))
    }

    fn link(&self, path: &Path, component: Component) -> anyhow::Result<Module> {
        self.check_contract(path, &component)?;
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot link `{}`", path.display()))?;
        let exports = Exports::discover(&pre);
        if exports.is_empty() {
            bail!(
                "`{}` exports none of the handler interfaces ({})",
                path.display(),
                Exports::NAMES.join(", ")
            );
        }
        Ok(Module {
            path: path.to_path_buf(),
            pre,
            exports,
            _engine: self.clone(),
        })
    }
}

impl WasmEngine {
    /// Refuses a component built against another version of `fc:runtime`, with one line
    /// naming the version it has and the one it needs (linking would only say that an
    /// import is missing).
    fn check_contract(&self, path: &Path, component: &Component) -> anyhow::Result<()> {
        let ty = component.component_type();
        let imports = ty.imports(&self.engine).map(|(name, _)| name);
        let exports = ty.exports(&self.engine).map(|(name, _)| name);
        let other = imports
            .chain(exports)
            .filter_map(|name| name.strip_prefix("fc:runtime/"))
            .filter_map(|rest| rest.split_once('@').map(|(_, version)| version))
            .find(|version| *version != PACKAGE_VERSION);
        if let Some(version) = other {
            bail!(
                "`{}` was built against fc:runtime@{version}, but this bootstrap serves \
                 fc:runtime@{PACKAGE_VERSION}: rebuild it with the current guest-sdk (or wit/)",
                path.display()
            );
        }
        Ok(())
    }
}

/// Where `fcwasm compile` puts, and the host looks for, a module's precompiled form:
/// `handler.wasm` → `handler.cwasm`.
pub fn precompiled_path(module: &Path) -> PathBuf {
    module.with_extension("cwasm")
}

/// Opens the native-code file `path` by the rule of [`native_code`].
fn open_native(path: &Path) -> Result<std::fs::File, Refused> {
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default();
    TrustedDir::open(dir)?.open_file(name)
}

/// The whole of the opened `file`, read by position from its start.
fn read_whole(file: &std::fs::File) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt as _;
    let mut bytes = vec![0; file.metadata()?.len() as usize];
    file.read_exact_at(&mut bytes, 0)?;
    Ok(bytes)
}

fn engine_config(max_instances: usize, perf_map: bool) -> anyhow::Result<Config> {
    let mut config = Config::new();
    // For profiling guests with `perf`: JIT code symbols in /tmp/perf-<pid>.map.
    if perf_map {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    config
        // No `.eh_frame` for guest code: nothing unwinds natively through wasm frames
        // (wasmtime's traps and backtraces do not need it), and registering it with
        // the static build's libunwind cost a quarter of a cold start.
        .native_unwind_info(false)
        .wasm_component_model(true)
        .epoch_interruption(true)
        .concurrency_support(false)
        .memory_init_cow(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pooling_config(
            max_instances,
        )?));
    Ok(config)
}

fn pooling_config(max_instances: usize) -> anyhow::Result<PoolingAllocationConfig> {
    let instances = u32::try_from(max_instances).context("too many instances")?;
    let slots = instances.saturating_mul(2).saturating_add(SPARE_SLOTS);
    let mut pooling = PoolingAllocationConfig::new();
    pooling
        .total_component_instances(slots)
        .total_core_instances(slots.saturating_mul(16))
        .total_memories(slots.saturating_mul(2))
        .total_tables(slots.saturating_mul(16))
        .total_stacks(slots.saturating_add(SPARE_SLOTS))
        .max_memories_per_module(1)
        .max_tables_per_module(4);
    Ok(pooling)
}

/// A compiled, linked component: one generation of the user's module.
pub(crate) struct Module {
    path: PathBuf,
    pre: InstancePre<HostState>,
    exports: Exports,
    /// Keeps the epoch ticker running for as long as the module can run.
    _engine: WasmEngine,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("path", &self.path)
            .field("exports", &self.exports.names())
            .finish_non_exhaustive()
    }
}

impl Module {
    /// Where the module was loaded from.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The handler interfaces the module exports.
    pub(crate) fn exports(&self) -> &Exports {
        &self.exports
    }

    pub(crate) fn instance_pre(&self) -> &InstancePre<HostState> {
        &self.pre
    }
}

/// Which handler interfaces a component exports, with their pre-resolved indices.
#[derive(Clone)]
pub(crate) struct Exports {
    pub(crate) event: Option<event_handler::GuestIndices>,
    pub(crate) lifecycle: Option<lifecycle::GuestIndices>,
    pub(crate) http: Option<http_handler::GuestIndices>,
    pub(crate) wasi_http: Option<incoming_handler::GuestIndices>,
}

impl std::fmt::Debug for Exports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl Exports {
    /// The interface names the host looks for.
    pub(crate) const NAMES: [&str; 4] = [
        "fc:runtime/event-handler@0.2.0",
        "fc:runtime/http-handler@0.2.0",
        "wasi:http/incoming-handler@0.2.x",
        "fc:runtime/lifecycle@0.2.0",
    ];

    /// The handler interfaces `pre`'s component exports. An interface is resolved only
    /// when the component exports one of that name: resolving an absent one makes an
    /// error, and an error can cost a backtrace.
    fn discover(pre: &InstancePre<HostState>) -> Self {
        let component = pre.component();
        let ty = component.component_type();
        let names: Vec<&str> = ty
            .exports(component.engine())
            .map(|(name, _)| name)
            .collect();
        let exported = |interface: &str| names.iter().any(|name| is_interface(name, interface));
        Exports {
            event: resolved(exported("fc:runtime/event-handler"), || {
                event_handler::GuestIndices::new(pre)
            }),
            lifecycle: resolved(exported("fc:runtime/lifecycle"), || {
                lifecycle::GuestIndices::new(pre)
            }),
            http: resolved(exported("fc:runtime/http-handler"), || {
                http_handler::GuestIndices::new(pre)
            }),
            wasi_http: resolved(exported("wasi:http/incoming-handler"), || {
                incoming_handler::GuestIndices::new(pre)
            }),
        }
    }

    /// Whether the module exports the lifecycle interface (an initializer).
    pub(crate) fn has_lifecycle(&self) -> bool {
        self.lifecycle.is_some()
    }

    fn is_empty(&self) -> bool {
        self.event.is_none() && self.http.is_none() && self.wasi_http.is_none()
    }

    /// Names of the exported interfaces, for messages.
    pub(crate) fn names(&self) -> Vec<&'static str> {
        let present = [
            self.event.is_some(),
            self.http.is_some(),
            self.wasi_http.is_some(),
            self.lifecycle.is_some(),
        ];
        Self::NAMES
            .into_iter()
            .zip(present)
            .filter_map(|(name, present)| present.then_some(name))
            .collect()
    }
}

/// An interface's indices when the component exports it and they resolve.
fn resolved<T>(exported: bool, resolve: impl FnOnce() -> wasmtime::Result<T>) -> Option<T> {
    exported.then(resolve).and_then(Result::ok)
}

/// Whether the export `name` is `interface` at some version (`interface@x.y.z`).
fn is_interface(name: &str, interface: &str) -> bool {
    name.split_once('@')
        .map_or(name, |(unversioned, _)| unversioned)
        == interface
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until dropped. Dropping it stops
/// the thread at once (a process that exits does not wait out a tick).
struct EpochTicker {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    fn start(engine: Engine) -> std::io::Result<Self> {
        Self::every(EPOCH_TICK, engine)
    }

    fn every(tick: Duration, engine: Engine) -> std::io::Result<Self> {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("epoch-ticker".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(tick) {
                    engine.increment_epoch();
                }
            })?;
        Ok(EpochTicker {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        // A closed channel ends the thread's wait.
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Duration, Engine, EpochTicker, WasmEngine, is_interface, native_code};

    #[test]
    fn a_whole_file_compiled_by_another_engine_configuration_is_refused() {
        let module = std::fs::read(test_guests::ECHO).unwrap();
        let foreign = Engine::default().precompile_component(&module).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cwasm = dir.path().join("handler.cwasm");
        std::fs::write(
            &cwasm,
            native_code::seal(foreign, &native_code::ModuleDigest::of(&module)),
        )
        .unwrap();
        let error = WasmEngine::new(1, false).unwrap().load(&cwasm).unwrap_err();
        let message = format!("{error:#}");
        assert!(
            message.contains("another wasmtime version or configuration"),
            "{message}"
        );
    }

    #[test]
    fn a_dropped_ticker_stops_without_waiting_out_its_tick() {
        let ticker = EpochTicker::every(Duration::from_secs(3600), Engine::default()).unwrap();
        let (dropped, done) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            drop(ticker);
            let _ = dropped.send(());
        });
        // An hour's tick waited out would fail this by far.
        assert!(done.recv_timeout(Duration::from_secs(60)).is_ok());
    }

    #[test]
    fn an_export_is_its_interface_at_any_version() {
        assert!(is_interface(
            "fc:runtime/lifecycle@0.2.0",
            "fc:runtime/lifecycle"
        ));
        assert!(is_interface(
            "wasi:http/incoming-handler@0.2.6",
            "wasi:http/incoming-handler"
        ));
        assert!(is_interface("fc:runtime/lifecycle", "fc:runtime/lifecycle"));
        assert!(!is_interface(
            "fc:runtime/lifecycle-extra@0.2.0",
            "fc:runtime/lifecycle"
        ));
        assert!(!is_interface(
            "fc:runtime/event-handler@0.2.0",
            "fc:runtime/lifecycle"
        ));
    }
}
