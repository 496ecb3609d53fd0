//! `wasi:filesystem`: descriptors from the budget, writes within the disk quota,
//! symbolic links that stay inside their tree.

use std::sync::Arc;

use wasmtime::component::{Linker, Resource, ResourceType};
use wasmtime_wasi::filesystem::{Descriptor, WasiFilesystemView as _};
use wasmtime_wasi::p2::bindings::filesystem::types::{
    DescriptorFlags, ErrorCode, Filesize, HostDescriptor, OpenFlags, PathFlags,
};
use wasmtime_wasi::p2::{DynOutputStream, OutputStream, Pollable, StreamError, StreamResult};

use super::split;
use crate::sandbox::quota::DiskQuota;
use crate::state::HostState;
use crate::state::network::refuse;

/// The interface, as wasmtime-wasi defines it (guests of any 0.2.x link to it).
const TYPES: &str = "wasi:filesystem/types@0.2.12";

pub(super) fn add(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    let mut types = linker.instance(TYPES)?;
    types.func_wrap_async(
        "[method]descriptor.open-at",
        |mut store,
         (dir, path_flags, path, open_flags, flags): (
            Resource<Descriptor>,
            PathFlags,
            String,
            OpenFlags,
            DescriptorFlags,
        )| {
            Box::new(async move {
                let state = store.data_mut();
                if state.fds.take().is_err() {
                    refuse(
                        &state.log,
                        "refused opening a file: the descriptor budget is spent",
                    );
                    return Ok((Err(ErrorCode::InsufficientMemory),));
                }
                let opened = state
                    .filesystem()
                    .open_at(dir, path_flags, path, open_flags, flags)
                    .await;
                let handle = opened.as_ref().ok().map(Resource::rep);
                store.data_mut().fds.opened(handle);
                split(opened)
            })
        },
    )?;
    types.resource(
        "descriptor",
        ResourceType::host::<Descriptor>(),
        |mut store, rep| {
            let state = store.data_mut();
            state.fds.closed(rep);
            HostDescriptor::drop(&mut state.filesystem(), Resource::new_own(rep))
        },
    )?;
    types.func_wrap_async(
        "[method]descriptor.write",
        |mut store, (file, bytes, offset): (Resource<Descriptor>, Vec<u8>, Filesize)| {
            Box::new(async move {
                let state = store.data_mut();
                if let Err(full) = state.quota.reserve(bytes.len() as u64) {
                    refuse(&state.log, &format!("refused a write to /tmp: {full}"));
                    return Ok((Err(ErrorCode::InsufficientSpace),));
                }
                split(state.filesystem().write(file, bytes, offset).await)
            })
        },
    )?;
    types.func_wrap(
        "[method]descriptor.write-via-stream",
        |mut store, (file, offset): (Resource<Descriptor>, Filesize)| {
            let state = store.data_mut();
            let stream = state.filesystem().write_via_stream(file, offset);
            within_quota(state, stream)
        },
    )?;
    types.func_wrap(
        "[method]descriptor.append-via-stream",
        |mut store, (file,): (Resource<Descriptor>,)| {
            let state = store.data_mut();
            let stream = state.filesystem().append_via_stream(file);
            within_quota(state, stream)
        },
    )?;
    types.func_wrap_async(
        "[method]descriptor.symlink-at",
        |mut store, (dir, target, link): (Resource<Descriptor>, String, String)| {
            Box::new(async move {
                let state = store.data_mut();
                if leaves_its_tree(&target) {
                    let message = format!("refused a symbolic link to `{target}`: it leaves /tmp");
                    refuse(&state.log, &message);
                    return Ok((Err(ErrorCode::NotPermitted),));
                }
                split(state.filesystem().symlink_at(dir, target, link).await)
            })
        },
    )?;
    Ok(())
}

/// Puts a file's output stream behind the quota.
fn within_quota(
    state: &mut HostState,
    stream: wasmtime_wasi::p2::FsResult<Resource<DynOutputStream>>,
) -> wasmtime::Result<(Result<Resource<DynOutputStream>, ErrorCode>,)> {
    let stream = match stream {
        Ok(stream) => stream,
        Err(error) => return split(Err(error)),
    };
    let inner = state.table.delete(stream)?;
    let quota = Arc::clone(&state.quota);
    let log = state.log.clone();
    let guarded: DynOutputStream = Box::new(QuotaStream {
        inner,
        quota,
        log,
        refused: false,
    });
    Ok((Ok(state.table.push(guarded)?),))
}

/// Whether a symbolic link's target may point out of the directory it is made in: an
/// absolute path, or one that goes up (`..`). Both are refused, whatever the depth.
fn leaves_its_tree(target: &str) -> bool {
    target.starts_with('/') || target.split('/').any(|part| part == "..")
}

/// A file's output stream whose writes take their bytes from the disk quota.
struct QuotaStream {
    inner: DynOutputStream,
    quota: Arc<DiskQuota>,
    log: crate::logs::GuestLog,
    /// Whether a refusal was logged already (once per stream).
    refused: bool,
}

#[wasmtime_wasi::async_trait]
impl Pollable for QuotaStream {
    async fn ready(&mut self) {
        self.inner.ready().await;
    }
}

impl OutputStream for QuotaStream {
    fn write(&mut self, bytes: bytes::Bytes) -> StreamResult<()> {
        if let Err(full) = self.quota.reserve(bytes.len() as u64) {
            if !std::mem::replace(&mut self.refused, true) {
                refuse(&self.log, &format!("refused a write to /tmp: {full}"));
            }
            let no_space =
                std::io::Error::from_raw_os_error(rustix::io::Errno::NOSPC.raw_os_error());
            return Err(StreamError::LastOperationFailed(no_space.into()));
        }
        self.inner.write(bytes)
    }

    fn flush(&mut self) -> StreamResult<()> {
        self.inner.flush()
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        self.inner.check_write()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_that_leave_their_tree_are_spotted() {
        assert!(leaves_its_tree("/etc/passwd"));
        assert!(leaves_its_tree("../../etc"));
        assert!(leaves_its_tree("a/../../b"));
        assert!(!leaves_its_tree("data/file"));
        assert!(!leaves_its_tree("file..txt"));
    }
}
