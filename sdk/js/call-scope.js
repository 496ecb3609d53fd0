// The start of each platform call, for the SDK's parts that keep state per call
// (`async_hooks`' request-wide stores): each registers what to do then.

const starting = [];

/** Runs `reset` whenever a call starts. */
export function onCallStart(reset) {
  starting.push(reset);
}

/** Marks that a call starts. */
export function callStarted() {
  for (const reset of starting) reset();
}
