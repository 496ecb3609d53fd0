//! Host bindings generated from `wit/` (the `handler` world). Private to the crate:
//! the rest of the host names these types through the re-exports below.

mod generated {
    wasmtime::component::bindgen!({
        world: "handler",
        path: "../wit",
        exports: { default: async },
    });
}

pub(crate) use generated::Handler;
pub(crate) use generated::exports::fc::runtime::{event_handler, http_handler, lifecycle};
pub(crate) use generated::fc::runtime::log::Level;
pub(crate) use generated::fc::runtime::types::{
    Context, Credentials, Error as GuestError, FunctionMeta, ServiceMeta,
};
pub(crate) use generated::fc::runtime::{log, types};
pub(crate) use wasmtime_wasi_http::p2::bindings::exports::wasi::http::incoming_handler;
