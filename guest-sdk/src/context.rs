//! The call's context: what the platform's `x-fc-*` headers say about this request.

use serde::{Deserialize, Serialize};

use crate::bindings::wit;

/// The context of one call. Serializes to the JSON shape of FC's Node.js `context`
/// (`requestId`, `credentials`, `function`, `service`, `region`, `accountId`,
/// `retryCount`). Strings the platform did not send are empty; numbers are `-1`
/// (`retryCount`: `0`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Context {
    /// The invocation id (`x-fc-request-id`).
    pub request_id: String,
    /// Temporary credentials of the function's role.
    pub credentials: Credentials,
    /// The function being called.
    pub function: FunctionMeta,
    /// The service the function belongs to.
    pub service: ServiceMeta,
    /// The region, e.g. `cn-shanghai`.
    pub region: String,
    /// The account id of the function's owner.
    pub account_id: String,
    /// Retries of an asynchronous invocation; 0 for the first attempt.
    pub retry_count: i32,
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

/// The function being called.
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

/// The service the function belongs to.
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

impl From<wit::Context> for Context {
    fn from(ctx: wit::Context) -> Self {
        Context {
            request_id: ctx.request_id,
            credentials: Credentials {
                access_key_id: ctx.credentials.access_key_id,
                access_key_secret: ctx.credentials.access_key_secret,
                security_token: ctx.credentials.security_token,
            },
            function: FunctionMeta {
                name: ctx.function.name,
                handler: ctx.function.handler,
                memory: ctx.function.memory_mb,
                timeout: ctx.function.timeout_s,
                initializer: ctx.function.initializer,
                initialization_timeout: ctx.function.initialization_timeout_s,
            },
            service: ServiceMeta {
                name: ctx.service.name,
                log_project: ctx.service.log_project,
                log_store: ctx.service.log_store,
                qualifier: ctx.service.qualifier,
                version_id: ctx.service.version_id,
            },
            region: ctx.region,
            account_id: ctx.account_id,
            retry_count: ctx.retry_count,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_has_the_nodejs_context_shape() {
        let ctx = Context {
            request_id: "r".into(),
            function: FunctionMeta {
                memory: 512,
                timeout: -1,
                initialization_timeout: 3,
                ..FunctionMeta::default()
            },
            retry_count: 1,
            ..Context::default()
        };
        assert_eq!(
            serde_json::to_value(&ctx).unwrap(),
            serde_json::json!({
                "requestId": "r",
                "credentials": {"accessKeyId": "", "accessKeySecret": "", "securityToken": ""},
                "function": {"name": "", "handler": "", "memory": 512, "timeout": -1,
                             "initializer": "", "initializationTimeout": 3},
                "service": {"name": "", "logProject": "", "logStore": "", "qualifier": "",
                            "versionId": ""},
                "region": "",
                "accountId": "",
                "retryCount": 1
            })
        );
    }
}
