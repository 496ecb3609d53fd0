//! Write Function Compute handlers in Rust, run them as WebAssembly components in
//! `bootstrap` (the `fc:runtime@0.2.0` contract).
//!
//! The shortest function is a handler and one macro, like FC's Go framework
//! (`gr.Start(handler, initialize)`):
//!
//! ```
//! use guest_sdk::{Context, Error};
//!
//! fn handler(ctx: &Context, event: String) -> Result<String, Error> {
//!     guest_sdk::info!("request {} says {event}", ctx.request_id());
//!     Ok(format!("hello {event}"))
//! }
//!
//! fn initialize(_ctx: &Context) -> Result<(), Error> {
//!     println!("once per instance");
//!     Ok(())
//! }
//!
//! guest_sdk::start!(handler, initialize);
//! ```
//!
//! State built by the initializer (a connection pool, a cache) lives in a type that
//! implements [`Function`] and [`EventFunction`] (or [`HttpFunction`]); every call of
//! the instance gets it mutably:
//!
//! ```
//! use guest_sdk::{Context, Error, EventFunction, Function, Json};
//!
//! struct Counter {
//!     calls: u64,
//! }
//!
//! impl Function for Counter {
//!     fn initialize(_ctx: &Context) -> Result<Self, Error> {
//!         Ok(Counter { calls: 0 })
//!     }
//! }
//!
//! #[derive(serde::Deserialize)]
//! struct Add {
//!     by: u64,
//! }
//!
//! impl EventFunction for Counter {
//!     type Event = Json<Add>;
//!     type Output = Json<u64>;
//!
//!     fn handle(&mut self, _ctx: &Context, Json(add): Json<Add>) -> Result<Json<u64>, Error> {
//!         self.calls += add.by;
//!         Ok(Json(self.calls))
//!     }
//! }
//!
//! guest_sdk::export!(Counter: EventFunction);
//! ```
//!
//! On FC the initializer runs when the platform calls `/initialize` (a function with an
//! initializer configured); without one (or when the platform sends none), it runs
//! before the first call. HTTP functions take an `http::Request` ([`http`]).

#![deny(missing_docs)]

extern crate self as guest_sdk;

mod bindings;
mod bridge;
mod context;
mod error;
mod event;
pub mod events;
mod function;
pub mod http;
pub mod log;

pub use context::{Context, ContextFields, Credentials, FunctionMeta, ServiceMeta, Tracing};
pub use error::Error;
pub use event::{FromEvent, IntoOutput, Json};
pub use function::{EventFunction, Function, HttpFunction};
/// The JSON crate the SDK uses (`guest_sdk::serde_json::json!`), for functions that need
/// no other dependency.
pub use serde_json;

/// Exports a type's handlers as the component's interfaces.
///
/// `export!(MyType: EventFunction)` exports `fc:runtime/event-handler`,
/// `export!(MyType: HttpFunction)` `fc:runtime/http-handler`, and
/// `export!(MyType: EventFunction, HttpFunction)` both, on one state; each also exports
/// `fc:runtime/lifecycle` (the initializer and hooks of [`Function`]). Use it once per
/// guest, at the crate's top level.
#[macro_export]
macro_rules! export {
    ($ty:ty : $($interface:ident),+ $(,)?) => {
        $crate::__export_interface!(Lifecycle, $ty);
        $( $crate::__export_interface!($interface, $ty); )+
    };
}

/// A unit type whose `Function::initialize` runs an initializer function: the state of
/// [`start!`] and [`serve!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __function_of_initializer {
    ($name:ident, $initialize:path) => {
        #[doc(hidden)]
        struct $name;
        impl $crate::Function for $name {
            fn initialize(
                ctx: &$crate::Context<'_>,
            ) -> ::core::result::Result<Self, $crate::Error> {
                $initialize(ctx)?;
                ::core::result::Result::Ok($name)
            }
        }
    };
}

/// An event function from a handler function, and optionally an initializer, as FC's
/// Go framework's `gr.Start(handler, initialize)`. Without an initializer the component
/// exports no lifecycle interface; use it once per guest, at the crate's top level.
///
/// The handler is `fn(&Context, E) -> Result<O, Error>` with any [`FromEvent`] event
/// (`Vec<u8>`, `String`, `Json<T>`, a trigger's event) and any [`IntoOutput`] answer;
/// the initializer is `fn(&Context) -> Result<(), Error>`.
#[macro_export]
macro_rules! start {
    ($handler:path $(,)?) => {
        $crate::start!(@define $handler, $crate::__private::no_initializer);
        $crate::__export_interface!(EventFunction, GuestSdkStart);
    };
    ($handler:path, $initialize:path $(,)?) => {
        $crate::start!(@define $handler, $initialize);
        $crate::export!(GuestSdkStart: EventFunction);
    };
    (@define $handler:path, $initialize:path) => {
            $crate::__function_of_initializer!(GuestSdkStart, $initialize);
            impl $crate::EventFunction for GuestSdkStart {
                type Event = ::std::vec::Vec<u8>;
                type Output = ::std::vec::Vec<u8>;
                fn handle(
                    &mut self,
                    ctx: &$crate::Context<'_>,
                    event: ::std::vec::Vec<u8>,
                ) -> ::core::result::Result<::std::vec::Vec<u8>, $crate::Error> {
                    let event = $crate::FromEvent::from_event(event)?;
                    $crate::IntoOutput::into_output($handler(ctx, event)?)
                }
            }
    };
}

/// An HTTP function from a handler function, and optionally an initializer.
///
/// The handler is `fn(&Context, http::Request) -> impl IntoResponse`; the initializer
/// `fn(&Context) -> Result<(), Error>`.
#[macro_export]
macro_rules! serve {
    ($handler:path $(,)?) => {
        $crate::serve!(@define $handler, $crate::__private::no_initializer);
        $crate::__export_interface!(HttpFunction, GuestSdkServe);
    };
    ($handler:path, $initialize:path $(,)?) => {
        $crate::serve!(@define $handler, $initialize);
        $crate::export!(GuestSdkServe: HttpFunction);
    };
    (@define $handler:path, $initialize:path) => {
            $crate::__function_of_initializer!(GuestSdkServe, $initialize);
            impl $crate::HttpFunction for GuestSdkServe {
                fn handle(
                    &mut self,
                    ctx: &$crate::Context<'_>,
                    request: $crate::http::Request,
                ) -> impl $crate::http::IntoResponse {
                    $handler(ctx, request)
                }
            }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __export_interface {
    (EventFunction, $ty:ty) => {
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
    (HttpFunction, $ty:ty) => {
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
            "` is not a handler: use EventFunction or HttpFunction"
        ));
    };
}

/// Not public API: used by the macros.
#[doc(hidden)]
pub mod __private {
    pub use crate::bindings::{event, http, lifecycle};
    pub use crate::bridge::{EventBridge, HttpBridge, LifecycleBridge, no_initializer};
    pub use wit_bindgen;
}
