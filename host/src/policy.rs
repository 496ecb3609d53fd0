//! Per-call limits: how long a call may run and how much memory it may use, from the
//! platform's headers (clamped to FC's maxima) unless a flag fixes them. The one place
//! a call's [`Budget`] is computed.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::fc::context::{Number, UNKNOWN_NUMBER};
use crate::fc::{Context, Phase};

/// Function timeout when neither a flag nor `x-fc-function-timeout` sets one.
pub(crate) const DEFAULT_FUNCTION_TIMEOUT: Duration = Duration::from_secs(60);
/// Initializer timeout when neither a flag nor `x-fc-initialization-timeout` sets one.
pub(crate) const DEFAULT_INITIALIZATION_TIMEOUT: Duration = Duration::from_secs(60);
/// Timeout of a `pre-freeze` or `pre-stop` hook (Serverless Devs' default).
pub(crate) const DEFAULT_HOOK_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a call waits for a free instance before it is refused.
pub(crate) const DEFAULT_QUEUE_TIMEOUT: Duration = Duration::from_secs(30);

/// FC's longest function timeout: a header asking for more gets this.
pub(crate) const MAX_FUNCTION_TIMEOUT: Duration = Duration::from_secs(86_400);
/// FC's longest initializer timeout.
pub(crate) const MAX_INITIALIZATION_TIMEOUT: Duration = Duration::from_secs(300);
/// FC's largest function memory, MB (for the whole instance).
pub(crate) const MAX_MEMORY_MB: u64 = 32 * 1024;

/// A time limit set by a flag: a duration, or `none` for no limit at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeLimit {
    /// Stop the call after this long.
    After(Duration),
    /// Never stop it (`none`).
    Unlimited,
}

impl FromStr for TimeLimit {
    type Err = String;

    /// `none`, a duration with units (`90s`, `1m 30s`, `500ms`), or whole seconds.
    fn from_str(value: &str) -> Result<Self, String> {
        let value = value.trim();
        if value.eq_ignore_ascii_case("none") {
            return Ok(TimeLimit::Unlimited);
        }
        parse_duration(value).map(TimeLimit::After)
    }
}

impl fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeLimit::After(limit) => write!(f, "{}", humantime::format_duration(*limit)),
            TimeLimit::Unlimited => f.write_str("none"),
        }
    }
}

/// A duration with units (`humantime`: `90s`, `2m`, `500ms`), or whole seconds.
pub(crate) fn parse_duration(value: &str) -> Result<Duration, String> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    humantime::parse_duration(value)
        .map_err(|e| format!("`{value}` is not a duration such as `30s`, `2m` or `500ms`: {e}"))
}

/// What one call may use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Budget {
    /// Wall-clock time; `None` for no limit.
    pub time: Option<Duration>,
    /// Bytes of linear memory; `None` for the engine's limit.
    pub memory: Option<usize>,
}

/// The limits the host puts on each call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallPolicy {
    /// A fixed function timeout, overriding `x-fc-function-timeout`.
    pub function_timeout: Option<TimeLimit>,
    /// A fixed initializer timeout, overriding `x-fc-initialization-timeout`.
    pub initialization_timeout: Option<TimeLimit>,
    /// The timeout of lifecycle hooks.
    pub hook_timeout: Duration,
    /// How long a call waits for an instance.
    pub queue_timeout: Duration,
    /// A fixed memory size in MB, overriding `x-fc-function-memory`.
    pub memory_mb: Option<u64>,
    /// Whether the limit headers are ignored (callers other than FC reach the host).
    pub ignore_limit_headers: bool,
}

impl Default for CallPolicy {
    fn default() -> Self {
        CallPolicy {
            function_timeout: None,
            initialization_timeout: None,
            hook_timeout: DEFAULT_HOOK_TIMEOUT,
            queue_timeout: DEFAULT_QUEUE_TIMEOUT,
            memory_mb: None,
            ignore_limit_headers: false,
        }
    }
}

impl CallPolicy {
    /// What a call of `phase` with context `ctx` may use.
    pub fn budget(&self, phase: Phase, ctx: &Context) -> Budget {
        let time = match phase {
            Phase::Invoke | Phase::HttpInvoke => pick(
                self.function_timeout,
                self.limit_header(ctx, Number::TimeoutS),
                DEFAULT_FUNCTION_TIMEOUT,
                MAX_FUNCTION_TIMEOUT,
            ),
            Phase::Initialize => pick(
                self.initialization_timeout,
                self.limit_header(ctx, Number::InitializationTimeoutS),
                DEFAULT_INITIALIZATION_TIMEOUT,
                MAX_INITIALIZATION_TIMEOUT,
            ),
            Phase::PreFreeze | Phase::PreStop => Some(self.hook_timeout),
        };
        Budget {
            time,
            memory: self.memory_cap(ctx),
        }
    }

    /// A limit header of `ctx`, or unknown when limit headers are ignored.
    fn limit_header(&self, ctx: &Context, field: Number) -> i32 {
        if self.ignore_limit_headers {
            UNKNOWN_NUMBER
        } else {
            ctx.number(field)
        }
    }

    /// The function's memory: the flag, else `x-fc-function-memory` (at most FC's
    /// 32 GB), else none (the engine's limit).
    pub fn memory_cap(&self, ctx: &Context) -> Option<usize> {
        let header = u64::try_from(self.limit_header(ctx, Number::MemoryMb))
            .ok()
            .filter(|&mb| mb > 0)
            .map(|mb| mb.min(MAX_MEMORY_MB));
        let mb = self.memory_mb.or(header)?;
        usize::try_from(mb.saturating_mul(1024 * 1024)).ok()
    }
}

/// The flag's limit, else the header's (at most `max`), else `default`.
fn pick(
    flag: Option<TimeLimit>,
    header: i32,
    default: Duration,
    max: Duration,
) -> Option<Duration> {
    match flag {
        Some(TimeLimit::Unlimited) => None,
        Some(TimeLimit::After(limit)) => Some(limit),
        None => Some(
            u64::try_from(header)
                .ok()
                .filter(|&s| s > 0)
                .map_or(default, |s| Duration::from_secs(s).min(max)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(timeout: i32, init: i32, memory: i32) -> Context {
        let mut headers = http::HeaderMap::new();
        let numbers = [
            ("x-fc-function-timeout", timeout),
            ("x-fc-initialization-timeout", init),
            ("x-fc-function-memory", memory),
        ];
        for (name, value) in numbers {
            headers.insert(name, value.to_string().parse().unwrap());
        }
        Context::from_headers(headers)
    }

    fn time(policy: &CallPolicy, phase: Phase, ctx: &Context) -> Option<Duration> {
        policy.budget(phase, ctx).time
    }

    #[test]
    fn header_then_default() {
        let policy = CallPolicy::default();
        let secs = |s| Some(Duration::from_secs(s));
        assert_eq!(time(&policy, Phase::Invoke, &ctx(3, -1, -1)), secs(3));
        assert_eq!(
            time(&policy, Phase::HttpInvoke, &ctx(-1, -1, -1)),
            Some(DEFAULT_FUNCTION_TIMEOUT)
        );
        assert_eq!(time(&policy, Phase::Initialize, &ctx(-1, 7, -1)), secs(7));
        assert_eq!(
            time(&policy, Phase::Initialize, &ctx(-1, 0, -1)),
            Some(DEFAULT_INITIALIZATION_TIMEOUT)
        );
        assert_eq!(
            time(&policy, Phase::PreStop, &ctx(9, 9, -1)),
            Some(DEFAULT_HOOK_TIMEOUT)
        );
    }

    #[test]
    fn absurd_headers_are_clamped_to_fc_maxima() {
        let policy = CallPolicy::default();
        let huge = ctx(i32::MAX, i32::MAX, i32::MAX);
        assert_eq!(
            time(&policy, Phase::Invoke, &huge),
            Some(MAX_FUNCTION_TIMEOUT)
        );
        assert_eq!(
            time(&policy, Phase::Initialize, &huge),
            Some(MAX_INITIALIZATION_TIMEOUT)
        );
        assert_eq!(
            policy.memory_cap(&huge),
            Some((MAX_MEMORY_MB as usize) << 20)
        );
    }

    #[test]
    fn flags_override_and_none_means_no_limit() {
        let policy = CallPolicy {
            function_timeout: Some(TimeLimit::After(Duration::from_secs(5))),
            initialization_timeout: Some(TimeLimit::Unlimited),
            ..CallPolicy::default()
        };
        assert_eq!(
            time(&policy, Phase::Invoke, &ctx(3, -1, -1)),
            Some(Duration::from_secs(5))
        );
        assert_eq!(time(&policy, Phase::Initialize, &ctx(-1, 7, -1)), None);
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

    #[test]
    fn ignored_limit_headers_leave_flags_and_defaults() {
        let policy = CallPolicy {
            ignore_limit_headers: true,
            ..CallPolicy::default()
        };
        let budget = policy.budget(Phase::Invoke, &ctx(600, 600, 4096));
        assert_eq!(budget.time, Some(DEFAULT_FUNCTION_TIMEOUT));
        assert_eq!(budget.memory, None);
    }

    #[test]
    fn time_limits_parse_units_seconds_and_none() {
        let after = |s| Ok(TimeLimit::After(Duration::from_secs(s)));
        assert_eq!("90s".parse(), after(90));
        assert_eq!("2m".parse(), after(120));
        assert_eq!("45".parse(), after(45));
        assert_eq!("None".parse::<TimeLimit>(), Ok(TimeLimit::Unlimited));
        assert_eq!(
            "500ms".parse(),
            Ok(TimeLimit::After(Duration::from_millis(500)))
        );
        assert!("soon".parse::<TimeLimit>().unwrap_err().contains("`soon`"));
        assert_eq!(
            TimeLimit::After(Duration::from_secs(90)).to_string(),
            "1m 30s"
        );
    }
}
