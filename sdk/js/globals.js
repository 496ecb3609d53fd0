// Node.js-style globals for the user's modules: `Buffer`, `process`, and `console`
// writing FC log records. The entry imports this module before the user's, so they
// exist while those load.

import { Buffer } from "./buffer.js";
import { installConsole } from "./console.js";
import { trackPending } from "./pending.js";
import { installProcess } from "./process.js";

globalThis.Buffer ??= Buffer;
installConsole();
installProcess();
trackPending();
