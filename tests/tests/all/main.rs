//! End-to-end tests: real guests built from source, served by an in-process
//! `bootstrap` on 127.0.0.1, driven over HTTP like the platform does.

mod context;
mod errors;
mod http;
mod initialize;
mod invoke;
mod limits;
mod logs;
mod pool;
mod wasi_http;
