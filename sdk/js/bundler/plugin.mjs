// The rolldown plugin that makes a bundle behave as Node.js resolves modules, inside
// a WebAssembly function: built-ins from `builtins.mjs`, `__dirname`, `__filename`
// and `import.meta.url` as the module's place under `/code`, a module that cannot be
// found or a native addon failing when it is required (as in Node) rather than
// failing the build, and regular expressions with Unicode property escapes
// (`\p{L}`), which the engine (built without ICU) cannot parse, rewritten into
// plain character classes.

import * as path from "node:path";
import { builtinModules } from "node:module";
import { pathToFileURL } from "node:url";

import { BUILTINS, builtinName } from "./builtins.mjs";

/** Where the platform puts the function's code; the project's folder is mapped there. */
const CODE_DIR = "/code";
const VIRTUAL = "\0fc-node:";

/** The names Node's own module `name` exports (the bundler runs on Node.js). */
async function nodeExportNames(name) {
  if (!builtinModules.includes(name)) return [];
  const namespace = await import(`node:${name}`);
  return Object.keys(namespace).filter((key) => key !== "default" && /^[A-Za-z_$][\w$]*$/.test(key));
}

/** `node_modules/a/b.js` → `a`; `node_modules/@s/p/x.js` → `@s/p`; else undefined. */
function packageOf(relative) {
  const parts = relative.split("/");
  const at = parts.lastIndexOf("node_modules");
  if (at < 0 || at + 1 >= parts.length) return undefined;
  return parts[at + 1].startsWith("@") ? `${parts[at + 1]}/${parts[at + 2]}` : parts[at + 1];
}

/** How a module is named to the user: its package and its path in the project. */
function describeImporter(project, importer) {
  if (!importer || importer.startsWith("\0")) return "the bundle";
  const relative = path.relative(project, importer).split(path.sep).join("/");
  const pkg = packageOf(relative);
  return pkg ? `${pkg} (${relative})` : relative;
}

/** The plugin; `notes` collects the unavailable built-ins and who imported them. */
/**
 * The environment variables a project module names: `process.env.NAME`,
 * `process.env["NAME"]`, and `const { NAME, … } = process.env`. Only reads of these
 * while the modules load are worth a warning: libraries read their own debugging
 * switches then, and those are theirs.
 */
export function envNamesIn(code) {
  const names = new Set();
  for (const match of code.matchAll(/process\.env\.([A-Za-z_$][\w$]*)/g)) names.add(match[1]);
  for (const match of code.matchAll(/process\.env\[\s*["'`]([^"'`]+)["'`]\s*\]/g)) names.add(match[1]);
  for (const match of code.matchAll(/\{([^{}]*)\}\s*=\s*process\.env\b/g)) {
    for (const part of match[1].split(",")) {
      const name = part.split(/[:=]/)[0].trim();
      if (/^[A-Za-z_$][\w$]*$/.test(name)) names.add(name);
    }
  }
  return names;
}

export function nodeBuiltins({ toolchain, sdk, project, notes }) {
  const envNames = new Set();
  const sdkDir = path.resolve(sdk);
  const projectDir = path.resolve(project);
  const virtual = new Map();
  let nextId = 0;
  const addVirtual = (code) => {
    const id = `${VIRTUAL}${nextId++}`;
    virtual.set(id, code);
    return id;
  };

  async function resolveBuiltin(context, name, importer) {
    const source = BUILTINS[name];
    if (source.own) return asNodeModule(name, path.join(sdkDir, "node", source.own));
    if (source.pkg) return asNodeModule(name, fromToolchain(context, source.pkg, name));
    const who = describeImporter(projectDir, importer);
    if (!notes.has(name)) notes.set(name, new Set());
    notes.get(name).add(who);
    const names = await nodeExportNames(name);
    const unavailable = path.join(sdkDir, "node", "unavailable.js");
    const details = JSON.stringify({ name, importer: who, ...source.none });
    return addVirtual(
      `import { unavailable } from ${JSON.stringify(unavailable)};\n` +
        `const u = unavailable(${details});\n` +
        names.map((key) => `export const ${key} = u.member(${JSON.stringify(key)});\n`).join("") +
        "export default u.module;\n",
    );
  }

  /** A polyfill package's file, resolved as Node resolves it from the toolchain. */
  function fromToolchain(context, spec, name) {
    // A bare name with a slash is the package even where Node has a built-in of that name.
    const packageSpec = /^(@[^/]+\/)?[^/@]+$/.test(spec) ? `${spec}/` : spec;
    try {
      return toolchain.resolve(packageSpec);
    } catch {
      return context.error(`the toolchain has no \`${spec}\` (for \`${name}\`): remove the toolchain's folder and build again`);
    }
  }

  /**
   * The built-in as Node has it: one plain, mutable object (or function) that
   * `require` and `import` share, so that code which patches a built-in (APM agents
   * wrap `http.request`) patches it for everyone. An ES module's namespace is
   * frozen: its default export is that object, with the named exports it lacks.
   */
  const shims = new Map();
  function asNodeModule(name, file) {
    if (!shims.has(name)) {
      shims.set(
        name,
        addVirtual(
          `const m = require(${JSON.stringify(file)});\n` +
            "if (!m || !m.__esModule) module.exports = m;\n" +
            "else {\n" +
            "  const base = m.default !== null && typeof m.default === 'object' || typeof m.default === 'function' ? m.default : {};\n" +
            "  for (const key of Object.keys(m)) if (key !== 'default' && !(key in base)) base[key] = m[key];\n" +
            "  module.exports = base;\n" +
            "}\n",
        ),
      );
    }
    return shims.get(name);
  }

  function failsWhenRequired(message, code) {
    // CommonJS, so that it throws where it is required (inside a `try`, say), as Node does.
    return addVirtual(
      `module.exports = {};\nthrow Object.assign(new Error(${JSON.stringify(message)}), { code: ${JSON.stringify(code)} });\n`,
    );
  }

  return {
    name: "fc-node-builtins",
    async resolveId(id, importer, options) {
      if (virtual.has(id)) return id;
      if (/^(fc|wasi):/.test(id)) return { id, external: true };
      const name = builtinName(id);
      if (name !== undefined) return resolveBuiltin(this, name, importer);
      // The SDK's modules import polyfill packages, which live in the toolchain.
      if (importer?.startsWith(sdkDir + path.sep) && !/^[./]/.test(id)) return fromToolchain(this, id, id);
      const resolved = await this.resolve(id, importer, { ...options, skipSelf: true });
      if (id.endsWith(".node") || resolved?.id.endsWith(".node")) {
        const file = resolved ? path.relative(projectDir, resolved.id) : id;
        return failsWhenRequired(
          `${file} (required by ${describeImporter(projectDir, importer)}) is a native addon, compiled ` +
            "for Node.js, which cannot load in a WebAssembly function: use a pure-JavaScript package instead",
          "ERR_DLOPEN_FAILED",
        );
      }
      if (resolved) return resolved;
      if (importer === undefined || /^[./]/.test(id)) return null; // rolldown reports it
      return failsWhenRequired(
        `Cannot find module '${id}' (required by ${describeImporter(projectDir, importer)}): ` +
          "it is not in node_modules when the project was built",
        "MODULE_NOT_FOUND",
      );
    },
    load(id) {
      return virtual.get(id);
    },
    transform: {
      filter: { id: { exclude: /^\0/ } },
      handler(code, id) {
        let changed = lowerPropertyEscapes(code, id, toolchain);
        if (isProjectModule(projectDir, id)) {
          for (const name of envNamesIn(code)) envNames.add(name);
          changed = placeUnderCode(changed ?? code, id, projectDir) ?? changed;
        }
        return changed === undefined ? null : { code: changed, map: null };
      },
    },
    renderChunk(code) {
      // For `node/process.js`: which variables are the project's (import declarations
      // are hoisted, so this line runs first all the same).
      const names = JSON.stringify([...envNames].sort());
      return { code: `globalThis.__fcProjectEnvNames = ${names};\n${code}`, map: null };
    },
  };
}

/** Whether `id` is one of the project's own modules (not a package's, not the SDK's). */
function isProjectModule(projectDir, id) {
  const relative = path.relative(projectDir, id);
  return !relative.startsWith("..") && !path.isAbsolute(relative) && !relative.split(path.sep).includes("node_modules") && !relative.startsWith(".bootstrap-build");
}

/** `__dirname`, `__filename` and `import.meta.url` of a project module: its place under `/code`. */
function placeUnderCode(code, id, projectDir) {
  const file = path.posix.join(CODE_DIR, path.relative(projectDir, id).split(path.sep).join("/"));
  let text = code;
  if (text.includes("import.meta.url")) {
    text = text.replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(file).href));
  }
  const uses = (name) => new RegExp(`\\b${name}\\b`).test(text);
  const declares = (name) => new RegExp(`\\b(var|let|const|function|class)\\s+${name}\\b`).test(text);
  const prelude = [];
  if (uses("__dirname") && !declares("__dirname")) prelude.push(`__dirname = ${JSON.stringify(path.posix.dirname(file))}`);
  if (uses("__filename") && !declares("__filename")) prelude.push(`__filename = ${JSON.stringify(file)}`);
  if (prelude.length > 0) text = `var ${prelude.join(", ")};\n${text}`;
  return text === code ? undefined : text;
}

let regexpu;
let parseAst;

/** The source with each regular expression literal that has `\p{…}` rewritten, or undefined. */
function lowerPropertyEscapes(code, id, toolchain) {
  if (!/\\[pP]\{/.test(code)) return undefined;
  regexpu ??= toolchain("regexpu-core");
  parseAst ??= toolchain("rolldown/parseAst").parseAst;
  let program;
  try {
    program = parseAst(code, { sourceType: "unambiguous" }, id);
  } catch {
    return undefined; // rolldown reports what does not parse
  }
  const literals = [];
  walk(program, (node) => {
    if (node.type === "Literal" && node.regex && /\\[pP]\{/.test(node.regex.pattern)) literals.push(node);
  });
  if (literals.length === 0) return undefined;
  let text = code;
  for (const node of literals.sort((a, b) => b.start - a.start)) {
    const { pattern, flags } = node.regex;
    const lowered = regexpu(pattern, flags, { unicodePropertyEscapes: "transform" });
    text = `${text.slice(0, node.start)}/${lowered}/${flags}${text.slice(node.end)}`;
  }
  return text;
}

function walk(node, visit) {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
    return;
  }
  if (typeof node.type === "string") visit(node);
  for (const key in node) {
    if (key !== "parent") walk(node[key], visit);
  }
}
