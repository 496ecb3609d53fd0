//! A function instance's state and its handlers. The state is built once per instance
//! by [`Function::initialize`] (FC's initializer, or lazily before the first call when
//! the platform sends no `/initialize`), and every call gets it mutably.

use std::any::Any;
use std::cell::RefCell;

use crate::event::{FromEvent, IntoOutput};
use crate::http::{IntoResponse, Request};
use crate::{Context, Error};

/// The state of a function instance: connection pools, caches, configuration. FC's
/// initializer builds it once, and every call of the instance uses it.
pub trait Function: Sized + 'static {
    /// Builds the state. Runs once per instance: when the platform calls the
    /// initializer, else before the first call.
    fn initialize(ctx: &Context<'_>) -> Result<Self, Error>;

    /// Before the instance stops (FC 2.0 and 3.0).
    fn pre_stop(&mut self, _ctx: &Context<'_>) -> Result<(), Error> {
        Ok(())
    }

    /// Before the instance is frozen (FC 2.0 only: FC 3.0 has no PreFreeze).
    fn pre_freeze(&mut self, _ctx: &Context<'_>) -> Result<(), Error> {
        Ok(())
    }
}

/// An event function: every `/invoke` calls [`EventFunction::handle`] with the event.
pub trait EventFunction: Function {
    /// What the event is parsed into: bytes (`Vec<u8>`), text (`String`), JSON
    /// ([`Json<T>`](crate::Json)), or a trigger's event from [`events`](crate::events).
    type Event: FromEvent;
    /// What the handler answers: bytes, text, `()`, or [`Json<T>`](crate::Json).
    type Output: IntoOutput;

    /// Handles one event.
    fn handle(&mut self, ctx: &Context<'_>, event: Self::Event) -> Result<Self::Output, Error>;
}

/// An HTTP function: every HTTP-trigger request calls [`HttpFunction::handle`].
pub trait HttpFunction: Function {
    /// Handles one request. Answer anything [`IntoResponse`].
    fn handle(&mut self, ctx: &Context<'_>, request: Request) -> impl IntoResponse;
}

thread_local! {
    /// The instance's state, once built (a component runs one thread).
    static STATE: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
}

/// Builds the state of type `T` if it is not built yet.
pub(crate) fn initialize<T: Function>(ctx: &Context<'_>) -> Result<(), Error> {
    if STATE.with_borrow(Option::is_some) {
        return Ok(());
    }
    let state = T::initialize(ctx)?;
    STATE.with_borrow_mut(|slot| *slot = Some(Box::new(state)));
    Ok(())
}

/// Runs `f` on the state of type `T`, building it first if the platform sent no
/// `/initialize`. A hook on an instance that never built its state has nothing to do.
pub(crate) fn with_state<T: Function, R>(
    ctx: &Context<'_>,
    f: impl FnOnce(&mut T) -> Result<R, Error>,
) -> Result<R, Error> {
    initialize::<T>(ctx)?;
    // The state is taken out while the handler runs, so a handler may call into the
    // SDK again without a double borrow.
    let mut state = STATE
        .with_borrow_mut(Option::take)
        .ok_or_else(|| Error::new("StateMissing", "the function's state is gone"))?;
    let result = match state.downcast_mut::<T>() {
        Some(typed) => f(typed),
        None => Err(Error::new(
            "StateMismatch",
            "the function's state has another type",
        )),
    };
    STATE.with_borrow_mut(|slot| *slot = Some(state));
    result
}

/// Whether the state has been built.
pub(crate) fn is_initialized() -> bool {
    STATE.with_borrow(Option::is_some)
}
