// A thrown value, a rejected promise or a callback's error becomes FC's error
// response: `errorMessage`, `errorType` (the error's name) and `stackTrace`.

/** The SDK function that calls the user's: frames from it outwards are the SDK's. */
export const CALL_SITE = "fcRuntimeCallUser";

/** The frames of the user's code, innermost first (as the engine lists them). */
function frames(stack) {
  if (typeof stack !== "string") return undefined;
  const lines = [];
  for (const line of stack.split("\n").map((text) => text.trim())) {
    if (line.replace(/^async\*/, "").startsWith(CALL_SITE)) break;
    if (line) lines.push(line);
  }
  return lines.length > 0 ? lines : undefined;
}

/** JSON for an object thrown as it is, else its `String` (a cycle, a BigInt). */
function describe(thrown) {
  try {
    return JSON.stringify(thrown) ?? String(thrown);
  } catch {
    return String(thrown);
  }
}

/** The `fc:runtime` `error` record for what a handler threw or called back with. */
export function asError(thrown) {
  if (thrown instanceof Error) {
    return {
      message: thrown.message || thrown.name,
      errorType: thrown.name || "Error",
      // The SDK's own errors are about the handler, not where the SDK found them.
      stackTrace: thrown.fromSdk ? undefined : frames(thrown.stack),
    };
  }
  if (thrown && typeof thrown === "object") {
    const message = typeof thrown.message === "string" ? thrown.message : describe(thrown);
    const errorType = typeof thrown.name === "string" ? thrown.name : undefined;
    return { message, errorType, stackTrace: undefined };
  }
  return { message: String(thrown), errorType: undefined, stackTrace: undefined };
}
