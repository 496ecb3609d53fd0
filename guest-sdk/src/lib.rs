//! Write Function Compute handlers in Rust, run them as WebAssembly components in
//! `bootstrap`.
//!
//! A guest is a type that implements one or more handler traits, plus one
//! [`export!`] naming them. Build it with `cargo build --target wasm32-wasip2
//! --release` and point `bootstrap --module` at the `.wasm`.
//!
//! ```
//! use guest_sdk::{Context, Error, EventHandler, Lifecycle};
//!
//! struct Echo;
//!
//! impl EventHandler for Echo {
//!     fn handle(ctx: &Context, event: Vec<u8>) -> Result<Vec<u8>, Error> {
//!         guest_sdk::info!("request {} carries {} bytes", ctx.request_id, event.len());
//!         Ok(event)
//!     }
//! }
//!
//! impl Lifecycle for Echo {
//!     fn initialize(_ctx: &Context) -> Result<(), Error> {
//!         println!("warming up");
//!         Ok(())
//!     }
//! }
//!
//! guest_sdk::export!(Echo: EventHandler, Lifecycle);
//! ```
//!
//! Only the interfaces named in `export!` are exported, and the host calls only
//! those: an event-only guest answers HTTP-function requests with a clear error.

#![deny(missing_docs)]

extern crate self as guest_sdk;

mod bindings;
mod context;
mod error;
mod handlers;
pub mod http;
pub mod log;

pub use context::{Context, Credentials, FunctionMeta, ServiceMeta};
pub use error::Error;
pub use handlers::{EventHandler, Lifecycle};
pub use http::HttpHandler;

/// Exports a type's handlers as the component's interfaces.
///
/// `export!(MyType: EventHandler, Lifecycle)` exports `fc:runtime/event-handler` and
/// `fc:runtime/lifecycle`, implemented by `MyType`'s trait impls; `HttpHandler` exports
/// `fc:runtime/http-handler`. Use it once per guest, at the crate's top level.
#[macro_export]
macro_rules! export {
    ($ty:ty : $($interface:ident),+ $(,)?) => {
        $( $crate::__export_interface!($interface, $ty); )+
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __export_interface {
    (EventHandler, $ty:ty) => {
        const _: () = {
            type GuestSdkEventBridge = $crate::__private::EventBridge<$ty>;
            $crate::__private::event::export!(
                GuestSdkEventBridge with_types_in $crate::__private::event
            );
        };
    };
    (Lifecycle, $ty:ty) => {
        const _: () = {
            type GuestSdkLifecycleBridge = $crate::__private::LifecycleBridge<$ty>;
            $crate::__private::lifecycle::export!(
                GuestSdkLifecycleBridge with_types_in $crate::__private::lifecycle
            );
        };
    };
    (HttpHandler, $ty:ty) => {
        const _: () = {
            type GuestSdkHttpBridge = $crate::__private::HttpBridge<$ty>;
            $crate::__private::http::export!(
                GuestSdkHttpBridge with_types_in $crate::__private::http
            );
        };
    };
    ($other:ident, $ty:ty) => {
        ::core::compile_error!(::core::concat!(
            "`",
            ::core::stringify!($other),
            "` is not a handler interface: use EventHandler, HttpHandler or Lifecycle"
        ));
    };
}

/// Not public API: used by the `export!` macro.
#[doc(hidden)]
pub mod __private {
    pub use crate::bindings::{event, http, lifecycle};
    pub use crate::handlers::{EventBridge, HttpBridge, LifecycleBridge};
    pub use wit_bindgen;
}
