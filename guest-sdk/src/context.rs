//! The call's context: what the platform says about this call. It is read from the host
//! as you ask for each part (a handler that reads nothing pays nothing).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::bindings::wit_context;

/// The context of one call, valid while the call runs. Each method asks the host.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    inner: &'a wit_context::Context,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("request_id", &self.request_id())
            .finish_non_exhaustive()
    }
}

impl<'a> Context<'a> {
    #[doc(hidden)]
    pub fn new(inner: &'a wit_context::Context) -> Self {
        Context { inner }
    }

    /// The invocation id (`x-fc-request-id`).
    pub fn request_id(&self) -> String {
        self.inner.request_id()
    }

    /// Temporary credentials of the function's role; empty when it has none.
    pub fn credentials(&self) -> Credentials {
        let c = self.inner.credentials();
        Credentials {
            access_key_id: c.access_key_id,
            access_key_secret: c.access_key_secret,
            security_token: c.security_token,
        }
    }

    /// The function being called.
    pub fn function(&self) -> FunctionMeta {
        FunctionMeta {
            name: self.inner.function_name(),
            handler: self.inner.function_handler(),
            memory: self.inner.memory_mb(),
            timeout: self.inner.timeout_s(),
            initializer: self.inner.initializer(),
            initialization_timeout: self.inner.initialization_timeout_s(),
        }
    }

    /// The service the function belongs to (FC 2.0; empty on FC 3.0).
    pub fn service(&self) -> ServiceMeta {
        ServiceMeta {
            name: self.inner.service_name(),
            log_project: self.inner.log_project(),
            log_store: self.inner.log_store(),
            qualifier: self.inner.qualifier(),
            version_id: self.inner.version_id(),
        }
    }

    /// The region, e.g. `cn-hangzhou`.
    pub fn region(&self) -> String {
        self.inner.region()
    }

    /// The account id of the function's owner.
    pub fn account_id(&self) -> String {
        self.inner.account_id()
    }

    /// Retries of an asynchronous invocation; 0 for the first attempt.
    pub fn retry_count(&self) -> i32 {
        self.inner.retry_count()
    }

    /// FC's id of the instance serving the call (`FC_INSTANCE_ID`; empty locally).
    pub fn instance_id(&self) -> String {
        self.inner.instance_id()
    }

    /// FC's tracing of the call; empty when tracing is off.
    pub fn tracing(&self) -> Tracing {
        let t = self.inner.tracing();
        Tracing {
            open_tracing_span_context: t.span_context,
            open_tracing_span_baggages: serde_json::from_str(&t.span_baggages).unwrap_or_default(),
            jaeger_endpoint: t.jaeger_endpoint,
        }
    }

    /// How long the call may still run before its timeout; `None` without a limit.
    pub fn remaining_time(&self) -> Option<Duration> {
        self.inner.remaining_time_ms().map(Duration::from_millis)
    }

    /// Everything at once, as an owned value that serializes (serde) to the JSON shape
    /// of FC's Node.js `context`.
    pub fn to_fields(&self) -> ContextFields {
        let f = self.inner.fields();
        ContextFields {
            request_id: f.request_id,
            credentials: Credentials {
                access_key_id: f.credentials.access_key_id,
                access_key_secret: f.credentials.access_key_secret,
                security_token: f.credentials.security_token,
            },
            function: FunctionMeta {
                name: f.function_name,
                handler: f.function_handler,
                memory: f.memory_mb,
                timeout: f.timeout_s,
                initializer: f.initializer,
                initialization_timeout: f.initialization_timeout_s,
            },
            service: ServiceMeta {
                name: f.service_name,
                log_project: f.log_project,
                log_store: f.log_store,
                qualifier: f.qualifier,
                version_id: f.version_id,
            },
            region: f.region,
            account_id: f.account_id,
            retry_count: f.retry_count,
            instance_id: f.instance_id,
            tracing: Tracing {
                open_tracing_span_context: f.tracing.span_context,
                open_tracing_span_baggages: serde_json::from_str(&f.tracing.span_baggages)
                    .unwrap_or_default(),
                jaeger_endpoint: f.tracing.jaeger_endpoint,
            },
        }
    }
}

/// Every part of the context. Serializes to the JSON shape of FC's Node.js `context`
/// (`requestId`, `credentials`, `function`, `service`, `region`, `accountId`,
/// `retryCount`, `instanceId`, `tracing`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ContextFields {
    /// The invocation id.
    pub request_id: String,
    /// Temporary credentials of the function's role.
    pub credentials: Credentials,
    /// The function being called.
    pub function: FunctionMeta,
    /// The service the function belongs to.
    pub service: ServiceMeta,
    /// The region.
    pub region: String,
    /// The account id of the function's owner.
    pub account_id: String,
    /// Retries of an asynchronous invocation.
    pub retry_count: i32,
    /// FC's id of the instance.
    pub instance_id: String,
    /// FC's tracing of the call.
    pub tracing: Tracing,
}

/// Temporary credentials of the function's role; empty when it has none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Credentials {
    /// `x-fc-access-key-id`.
    pub access_key_id: String,
    /// `x-fc-access-key-secret`.
    pub access_key_secret: String,
    /// `x-fc-security-token`.
    pub security_token: String,
}

/// The function being called. Numbers the platform did not send are -1.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FunctionMeta {
    /// Function name.
    pub name: String,
    /// The configured handler string.
    pub handler: String,
    /// Memory size in MB, or -1.
    pub memory: i32,
    /// Timeout in seconds, or -1.
    pub timeout: i32,
    /// The configured initializer string; empty when none is configured.
    pub initializer: String,
    /// Initializer timeout in seconds, or -1.
    pub initialization_timeout: i32,
}

/// The service the function belongs to (FC 2.0).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ServiceMeta {
    /// Service name (empty on FC 3.0).
    pub name: String,
    /// Log project.
    pub log_project: String,
    /// Logstore.
    pub log_store: String,
    /// The version or alias that was called, e.g. `LATEST`.
    pub qualifier: String,
    /// Version id.
    pub version_id: String,
}

/// FC's tracing of the call, as FC's Node.js `context.tracing`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Tracing {
    /// `x-fc-tracing-opentracing-span-context`.
    pub open_tracing_span_context: String,
    /// `x-fc-tracing-opentracing-span-baggages`, decoded.
    pub open_tracing_span_baggages: std::collections::BTreeMap<String, String>,
    /// `x-fc-tracing-jaeger-endpoint`.
    pub jaeger_endpoint: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_have_the_nodejs_context_shape() {
        let fields = ContextFields {
            request_id: "r".into(),
            function: FunctionMeta {
                memory: 512,
                timeout: -1,
                initialization_timeout: 3,
                ..FunctionMeta::default()
            },
            retry_count: 1,
            ..ContextFields::default()
        };
        assert_eq!(
            serde_json::to_value(&fields).unwrap(),
            serde_json::json!({
                "requestId": "r",
                "credentials": {"accessKeyId": "", "accessKeySecret": "", "securityToken": ""},
                "function": {"name": "", "handler": "", "memory": 512, "timeout": -1,
                             "initializer": "", "initializationTimeout": 3},
                "service": {"name": "", "logProject": "", "logStore": "", "qualifier": "",
                            "versionId": ""},
                "region": "",
                "accountId": "",
                "retryCount": 1,
                "instanceId": "",
                "tracing": {"openTracingSpanContext": "", "openTracingSpanBaggages": {},
                            "jaegerEndpoint": ""}
            })
        );
    }
}
