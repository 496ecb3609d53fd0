//! The traits a guest implements, and the bridges from the generated bindings to them.

use std::marker::PhantomData;

use crate::bindings::http as http_bindings;
use crate::bindings::{event, lifecycle, wit};
use crate::http::{HttpHandler, IntoResponse as _, to_wit};
use crate::{Context, Error};

/// An event function: each `POST /invoke` calls [`EventHandler::handle`] with the
/// request body; the returned bytes are the response body, an error becomes FC's
/// error response.
pub trait EventHandler {
    /// Handles one event.
    fn handle(ctx: &Context, event: Vec<u8>) -> Result<Vec<u8>, Error>;
}

/// The instance lifecycle. Every method has a default that does nothing, so a guest
/// implements only what it needs.
pub trait Lifecycle {
    /// Runs once per instance before it serves (FC's initializer). State built here
    /// (in statics) is seen by every later call on the instance. A failure is returned
    /// to the platform, which retries.
    fn initialize(ctx: &Context) -> Result<(), Error> {
        let _ = ctx;
        Ok(())
    }

    /// Runs before the platform freezes the instance.
    fn pre_freeze(ctx: &Context) -> Result<(), Error> {
        let _ = ctx;
        Ok(())
    }

    /// Runs before the platform stops the instance.
    fn pre_stop(ctx: &Context) -> Result<(), Error> {
        let _ = ctx;
        Ok(())
    }
}

/// Implements the generated `event-handler` export for any [`EventHandler`].
#[doc(hidden)]
#[derive(Debug)]
pub struct EventBridge<T>(PhantomData<T>);

impl<T: EventHandler + 'static> event::exports::fc::runtime::event_handler::Guest
    for EventBridge<T>
{
    fn handle(ctx: wit::Context, event: Vec<u8>) -> Result<Vec<u8>, wit::Error> {
        T::handle(&ctx.into(), event).map_err(Into::into)
    }
}

/// Implements the generated `lifecycle` export for any [`Lifecycle`].
#[doc(hidden)]
#[derive(Debug)]
pub struct LifecycleBridge<T>(PhantomData<T>);

impl<T: Lifecycle + 'static> lifecycle::exports::fc::runtime::lifecycle::Guest
    for LifecycleBridge<T>
{
    fn initialize(ctx: wit::Context) -> Result<(), wit::Error> {
        T::initialize(&ctx.into()).map_err(Into::into)
    }

    fn pre_freeze(ctx: wit::Context) -> Result<(), wit::Error> {
        T::pre_freeze(&ctx.into()).map_err(Into::into)
    }

    fn pre_stop(ctx: wit::Context) -> Result<(), wit::Error> {
        T::pre_stop(&ctx.into()).map_err(Into::into)
    }
}

/// Implements the generated `http-handler` export for any [`HttpHandler`].
#[doc(hidden)]
#[derive(Debug)]
pub struct HttpBridge<T>(PhantomData<T>);

use http_bindings::exports::fc::runtime::http_handler as wit_http;

impl<T: HttpHandler + 'static> wit_http::Guest for HttpBridge<T> {
    fn handle(
        ctx: wit::Context,
        request: wit_http::Request,
    ) -> Result<wit_http::Response, wit::Error> {
        let response = T::handle(&ctx.into(), request.into()).into_response();
        response.map(to_wit).map_err(Into::into)
    }
}
