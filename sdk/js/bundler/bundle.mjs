// `fcwasm build`'s bundler for JavaScript projects: rolldown makes one ES module
// of the entry, the user's modules, their packages and the SDK, resolving Node's
// built-in modules as `builtins.mjs` says. Run as
// `node bundle.mjs '{"entry": …, "output": …, "toolchain": …, "sdk": …, "project": …}'`
// with the toolchain's folder (its node_modules hold rolldown and the polyfills).

import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import * as path from "node:path";

import { nodeBuiltins } from "./plugin.mjs";

const options = JSON.parse(process.argv[2]);
const toolchain = createRequire(path.join(options.toolchain, "package.json"));
const { rolldown } = await import(pathToFileURL(toolchain.resolve("rolldown")).href);

const notes = new Map();
const bundle = await rolldown({
  input: options.entry,
  // Packages resolve as on Node.js (their `node` exports and `main`, not their
  // browser builds, which expect a browser), with no output shims of rolldown's
  // for Node (the plugin provides the built-ins).
  platform: "neutral",
  resolve: { mainFields: ["main", "module"], conditionNames: ["node"] },
  // Libraries pick their production code by `process.env.NODE_ENV`, which bundlers
  // replace (rolldown says "development" unless told).
  transform: { define: { "process.env.NODE_ENV": '"production"' } },
  plugins: [nodeBuiltins({ ...options, toolchain, notes })],
  onLog(level, log, handler) {
    // A circular import between a package's own modules is common and harmless.
    if (log.code === "CIRCULAR_DEPENDENCY") return;
    handler(level, log);
  },
});
await bundle.write({ file: options.output, format: "esm", codeSplitting: false });
await bundle.close();

for (const [name, importers] of notes) {
  const by = [...importers].slice(0, 3).join(", ");
  const more = importers.size > 3 ? ` and ${importers.size - 3} more` : "";
  console.error(
    `fcwasm build: note: \`${name}\` (imported by ${by}${more}) does not exist in a ` +
      "WebAssembly function: the module loads, and using it fails with an error that says so",
  );
}
