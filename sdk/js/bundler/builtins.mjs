// Node's built-in modules as a JavaScript function's bundle resolves them: each
// name (with or without `node:`) comes from a kept polyfill package of the
// toolchain, from the SDK's own `node/` folder, or is one a WebAssembly function
// cannot have, which loads but fails, naming itself and what to use instead,
// when it is used.

/** A built-in taken from a polyfill package (resolved as a browser bundler would). */
const pkg = (name) => ({ pkg: name });
/** A built-in of the SDK's own (`sdk/js/node/<file>`). */
const own = (file) => ({ own: file });
/** A built-in that cannot exist here, and what to do instead. */
const none = (why, instead) => ({ none: { why, instead } });

const NO_PROCESSES = none(
  "a function cannot start processes or threads",
  "do the work in the function itself, or call another FC function over HTTP",
);
const NO_SOCKETS = none(
  "a function has no raw TCP, UDP or TLS sockets in JavaScript",
  "use fetch() or the `http`/`https` client, which go through the runtime",
);

/** Where each built-in comes from. */
export const BUILTINS = {
  assert: pkg("assert"),
  "assert/strict": own("assert-strict.js"),
  async_hooks: own("async_hooks.js"),
  buffer: own("buffer.js"),
  child_process: NO_PROCESSES,
  cluster: NO_PROCESSES,
  console: own("console.js"),
  constants: pkg("unenv/node/constants"),
  crypto: own("crypto.js"),
  dgram: NO_SOCKETS,
  diagnostics_channel: pkg("unenv/node/diagnostics_channel"),
  dns: none(
    "a function cannot look up names in JavaScript",
    "connect by name with fetch() or `http`, which look the name up in the runtime",
  ),
  "dns/promises": none(
    "a function cannot look up names in JavaScript",
    "connect by name with fetch() or `http`, which look the name up in the runtime",
  ),
  domain: none("`domain` is deprecated in Node.js and not provided", "use try/catch and promises"),
  events: pkg("events"),
  fs: own("fs.js"),
  "fs/promises": own("fs-promises.js"),
  http: own("http.js"),
  http2: none("HTTP/2 servers and sessions are not provided", "use `http` or fetch()"),
  https: own("https.js"),
  inspector: none("there is no inspector in a WebAssembly function", "log with console"),
  "inspector/promises": none("there is no inspector in a WebAssembly function", "log with console"),
  module: own("module.js"),
  net: own("net.js"),
  os: pkg("unenv/node/os"),
  path: pkg("path-browserify"),
  "path/posix": pkg("path-browserify"),
  "path/win32": none("Windows paths are not provided", "use `path` (POSIX)"),
  perf_hooks: pkg("unenv/node/perf_hooks"),
  process: own("process.js"),
  punycode: pkg("unenv/node/punycode"),
  querystring: pkg("unenv/node/querystring"),
  readline: none("a function has no terminal to read", "read the request body or the event"),
  "readline/promises": none("a function has no terminal to read", "read the request body or the event"),
  repl: none("a function has no terminal", "log with console"),
  stream: pkg("readable-stream/lib/ours/browser.js"),
  "stream/consumers": own("stream-consumers.js"),
  "stream/promises": pkg("readable-stream/lib/stream/promises.js"),
  "stream/web": own("stream-web.js"),
  string_decoder: pkg("string_decoder"),
  sys: pkg("util"),
  timers: pkg("unenv/node/timers"),
  "timers/promises": pkg("unenv/node/timers/promises"),
  tls: NO_SOCKETS,
  trace_events: none("there are no trace events in a WebAssembly function", "log with console"),
  tty: pkg("unenv/node/tty"),
  url: pkg("unenv/node/url"),
  util: pkg("util"),
  "util/types": pkg("util/support/types.js"),
  v8: none("there is no V8 here: the engine is SpiderMonkey", "drop the call"),
  vm: none("a function cannot make new JavaScript contexts", "run the code directly"),
  wasi: none("a function is already a WASI program", "drop the call"),
  worker_threads: NO_PROCESSES,
  zlib: own("zlib.js"),
};

/**
 * The built-in a module id names, or undefined: `fs`, `node:fs`, `fs/promises`, and
 * the trailing-slash forms packages use to reach the polyfill (`buffer/`, `process/`).
 */
export function builtinName(id) {
  const name = id.startsWith("node:") ? id.slice(5) : id.replace(/\/$/, "");
  return Object.hasOwn(BUILTINS, name) ? name : undefined;
}
