// A small `process` for code written for Node.js: `process.env` holds the
// function's environment variables (read from the host the first time a call uses
// it), plus `nextTick`, `hrtime` and the fields libraries probe.
//
// Modules load when `fcwasm build` builds the component, not on FC: there
// `process.env` has only `NODE_ENV` ("production", which libraries test as they
// load), and the first call warns about any other variable read then.

import { getEnvironment } from "wasi:cli/environment@0.2.3";

/** What `NODE_ENV` is unless the function's environment sets it. */
const NODE_ENV = "production";

let environment;
let serving = false;
const readWhileLoading = new Set();

/** While the modules load: `NODE_ENV`, and a record of what else was asked for. */
const loadingEnv = new Proxy(Object.freeze({ NODE_ENV }), {
  get(target, key) {
    if (typeof key === "string" && key !== "NODE_ENV") readWhileLoading.add(key);
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

function env() {
  if (!serving) return loadingEnv;
  environment ??= { NODE_ENV, ...Object.fromEntries(getEnvironment()) };
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
