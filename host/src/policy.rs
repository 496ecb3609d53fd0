//! Per-call limits: how long a call may run and how much memory it may use, from the
//! platform's headers unless a flag overrides them.

use std::time::Duration;

use crate::bindings::Context;

/// Function timeout when neither a flag nor `x-fc-function-timeout` sets one.
pub const DEFAULT_FUNCTION_TIMEOUT: Duration = Duration::from_secs(60);
/// Initializer timeout when neither a flag nor `x-fc-initialization-timeout` sets one.
pub const DEFAULT_INITIALIZATION_TIMEOUT: Duration = Duration::from_secs(60);
/// Timeout of a `pre-freeze` or `pre-stop` hook (Serverless Devs' default).
pub const DEFAULT_HOOK_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a call waits for a free instance before it is refused.
pub const DEFAULT_QUEUE_TIMEOUT: Duration = Duration::from_secs(30);

/// The limits the host puts on each call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallPolicy {
    /// A fixed function timeout in seconds (0: none), overriding the header.
    pub function_timeout: Option<u64>,
    /// A fixed initializer timeout in seconds (0: none), overriding the header.
    pub initialization_timeout: Option<u64>,
    /// The timeout of lifecycle hooks.
    pub hook_timeout: Duration,
    /// How long a call waits for an instance.
    pub queue_timeout: Duration,
    /// A fixed memory cap in MB, overriding `x-fc-function-memory`.
    pub memory_mb: Option<u64>,
}

impl Default for CallPolicy {
    fn default() -> Self {
        CallPolicy {
            function_timeout: None,
            initialization_timeout: None,
            hook_timeout: DEFAULT_HOOK_TIMEOUT,
            queue_timeout: DEFAULT_QUEUE_TIMEOUT,
            memory_mb: None,
        }
    }
}

impl CallPolicy {
    /// The time limit of a handler call: the flag, else `x-fc-function-timeout`, else
    /// [`DEFAULT_FUNCTION_TIMEOUT`]. `None` means no limit (`--function-timeout 0`).
    pub fn function_limit(&self, ctx: &Context) -> Option<Duration> {
        pick(
            self.function_timeout,
            ctx.function.timeout_s,
            DEFAULT_FUNCTION_TIMEOUT,
        )
    }

    /// The time limit of an initializer call, likewise.
    pub fn initialization_limit(&self, ctx: &Context) -> Option<Duration> {
        pick(
            self.initialization_timeout,
            ctx.function.initialization_timeout_s,
            DEFAULT_INITIALIZATION_TIMEOUT,
        )
    }

    /// The cap on each linear memory: the flag, else `x-fc-function-memory`, else none
    /// (the engine's 4 GiB).
    pub fn memory_cap(&self, ctx: &Context) -> Option<usize> {
        let mb = self.memory_mb.or_else(|| {
            u64::try_from(ctx.function.memory_mb)
                .ok()
                .filter(|&mb| mb > 0)
        })?;
        usize::try_from(mb.saturating_mul(1024 * 1024)).ok()
    }
}

fn pick(flag: Option<u64>, header: i32, default: Duration) -> Option<Duration> {
    match flag {
        Some(0) => None,
        Some(seconds) => Some(Duration::from_secs(seconds)),
        None => Some(
            u64::try_from(header)
                .ok()
                .filter(|&s| s > 0)
                .map_or(default, Duration::from_secs),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(timeout: i32, init: i32, memory: i32) -> Context {
        let mut ctx = crate::fc::context::from_headers(&http::HeaderMap::new());
        ctx.function.timeout_s = timeout;
        ctx.function.initialization_timeout_s = init;
        ctx.function.memory_mb = memory;
        ctx
    }

    #[test]
    fn header_then_default() {
        let policy = CallPolicy::default();
        assert_eq!(
            policy.function_limit(&ctx(3, -1, -1)),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            policy.function_limit(&ctx(-1, -1, -1)),
            Some(DEFAULT_FUNCTION_TIMEOUT)
        );
        assert_eq!(
            policy.initialization_limit(&ctx(-1, 7, -1)),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            policy.initialization_limit(&ctx(-1, 0, -1)),
            Some(DEFAULT_INITIALIZATION_TIMEOUT)
        );
    }

    #[test]
    fn flags_override_and_zero_means_none() {
        let policy = CallPolicy {
            function_timeout: Some(5),
            initialization_timeout: Some(0),
            ..CallPolicy::default()
        };
        assert_eq!(
            policy.function_limit(&ctx(3, -1, -1)),
            Some(Duration::from_secs(5))
        );
        assert_eq!(policy.initialization_limit(&ctx(-1, 7, -1)), None);
    }

    #[test]
    fn memory_cap_from_flag_or_header() {
        let policy = CallPolicy::default();
        assert_eq!(policy.memory_cap(&ctx(-1, -1, 128)), Some(128 << 20));
        assert_eq!(policy.memory_cap(&ctx(-1, -1, -1)), None);
        let fixed = CallPolicy {
            memory_mb: Some(64),
            ..CallPolicy::default()
        };
        assert_eq!(fixed.memory_cap(&ctx(-1, -1, 128)), Some(64 << 20));
    }
}
