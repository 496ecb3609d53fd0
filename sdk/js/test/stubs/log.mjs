// `fc:runtime/log` for the unit tests: records are kept in `globalThis.fcTestLog`.
globalThis.fcTestLog ??= [];

export function log(level, message) {
  globalThis.fcTestLog.push([level, message]);
}
