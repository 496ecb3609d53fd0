// `process`, as Node.js has it, for code written for Node: an EventEmitter with
// `env` (the function's environment variables, read from the host the first time a
// call uses them), `argv`, `version(s)`, `platform`, `cwd()` (`/code`, where FC
// runs a function), `nextTick`, `hrtime`, `memoryUsage`, `stdout`/`stderr` (lines
// become FC log records), `exit` (which fails the call: an instance outlives it).
//
// Modules load when `fcwasm build` builds the component, not on FC: there
// `process.env` has only `NODE_ENV` ("production", which libraries test as they
// load), and the first call warns about any other variable the user's code read
// then.

import EventEmitter from "events";
import { getEnvironment } from "wasi:cli/environment@0.2.3";

/** What `NODE_ENV` is unless the function's environment sets it. */
const NODE_ENV = "production";
/** The variables the project's own modules name (the bundler lists them): only their
 * reads while the modules load are warned about, not libraries' own switches. */
function projectEnvNames() {
  // Set by the bundle's first line; none unbundled (in tests).
  return globalThis.__fcProjectEnvNames ?? [];
}
/** The Node.js release whose API this process imitates. */
const VERSION = "v20.19.0";

let environment;
let serving = false;
const readWhileLoading = new Set();

/** While the modules load: `NODE_ENV`, and a record of what else was asked for. */
const loadingEnv = new Proxy(Object.freeze({ NODE_ENV }), {
  get(target, key) {
    if (typeof key === "string" && projectEnvNames().includes(key)) readWhileLoading.add(key);
    return target[key];
  },
});

/** Marks that the platform's calls have begun: the environment is FC's now. */
export function startServing() {
  if (serving) return;
  serving = true;
  if (readWhileLoading.size > 0) {
    const names = [...readWhileLoading].map((name) => `process.env.${name}`).join(", ");
    console.warn(
      `${names} was read while the module loaded, which happens when \`fcwasm build\` ` +
        "builds the component, not on FC: it was undefined then. Read environment variables " +
        "in `initialize` or in the handler",
    );
  }
}

/** Whether the platform's calls have begun (the modules have loaded). */
export function isServing() {
  return serving;
}

function env() {
  if (!serving) return loadingEnv;
  environment ??= { NODE_ENV, ...Object.fromEntries(getEnvironment()) };
  return environment;
}

/** Nanoseconds since an arbitrary moment, as a BigInt. */
function nanoseconds() {
  return BigInt(Math.round(performance.now() * 1e6));
}

function hrtime(previous) {
  const now = nanoseconds();
  const elapsed = previous ? now - (BigInt(previous[0]) * 1000000000n + BigInt(previous[1])) : now;
  return [Number(elapsed / 1000000000n), Number(elapsed % 1000000000n)];
}
hrtime.bigint = nanoseconds;

/** A writable that logs each line through `console[method]`. */
function lineWriter(method, fd) {
  let pending = "";
  const stream = new EventEmitter();
  Object.assign(stream, {
    fd,
    isTTY: false,
    writable: true,
    columns: 80,
    write(chunk, encoding, callback) {
      const text = typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
      const lines = (pending + text).split("\n");
      pending = lines.pop();
      for (const line of lines) console[method](line);
      const done = typeof encoding === "function" ? encoding : callback;
      if (typeof done === "function") queueMicrotask(done);
      return true;
    },
    end(chunk, encoding, callback) {
      if (chunk !== undefined && typeof chunk !== "function") stream.write(chunk, encoding);
      if (pending) console[method](pending);
      pending = "";
      const done = [chunk, encoding, callback].find((item) => typeof item === "function");
      if (done) queueMicrotask(done);
      return stream;
    },
    cork() {},
    uncork() {},
    getColorDepth: () => 1,
    hasColors: () => false,
  });
  return stream;
}

/** An error that ends the call, as `process.exit` ends a Node.js process. */
function exitError(code) {
  const error = new Error(
    `process.exit(${code ?? ""}) was called: a function's instance outlives a call, so the call fails instead`,
  );
  error.name = "ProcessExit";
  error.code = code;
  return error;
}

const process = new EventEmitter();
// Not read while the modules load: the engine's clock is not there yet then.
let started;
Object.assign(process, {
  title: "bootstrap",
  version: VERSION,
  versions: { node: VERSION.slice(1), modules: "115", uv: "1.46.0", v8: "0.0.0-spidermonkey" },
  arch: "x64",
  platform: "linux",
  release: { name: "node" },
  argv: ["/usr/local/bin/node", "/code/index.js"],
  argv0: "node",
  execArgv: [],
  execPath: "/usr/local/bin/node",
  pid: 1,
  ppid: 0,
  exitCode: undefined,
  config: { variables: {} },
  features: {},
  cwd: () => "/code",
  chdir(directory) {
    throw new Error(`process.chdir(${JSON.stringify(directory)}): a function's working directory is /code`);
  },
  umask: () => 0o022,
  getuid: () => 0,
  getgid: () => 0,
  geteuid: () => 0,
  getegid: () => 0,
  nextTick(callback, ...args) {
    queueMicrotask(() => callback(...args));
  },
  hrtime,
  uptime() {
    started ??= performance.now();
    return (performance.now() - started) / 1000;
  },
  memoryUsage: Object.assign(() => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }), {
    rss: () => 0,
  }),
  cpuUsage: () => ({ user: 0, system: 0 }),
  resourceUsage: () => ({}),
  emitWarning(warning, type) {
    const text = warning instanceof Error ? `${warning.name}: ${warning.message}` : String(warning);
    console.warn(typeof type === "string" ? `(${type}) ${text}` : text);
  },
  exit(code) {
    throw exitError(code ?? process.exitCode);
  },
  abort() {
    throw exitError("abort");
  },
  kill() {
    throw new Error("process.kill is not available in a WebAssembly function: it cannot signal processes");
  },
  binding(name) {
    throw new Error(`process.binding(${JSON.stringify(name)}) is not available: there are no Node.js internals`);
  },
  stdout: lineWriter("log", 1),
  stderr: lineWriter("error", 2),
  stdin: Object.assign(new EventEmitter(), { fd: 0, isTTY: false, readable: false }),
});
Object.defineProperty(process, "env", { get: env, enumerable: true });
// `Object.prototype.toString.call(process)` is "[object process]" on Node, which is
// how libraries (axios picking its Node adapter) tell Node apart.
Object.defineProperty(process, Symbol.toStringTag, { value: "process" });

export default process;

/** Makes `process` the global one (unless the engine has its own). */
export function installProcess() {
  globalThis.process ??= process;
}
