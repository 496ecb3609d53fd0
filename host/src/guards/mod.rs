//! Guards on the guest's WASI imports: the few `wasi:filesystem` and `wasi:sockets`
//! functions that hand a guest something the host must bound are wrapped, each check
//! done before wasmtime-wasi's own implementation runs:
//!
//! - opening a file or a socket takes a descriptor from the budget (and closing it
//!   gives it back); past the budget the open fails in the guest;
//! - writing to a file takes its bytes from the disk quota of all `/tmp` directories;
//!   past it the write fails with "no space";
//! - a symbolic link may not point out of its directory tree;
//! - listening on a TCP socket needs `--allow-listen`;
//! - looking a name up follows the network allow-list.

mod files;
mod sockets;

use wasmtime::component::Linker;
use wasmtime_wasi::TrappableError;

use crate::state::HostState;

/// Wraps the guarded functions of `linker` (where wasmtime-wasi's are already).
pub(crate) fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    files::add(linker)?;
    sockets::add(linker)?;
    linker.allow_shadowing(false);
    Ok(())
}

/// A host function's result as the component model returns it: the WASI error code
/// to the guest, a trap as a trap.
fn split<T, E>(result: Result<T, TrappableError<E>>) -> wasmtime::Result<(Result<T, E>,)>
where
    E: std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(value) => Ok((Ok(value),)),
        Err(error) => error.downcast().map(|code| (Err(code),)),
    }
}
