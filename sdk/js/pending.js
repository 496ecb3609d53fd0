// What a call still waits for: its timers and fetches. A handler that neither
// answers nor waits for anything would otherwise leave the engine with an empty
// event loop, which ends the instance with a trap; it gets a clear error instead.

let pending = 0;
const waiting = [];
const originalSetTimeout = globalThis.setTimeout;

function changed() {
  for (const wake of waiting.splice(0)) wake();
}

function nextChange() {
  return new Promise((resolve) => waiting.push(resolve));
}

function macrotask() {
  return new Promise((resolve) => originalSetTimeout(resolve, 0));
}

/** Counts the timers and fetches in flight. */
export function trackPending() {
  const { clearTimeout, setInterval, clearInterval, fetch } = globalThis;
  const live = new Set();
  const forget = (id) => {
    if (live.delete(id)) {
      pending -= 1;
      changed();
    }
  };
  globalThis.setTimeout = (fn, delay, ...args) => {
    const id = originalSetTimeout(() => {
      forget(id);
      if (typeof fn === "function") fn(...args);
    }, delay);
    live.add(id);
    pending += 1;
    return id;
  };
  globalThis.clearTimeout = (id) => {
    forget(id);
    clearTimeout(id);
  };
  globalThis.setInterval = (fn, delay, ...args) => {
    const id = setInterval(fn, delay, ...args);
    live.add(id);
    pending += 1;
    return id;
  };
  globalThis.clearInterval = (id) => {
    forget(id);
    clearInterval(id);
  };
  if (typeof fetch === "function") {
    globalThis.fetch = (...args) => {
      pending += 1;
      return fetch(...args).finally(() => {
        pending -= 1;
        changed();
      });
    };
  }
}

/** An error of the SDK's own: it names what the handler did, not where. */
export function sdkError(errorType, message) {
  return Object.assign(new Error(message), { name: errorType, fromSdk: true });
}

/**
 * `promise`'s outcome; when it is still unsettled while nothing it could wait for
 * is in flight, `onIdle()`'s (which returns a value or throws).
 */
export async function unlessIdle(promise, onIdle) {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  // A promise that settles within a few microtasks (an async function that did not
  // wait for anything) costs no timer.
  for (let turn = 0; turn < 4 && !settled; turn++) await null;
  for (;;) {
    if (settled) return promise;
    await macrotask();
    if (settled) return promise;
    if (pending === 0) return onIdle();
    await Promise.race([promise.catch(() => {}), nextChange()]);
  }
}
