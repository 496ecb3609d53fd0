//! Names of the `x-fc-*` headers the platform sends and reads (fc-protocol.md §3, §4).

/// Invocation id, also echoed to the client.
pub const REQUEST_ID: &str = "x-fc-request-id";
/// Which kind of call this is: `/invoke`, `/initialize`, `/http-invoke`, hooks.
pub const CONTROL_PATH: &str = "x-fc-control-path";
/// Temporary credentials of the service role.
pub const ACCESS_KEY_ID: &str = "x-fc-access-key-id";
/// Temporary credentials of the service role.
pub const ACCESS_KEY_SECRET: &str = "x-fc-access-key-secret";
/// Temporary credentials of the service role.
pub const SECURITY_TOKEN: &str = "x-fc-security-token";
/// Function name.
pub const FUNCTION_NAME: &str = "x-fc-function-name";
/// Configured handler string.
pub const FUNCTION_HANDLER: &str = "x-fc-function-handler";
/// Memory size in MB.
pub const FUNCTION_MEMORY: &str = "x-fc-function-memory";
/// Function timeout in seconds.
pub const FUNCTION_TIMEOUT: &str = "x-fc-function-timeout";
/// Configured initializer string.
pub const FUNCTION_INITIALIZER: &str = "x-fc-function-initializer";
/// Initializer timeout in seconds.
pub const INITIALIZATION_TIMEOUT: &str = "x-fc-initialization-timeout";
/// Service name (empty on FC 3.0).
pub const SERVICE_NAME: &str = "x-fc-service-name";
/// Log project of the service.
pub const SERVICE_LOG_PROJECT: &str = "x-fc-service-logproject";
/// Logstore of the service.
pub const SERVICE_LOG_STORE: &str = "x-fc-service-logstore";
/// Version or alias called.
pub const QUALIFIER: &str = "x-fc-qualifier";
/// Version id.
pub const VERSION_ID: &str = "x-fc-version-id";
/// Region.
pub const REGION: &str = "x-fc-region";
/// Account id.
pub const ACCOUNT_ID: &str = "x-fc-account-id";
/// Retries of an asynchronous invocation.
pub const RETRY_COUNT: &str = "x-fc-retry-count";
/// Success (`200`) or failure (`404`) of the call, set on responses.
pub const STATUS: &str = "x-fc-status";
/// Class of a platform error, set on the host's own error responses.
pub const ERROR_TYPE: &str = "x-fc-error-type";
