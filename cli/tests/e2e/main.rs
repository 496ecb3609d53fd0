//! End-to-end tests: real guests built from source (the `test-guests` crate), driven
//! like the platform drives `bootstrap`. Most call the socket-free `Router::handle`
//! seam in process; `server` and `limits` go through a real socket, where the socket
//! is what is tested.

mod c;
mod concurrency;
mod context;
mod errors;
mod golang;
mod http;
mod initialize;
mod invoke;
mod javascript;
mod lifecycle;
mod limits;
mod logs;
mod node_apps;
mod node_builtins;
mod pool;
mod projects;
mod python;
mod reload;
mod sandbox;
mod server;
mod support;
mod wasi_http;

// The `host` crate sets the allocator `bootstrap` runs with (mimalloc), so in-process
// calls cost what they cost in the executable.
