// Node.js globals for the user's modules: `Buffer`, `process`, `global`,
// `setImmediate`, a `require` for names computed at run time, and `console`
// writing FC log records. The entry imports this module before the user's, so
// they exist while those load.

import { Buffer } from "./node/buffer.js";
import { installConsole } from "./console.js";
import { trackPending } from "./pending.js";
import { installProcess } from "./node/process.js";
import { installRequire } from "./node/module.js";
import { installStackTraceApi } from "./stack-trace.js";

globalThis.Buffer = Buffer;
globalThis.global ??= globalThis;
// Node's default; SpiderMonkey has `Error.captureStackTrace` but no limit to read.
Error.stackTraceLimit ??= 10;
installStackTraceApi();
installConsole();
installProcess();
trackPending();
installRequire();
