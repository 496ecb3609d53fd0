//! The guest's network: TCP, UDP and name lookup through WASI sockets, and outgoing
//! `wasi:http` requests, each checked against the policy. A guest may never bind the
//! host's own port; lookups are off under `--allow-net none` (the allow-list guard
//! checks names otherwise).

use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi_http::WasiHttpHooks;

use crate::logs::GuestLog;
use crate::sandbox::{Grants, NetPolicy};

/// TCP, UDP and name lookup, with every address checked against the policy.
pub(super) fn allow_network(
    builder: &mut wasmtime_wasi::WasiCtxBuilder,
    grants: &Grants,
    log: &GuestLog,
) {
    builder
        .allow_tcp(true)
        .allow_udp(true)
        .allow_ip_name_lookup(!grants.net.allows_nothing());
    let net = grants.net.clone();
    let host_port = grants.host_port;
    let log = log.clone();
    builder.socket_addr_check(move |addr, usage| {
        let net = net.clone();
        let log = log.clone();
        Box::pin(async move {
            if matches!(usage, SocketAddrUse::TcpBind | SocketAddrUse::UdpBind) {
                // Binding reaches nobody, but the host's own port is the host's.
                let ours =
                    host_port == Some(addr.port()) && matches!(usage, SocketAddrUse::TcpBind);
                if ours {
                    refuse(
                        &log,
                        &format!("refused binding {addr}: it is bootstrap's own port"),
                    );
                }
                return !ours;
            }
            let allowed = net.allows_addr(addr).await;
            if !allowed {
                refuse(&log, &not_allowed(&addr.to_string()));
            }
            allowed
        })
    });
}

/// The message of a refused connection.
pub(crate) fn not_allowed(target: &str) -> String {
    format!("refused outbound connection to {target}: not in the allow-list (--allow-net)")
}

/// Logs a refusal, in the call's FC log and on stderr.
pub(crate) fn refuse(log: &GuestLog, message: &str) {
    log.write_record("WARN", message.as_bytes());
    tracing::warn!("{message}");
}

/// How the guest's outgoing `wasi:http` requests are sent: wasmtime-wasi-http's
/// defaults (HTTP and HTTPS), after the allow-list check.
pub(super) struct HttpHooks {
    pub(super) net: NetPolicy,
    pub(super) log: GuestLog,
}

impl WasiHttpHooks for HttpHooks {
    fn send_request(
        &mut self,
        request: http::Request<wasmtime_wasi_http::WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = wasmtime_wasi_http::Result<(
                    http::Response<wasmtime_wasi_http::WasiBody>,
                    Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
                )>,
            > + Send,
    > {
        let uri = request.uri();
        let host = uri.host().unwrap_or_default().to_string();
        let https = uri.scheme_str() == Some("https");
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        if !self.net.allows_host(&host, port) {
            refuse(&self.log, &not_allowed(&format!("{host}:{port}")));
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        let _ = fut;
        Box::new(async move {
            use http_body_util::BodyExt;
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}
