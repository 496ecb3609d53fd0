// `wasi:cli/environment` for the unit tests: what `globalThis.fcTestEnvironment` holds.
export function getEnvironment() {
  return Object.entries(globalThis.fcTestEnvironment ?? {});
}
