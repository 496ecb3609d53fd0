// V8's stack trace API, which Node.js libraries use (depd, http-errors and others
// ask `Error.captureStackTrace` for call sites through `Error.prepareStackTrace`),
// over SpiderMonkey's: its `captureStackTrace` writes the stack as text
// (`name@file:line:column` lines), which becomes V8-shaped call sites when a
// `prepareStackTrace` is set.

/** One frame, as V8's `CallSite`. */
class CallSite {
  constructor(functionName, fileName, lineNumber, columnNumber) {
    this.functionName = functionName;
    this.fileName = fileName;
    this.lineNumber = lineNumber;
    this.columnNumber = columnNumber;
  }

  getFunctionName() {
    return this.functionName || null;
  }

  getMethodName() {
    return null;
  }

  getTypeName() {
    return null;
  }

  getFileName() {
    return this.fileName || undefined;
  }

  getScriptNameOrSourceURL() {
    return this.fileName;
  }

  getLineNumber() {
    return this.lineNumber;
  }

  getColumnNumber() {
    return this.columnNumber;
  }

  getEnclosingLineNumber() {
    return this.lineNumber;
  }

  getEnclosingColumnNumber() {
    return this.columnNumber;
  }

  getEvalOrigin() {
    return undefined;
  }

  getThis() {
    return undefined;
  }

  getFunction() {
    return undefined;
  }

  getPosition() {
    return 0;
  }

  getPromiseIndex() {
    return null;
  }

  getScriptHash() {
    return "";
  }

  isAsync() {
    return false;
  }

  isConstructor() {
    return false;
  }

  isEval() {
    return false;
  }

  isNative() {
    return false;
  }

  isPromiseAll() {
    return false;
  }

  isToplevel() {
    return !this.functionName;
  }

  toString() {
    const where = `${this.fileName}:${this.lineNumber}:${this.columnNumber}`;
    return this.functionName ? `${this.functionName} (${where})` : where;
  }
}

/** SpiderMonkey's stack text as call sites. */
export function callSites(stack) {
  const sites = [];
  for (const line of String(stack).split("\n")) {
    const at = line.lastIndexOf("@");
    if (at < 0) continue;
    const match = /^(.*):(\d+):(\d+)$/.exec(line.slice(at + 1));
    if (!match) continue;
    const name = line.slice(0, at).replace(/^async\*/, "").replace(/[</]+$/, "").split("/").pop();
    sites.push(new CallSite(name, match[1], Number(match[2]), Number(match[3])));
  }
  return sites;
}

/** Wraps `Error.captureStackTrace` to honour `Error.prepareStackTrace`. */
export function installStackTraceApi() {
  const capture = Error.captureStackTrace;
  if (typeof capture !== "function" || capture.fcWrapped) return;
  function captureStackTrace(target, constructorOpt) {
    const prepare = Error.prepareStackTrace;
    if (typeof prepare !== "function") return capture(target, constructorOpt ?? captureStackTrace);
    const holder = {};
    capture(holder, constructorOpt ?? captureStackTrace);
    const limit = Number.isFinite(Error.stackTraceLimit) ? Error.stackTraceLimit : Infinity;
    const sites = callSites(holder.stack).slice(0, Math.max(0, limit));
    Object.defineProperty(target, "stack", {
      value: prepare(target, sites),
      writable: true,
      configurable: true,
    });
  }
  captureStackTrace.fcWrapped = true;
  Error.captureStackTrace = captureStackTrace;
}
