//! Pure protocol code: header names, the context, call classification, response shapes
//! and log lines. Nothing here touches sockets or wasmtime.

pub mod context;
pub mod control;
pub mod headers;
pub mod http;
pub mod limits;
pub mod log_lines;
pub mod response;
