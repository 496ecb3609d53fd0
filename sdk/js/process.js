// A small `process` for code written for Node.js: `process.env` holds the
// function's environment variables (read from the host the first time it is used,
// which must be in a call, not while the module loads: that runs at build time),
// plus `nextTick`, `hrtime` and the fields libraries probe.

import { getEnvironment } from "wasi:cli/environment@0.2.3";

let environment;
let serving = false;

/** Marks that the platform's calls have begun: the environment is FC's now. */
export function startServing() {
  serving = true;
}

function env() {
  if (!serving) {
    throw new Error(
      "process.env was read while the module loads: that code runs when `bootstrap build` " +
        "builds the component, not on FC. Read environment variables in `initialize` or " +
        "in the handler",
    );
  }
  environment ??= Object.fromEntries(getEnvironment());
  return environment;
}

export function installProcess() {
  if (globalThis.process !== undefined) return;
  const process = {
    argv: ["bootstrap"],
    platform: "wasi",
    versions: {},
    nextTick: (fn, ...args) => queueMicrotask(() => fn(...args)),
    hrtime: Object.assign(
      (previous) => {
        const now = BigInt(Math.round(performance.now() * 1e6));
        const [s, ns] = [now / 1000000000n, now % 1000000000n];
        if (!previous) return [Number(s), Number(ns)];
        const diff = now - (BigInt(previous[0]) * 1000000000n + BigInt(previous[1]));
        return [Number(diff / 1000000000n), Number(diff % 1000000000n)];
      },
      { bigint: () => BigInt(Math.round(performance.now() * 1e6)) },
    ),
    cwd: () => "/",
    emitWarning: (warning) => console.warn(String(warning)),
  };
  Object.defineProperty(process, "env", { get: env, enumerable: true });
  globalThis.process = process;
}
