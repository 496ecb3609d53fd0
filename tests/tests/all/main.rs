//! End-to-end tests: real guests built from source, served by an in-process
//! `bootstrap` on 127.0.0.1, driven over HTTP like the platform does.

mod concurrency;
mod context;
mod errors;
mod http;
mod initialize;
mod invoke;
mod lifecycle;
mod limits;
mod logs;
mod pool;
mod reload;
mod sandbox;
mod wasi_http;
