//! `wasi:sockets`: sockets from the descriptor budget, listening only when granted,
//! name lookups within the allow-list.

use wasmtime::component::{Linker, Resource, ResourceType};
use wasmtime_wasi::p2::bindings::sockets::network::{ErrorCode, IpAddressFamily, Network};
use wasmtime_wasi::p2::bindings::sockets::tcp::HostTcpSocket;
use wasmtime_wasi::p2::bindings::sockets::udp::HostUdpSocket;
use wasmtime_wasi::p2::bindings::sockets::{ip_name_lookup, tcp_create_socket, udp_create_socket};
use wasmtime_wasi::p2::{TcpSocket, UdpSocket};
use wasmtime_wasi::sockets::WasiSocketsView as _;

use super::split;
use crate::state::HostState;
use crate::state::network::refuse;

/// The interfaces, as wasmtime-wasi defines them (guests of any 0.2.x link to them).
const TCP_CREATE: &str = "wasi:sockets/tcp-create-socket@0.2.12";
const UDP_CREATE: &str = "wasi:sockets/udp-create-socket@0.2.12";
const TCP: &str = "wasi:sockets/tcp@0.2.12";
const UDP: &str = "wasi:sockets/udp@0.2.12";
const NAME_LOOKUP: &str = "wasi:sockets/ip-name-lookup@0.2.12";

pub(super) fn add(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.instance(TCP_CREATE)?.func_wrap(
        "create-tcp-socket",
        |mut store, (family,): (IpAddressFamily,)| {
            let state = store.data_mut();
            if !take_socket(state) {
                return Ok((Err(ErrorCode::NewSocketLimit),));
            }
            let created = tcp_create_socket::Host::create_tcp_socket(&mut state.sockets(), family);
            state.fds.opened(created.as_ref().ok().map(Resource::rep));
            split(created)
        },
    )?;
    linker.instance(UDP_CREATE)?.func_wrap_async(
        "create-udp-socket",
        |mut store, (family,): (IpAddressFamily,)| {
            Box::new(async move {
                let state = store.data_mut();
                if !take_socket(state) {
                    return Ok((Err(ErrorCode::NewSocketLimit),));
                }
                let created =
                    udp_create_socket::Host::create_udp_socket(&mut state.sockets(), family).await;
                let handle = created.as_ref().ok().map(Resource::rep);
                store.data_mut().fds.opened(handle);
                split(created)
            })
        },
    )?;
    add_tcp(linker)?;
    linker.instance(UDP)?.resource(
        "udp-socket",
        ResourceType::host::<UdpSocket>(),
        |mut store, rep| {
            let state = store.data_mut();
            state.fds.closed(rep);
            HostUdpSocket::drop(&mut state.sockets(), Resource::new_own(rep))
        },
    )?;
    linker.instance(NAME_LOOKUP)?.func_wrap(
        "resolve-addresses",
        |mut store, (network, name): (Resource<Network>, String)| {
            let state = store.data_mut();
            if !state.net.allows_lookup(&name) {
                let message =
                    format!("refused looking up `{name}`: not in the allow-list (--allow-net)");
                refuse(&state.log, &message);
                return Ok((Err(ErrorCode::NameUnresolvable),));
            }
            split(ip_name_lookup::Host::resolve_addresses(
                &mut state.sockets(),
                network,
                name,
            ))
        },
    )?;
    Ok(())
}

/// Listening (only when granted), accepting (from the budget) and closing TCP sockets.
fn add_tcp(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    let mut tcp = linker.instance(TCP)?;
    tcp.func_wrap_async(
        "[method]tcp-socket.start-listen",
        |mut store, (socket,): (Resource<TcpSocket>,)| {
            Box::new(async move {
                let state = store.data_mut();
                if !state.allow_listen {
                    refuse(
                        &state.log,
                        "refused listening on a TCP socket: pass --allow-listen to grant it",
                    );
                    return Ok((Err(ErrorCode::AccessDenied),));
                }
                split(HostTcpSocket::start_listen(&mut state.sockets(), socket).await)
            })
        },
    )?;
    tcp.func_wrap(
        "[method]tcp-socket.accept",
        |mut store, (socket,): (Resource<TcpSocket>,)| {
            let state = store.data_mut();
            if !take_socket(state) {
                return Ok((Err(ErrorCode::NewSocketLimit),));
            }
            let accepted = HostTcpSocket::accept(&mut state.sockets(), socket);
            state
                .fds
                .opened(accepted.as_ref().ok().map(|(socket, _, _)| socket.rep()));
            split(accepted)
        },
    )?;
    tcp.resource(
        "tcp-socket",
        ResourceType::host::<TcpSocket>(),
        |mut store, rep| {
            let state = store.data_mut();
            state.fds.closed(rep);
            HostTcpSocket::drop(&mut state.sockets(), Resource::new_own(rep))
        },
    )?;
    Ok(())
}

/// Takes a descriptor for a new socket, or says why not.
fn take_socket(state: &mut HostState) -> bool {
    let taken = state.fds.take().is_ok();
    if !taken {
        refuse(
            &state.log,
            "refused a new socket: the descriptor budget is spent",
        );
    }
    taken
}
