// `module`, and the global `require` a bundle calls for a name it could not see
// when it was built (`require(name)` with `name` computed at run time). The bundle
// holds the modules imported by name, and only those, so such a call can only say
// why it fails: a native addon cannot load, and any other module is not there.

export const builtinModules = [
  "assert", "assert/strict", "async_hooks", "buffer", "child_process", "cluster", "console",
  "constants", "crypto", "dgram", "diagnostics_channel", "dns", "dns/promises", "domain",
  "events", "fs", "fs/promises", "http", "http2", "https", "inspector", "inspector/promises", "module", "net", "os",
  "path", "path/posix", "path/win32", "perf_hooks", "process", "punycode", "querystring",
  "readline", "readline/promises", "repl", "stream", "stream/consumers", "stream/promises",
  "stream/web", "string_decoder", "sys", "timers", "timers/promises", "tls", "trace_events",
  "tty", "url", "util", "util/types", "v8", "vm", "wasi", "worker_threads", "zlib",
];

/** Whether `name` is one of Node's built-in modules. */
export function isBuiltin(name) {
  return builtinModules.includes(String(name).replace(/^node:/, ""));
}

/** The error of requiring `id` at run time. */
function notBundled(id) {
  const name = String(id);
  if (name.endsWith(".node")) {
    return Object.assign(
      new Error(
        `${name} is a native addon, compiled for Node.js, which cannot load in a WebAssembly ` +
          "function: use a pure-JavaScript package instead",
      ),
      { code: "ERR_DLOPEN_FAILED" },
    );
  }
  return Object.assign(
    new Error(
      `Cannot find module '${name}': it is required by a name computed at run time, and the ` +
        "bundle `fcwasm build` makes holds only the modules required or imported by a literal name",
    ),
    { code: "MODULE_NOT_FOUND" },
  );
}

/** The global `require` of a bundle: every name that reaches it was not bundled. */
export function require(id) {
  throw notBundled(id);
}
require.resolve = (id) => {
  throw notBundled(id);
};
require.cache = Object.create(null);
require.main = undefined;

/** `createRequire(filename)`: the same `require`. */
export function createRequire() {
  return require;
}

export class Module {
  constructor(id = "") {
    this.id = id;
    this.exports = {};
  }
}
Module.builtinModules = builtinModules;
Module.isBuiltin = isBuiltin;
Module.createRequire = createRequire;

/** Makes the bundle's `require` for names it could not resolve the one above. */
export function installRequire() {
  globalThis.require ??= require;
}

export default Module;
