//! The headers FC sends with each call, so the benchmark's requests cost the server what
//! the platform's do: the 16 `x-fc-*` headers of an FC 3.0 event invocation (values of
//! the documented shapes and lengths; an STS security token is several hundred bytes)
//! and those of an HTTP-function request.

/// An STS security token of a typical length.
const SECURITY_TOKEN: &str = concat!(
    "CAIS9AF1q6Ft5B2yfSjIr5bkEd3Rqaxq0K6jN2DVgmlsWLdWgPDMrjz2IHhMf3NpBOkZvvQ1lGlU6/8clrh+",
    "W4NIX0rNaY5t9ZlN9wqkbtJg6C9oseBZsc5MVDm6V2bQW3mJhhA53KTGSTLVk5+fs3wDuEmW3JHKaQk6WuDo",
    "5H8wG/gY5qS0Y7jQABIiX3GalTsCfl8LPkZfQ6ZoJYK63PiFnDm3aQ6X+Pm6y+n4Mt7tYVdiQu4r02+eTKm",
    "7b8Z6gSwiWszZf/+udqrHaAbQ3iw0MrHxNqlmkP8ZqcKQFVBnrpKzOoDTVrsGYRrRVjLcSRCCt3nq+p/3BjW",
    "lx9oB8+7p6TUIn9pN4i26sMlQTB3fN3MPXqxt9vhA2Vgq0nO6S6L7MUrp/1ULWj6kPiHjQcC+OE5B9vIEK3j",
    "u7dwDsPXuvL0+bKY3qF6YfFFx3ka6sZ1W0L6xtvFlLWGbbg6yK3bXyoukFdQLZ3LO1zxuFHYeb+4s8Dr0ZNb",
    "+Ur3uehqpmcjtn3TYx8i9MXr2gBUl0wOvIDxUqXpAGwIvaRn/GtAhi+e+TGQ1XsUQ+rjj9Nqdx0YBfxbRsa",
);

/// The `x-fc-*` headers of an event invocation (`POST /invoke`).
pub(crate) const INVOKE: &[(&str, &str)] = &[
    ("content-type", "application/octet-stream"),
    ("x-fc-request-id", "1-6747d1a2-150c1267f381ba1c085c2b8e"),
    ("x-fc-control-path", "/invoke"),
    ("x-fc-access-key-id", "STS.NTbW8yEXzxBn4jXQ7BtRxRuRz"),
    (
        "x-fc-access-key-secret",
        "9sF7kX2mQpL4vN8rT1wY6zC3bH5jD0gA7eU2iO9",
    ),
    ("x-fc-security-token", SECURITY_TOKEN),
    ("x-fc-function-name", "echo"),
    ("x-fc-function-handler", "index.handler"),
    ("x-fc-function-memory", "512"),
    ("x-fc-function-timeout", "60"),
    ("x-fc-function-initializer", "index.initializer"),
    ("x-fc-initialization-timeout", "30"),
    ("x-fc-qualifier", "LATEST"),
    ("x-fc-version-id", "1"),
    ("x-fc-region", "cn-hangzhou"),
    ("x-fc-account-id", "1234567890123456"),
    ("x-fc-retry-count", "0"),
];

/// An HTTP-function request as the platform forwards it (the client's own headers
/// besides).
pub(crate) const HTTP: &[(&str, &str)] = &[
    ("content-type", "text/plain"),
    ("x-fc-request-id", "1-6747d1a2-150c1267f381ba1c085c2b8e"),
    ("x-fc-control-path", "/http-invoke"),
    ("x-fc-access-key-id", "STS.NTbW8yEXzxBn4jXQ7BtRxRuRz"),
    (
        "x-fc-access-key-secret",
        "9sF7kX2mQpL4vN8rT1wY6zC3bH5jD0gA7eU2iO9",
    ),
    ("x-fc-security-token", SECURITY_TOKEN),
    ("x-fc-function-name", "web"),
    ("x-fc-function-handler", "index.handler"),
    ("x-fc-function-memory", "512"),
    ("x-fc-function-timeout", "60"),
    ("x-fc-qualifier", "LATEST"),
    ("x-fc-version-id", "1"),
    ("x-fc-region", "cn-hangzhou"),
    ("x-fc-account-id", "1234567890123456"),
    ("x-fc-client-ip", "203.0.113.7"),
];

/// `POST /invoke` without any platform header (a local `curl`).
pub(crate) const BARE_INVOKE: &[(&str, &str)] = &[("content-type", "application/octet-stream")];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invocations_carry_the_platform_s_sixteen_headers() {
        let platform = |headers: &[(&str, &str)]| {
            headers
                .iter()
                .filter(|(name, _)| name.starts_with("x-fc-"))
                .count()
        };
        assert_eq!(platform(INVOKE), 16);
        assert!(platform(HTTP) >= 13);
        assert!(SECURITY_TOKEN.len() > 500);
        for (name, value) in INVOKE.iter().chain(HTTP) {
            assert!(http::HeaderName::try_from(*name).is_ok(), "{name}");
            assert!(http::HeaderValue::try_from(*value).is_ok(), "{name}");
        }
    }
}
