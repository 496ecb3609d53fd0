// `console`: the global console, which writes FC log records.
const console = globalThis.console;
export default console;
export const { log, info, debug, warn, error, trace, dir, table, time, timeEnd, assert, count } = console;
