//! The generated export traits, implemented for any [`EventFunction`] /
//! [`HttpFunction`]: what `export!`, `start!` and `serve!` plug in. Not public API.

use std::marker::PhantomData;

use crate::bindings::{event, http as wit_http, lifecycle, wit, wit_context};
use crate::event::{FromEvent, IntoOutput};
use crate::function::{self, EventFunction, Function, HttpFunction};
use crate::http::{IntoResponse, from_wit, to_wit};
use crate::{Context, Error};

/// The `event-handler` export of `T`.
#[doc(hidden)]
#[derive(Debug)]
pub struct EventBridge<T>(PhantomData<T>);

/// The `http-handler` export of `T`.
#[doc(hidden)]
#[derive(Debug)]
pub struct HttpBridge<T>(PhantomData<T>);

/// The `lifecycle` export of `T`.
#[doc(hidden)]
#[derive(Debug)]
pub struct LifecycleBridge<T>(PhantomData<T>);

impl<T: EventFunction> event::exports::fc::runtime::event_handler::Guest for EventBridge<T> {
    fn handle(ctx: &wit_context::Context, event: Vec<u8>) -> Result<Vec<u8>, wit::Error> {
        let ctx = Context::new(ctx);
        let answer = function::with_state::<T, _>(&ctx, |state| {
            let event = T::Event::from_event(event)?;
            state.handle(&ctx, event)?.into_output()
        });
        answer.map_err(Into::into)
    }
}

impl<T: HttpFunction> wit_http::exports::fc::runtime::http_handler::Guest for HttpBridge<T> {
    fn handle(
        ctx: &wit_context::Context,
        request: wit_http::exports::fc::runtime::http_handler::Request,
    ) -> Result<wit_http::exports::fc::runtime::http_handler::Response, wit::Error> {
        let ctx = Context::new(ctx);
        let request = from_wit(request);
        let response =
            function::with_state::<T, _>(&ctx, |state| state.handle(&ctx, request).into_response());
        response.map(to_wit).map_err(Into::into)
    }
}

impl<T: Function> lifecycle::exports::fc::runtime::lifecycle::Guest for LifecycleBridge<T> {
    fn initialize(ctx: &wit_context::Context) -> Result<(), wit::Error> {
        function::initialize::<T>(&Context::new(ctx)).map_err(Into::into)
    }

    fn pre_stop(ctx: &wit_context::Context) -> Result<(), wit::Error> {
        hook::<T>(ctx, T::pre_stop)
    }

    fn pre_freeze(ctx: &wit_context::Context) -> Result<(), wit::Error> {
        hook::<T>(ctx, T::pre_freeze)
    }
}

/// Runs a hook on the state, if it was ever built.
fn hook<T: Function>(
    ctx: &wit_context::Context,
    run: fn(&mut T, &Context<'_>) -> Result<(), Error>,
) -> Result<(), wit::Error> {
    if !function::is_initialized() {
        return Ok(());
    }
    let ctx = Context::new(ctx);
    function::with_state::<T, _>(&ctx, |state| run(state, &ctx)).map_err(Into::into)
}

/// The initializer of a function that has none.
#[doc(hidden)]
pub fn no_initializer(_ctx: &Context<'_>) -> Result<(), Error> {
    Ok(())
}
