// Module resolution for the SDK's unit tests, as the bundle resolves: inside the SDK
// (not in the `*.test.mjs` files themselves, which compare with Node's own, nor in
// the stubs, which play the host with Node's modules), Node's
// built-ins come from the polyfills of the toolchain (`BOOTSTRAP_JS_TOOLCHAIN`) or
// the SDK's `node/` folder, and the host's interfaces from the stubs beside this
// file.

import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as path from "node:path";

import { BUILTINS, builtinName } from "../bundler/builtins.mjs";

const sdk = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
let toolchain;

function fromToolchain(spec) {
  toolchain ??= createRequire(path.join(process.env.BOOTSTRAP_JS_TOOLCHAIN, "package.json"));
  const packageSpec = /^(@[^/]+\/)?[^/@]+$/.test(spec) ? `${spec}/` : spec;
  return pathToFileURL(toolchain.resolve(packageSpec)).href;
}

const STUBS = {
  "fc:runtime/log@0.2.0": "log.mjs",
  "fc:runtime/digest@0.2.0": "digest.mjs",
  "wasi:cli/environment@0.2.3": "environment.mjs",
  "wasi:filesystem/preopens@0.2.12": "preopens.mjs",
};

export async function resolve(specifier, context, next) {
  if (Object.hasOwn(STUBS, specifier)) {
    return { url: new URL(`stubs/${STUBS[specifier]}`, import.meta.url).href, shortCircuit: true };
  }
  const parent = context.parentURL?.startsWith("file:") ? fileURLToPath(context.parentURL) : "";
  const stubs = path.join(sdk, "test", "stubs") + path.sep;
  const inSdk = parent.startsWith(sdk + path.sep) && !parent.endsWith(".test.mjs") && !parent.startsWith(stubs);
  if (!inSdk) return next(specifier, context);
  const name = builtinName(specifier);
  if (name !== undefined) {
    const source = BUILTINS[name];
    if (source.own) return { url: pathToFileURL(path.join(sdk, "node", source.own)).href, shortCircuit: true };
    if (source.pkg) return { url: fromToolchain(source.pkg), shortCircuit: true };
    return next(specifier, context);
  }
  if (!/^[./]/.test(specifier) && !specifier.includes(":")) {
    return { url: fromToolchain(specifier), shortCircuit: true };
  }
  return next(specifier, context);
}
