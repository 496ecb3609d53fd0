// `console` and `context.logger` write FC log records through the host, which adds
// the time and the request id: `console.error` at ERROR, `console.warn` at WARN, …

import { log } from "fc:runtime/log@0.2.0";

import { isServing } from "./node/process.js";

/** The engine's own console: what the modules print while they load (at build time,
 * when the host's log cannot be called) goes to the build's output through it. */
const engineConsole = { ...globalThis.console };

/** Bytes as Node shows them: the first 50, in hex. */
function showBytes(bytes) {
  const shown = Array.from(bytes.subarray(0, 50), (b) => b.toString(16).padStart(2, "0"));
  return `<Buffer ${shown.join(" ")}${bytes.length > 50 ? ` ... ${bytes.length - 50} more bytes` : ""}>`;
}

/** For JSON.stringify: bytes inside an object are shown, not serialised whole. */
function shortBytes(key, value) {
  const raw = this[key];
  return raw instanceof Uint8Array ? showBytes(raw) : value;
}

function inspect(value, depth = 0) {
  if (typeof value === "string") return depth === 0 ? value : JSON.stringify(value);
  if (value instanceof Error) return value.stack ? `${value}\n${value.stack}` : String(value);
  if (value instanceof Uint8Array) return showBytes(value);
  if (typeof value === "function") return `[Function: ${value.name || "(anonymous)"}]`;
  if (typeof value === "bigint") return `${value}n`;
  if (value === null || typeof value !== "object") return String(value);
  try {
    return JSON.stringify(value, shortBytes);
  } catch {
    return String(value);
  }
}

/** Node's `util.format`: `%s %d %i %f %j %o %O %%`, then the other arguments. */
export function format(...args) {
  if (typeof args[0] !== "string" || !args[0].includes("%")) {
    return args.map((arg) => inspect(arg)).join(" ");
  }
  let rest = args.slice(1);
  const text = args[0].replace(/%[sdifjoO%]/g, (spec) => {
    if (spec === "%%") return "%";
    if (rest.length === 0) return spec;
    const value = rest.shift();
    switch (spec) {
      case "%s":
        return typeof value === "string" ? value : inspect(value, 1);
      case "%d":
      case "%i":
        return String(spec === "%i" ? parseInt(value, 10) : Number(value));
      case "%f":
        return String(parseFloat(value));
      default:
        return inspect(value, 1);
    }
  });
  return [text, ...rest.map((arg) => inspect(arg))].join(" ");
}

function writer(level) {
  const loading = level === "error" || level === "warn" ? "error" : "log";
  return (...args) => {
    try {
      if (!isServing()) {
        engineConsole[loading](format(...args));
        return;
      }
      log(level, format(...args));
    } catch {
      // A record must never fail the call.
    }
  };
}

/** FC's `context.logger`. */
export const logger = Object.freeze({
  debug: writer("debug"),
  info: writer("info"),
  log: writer("info"),
  warn: writer("warn"),
  error: writer("error"),
});

/** Routes `console` to the host's log. */
export function installConsole() {
  globalThis.console.log = logger.info;
  globalThis.console.info = logger.info;
  globalThis.console.debug = logger.debug;
  globalThis.console.trace = writer("trace");
  globalThis.console.warn = logger.warn;
  globalThis.console.error = logger.error;
}
