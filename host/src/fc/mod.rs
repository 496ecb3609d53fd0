//! Pure protocol code: header names, the context, which call a request is, limits,
//! response shapes and log lines. Nothing here touches sockets, the async runtime,
//! wasmtime or generated bindings; the rest of the host builds on it.

pub(crate) mod context;
pub mod headers;
pub(crate) mod http;
pub(crate) mod limits;
pub(crate) mod log_lines;
pub(crate) mod phase;
pub(crate) mod response;

pub(crate) use context::Context;
pub(crate) use phase::Phase;
