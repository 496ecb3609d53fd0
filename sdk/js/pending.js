// What a call still waits for: its timers, fetches and body reads. A handler that neither
// answers nor waits for anything would otherwise leave the engine with an empty
// event loop, which ends the instance with a trap; it gets a clear error instead.
//
// The timers are Node's: `setTimeout` and `setInterval` return a `Timeout` (with
// `ref`, `unref`, `hasRef`, `refresh`, and its id as its primitive value),
// `setImmediate` an `Immediate`. An unref'd timer is not waited for, as in Node,
// where it does not keep the process alive.

let pending = 0;
/** `setImmediate` callbacks not yet run. */
let immediates = 0;
const waiting = [];
const engine = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
};

function changed() {
  for (const wake of waiting.splice(0)) wake();
}

function nextChange() {
  return new Promise((resolve) => waiting.push(resolve));
}

function macrotask() {
  return new Promise((resolve) => engine.setTimeout(resolve, 0));
}

let nextTimerId = 1;

/** A timer of the engine's, shaped as Node's `Timeout` (and `Immediate`). */
class Timer {
  /** The number `+timer` gives, as Node's timers convert to one. */
  #number = nextTimerId++;
  #id;
  #referenced = true;
  #live = true;
  #run;
  #delay;
  #repeat;

  constructor(run, delay, repeat) {
    this.#run = run;
    this.#delay = Math.max(0, Number(delay) || 0);
    this.#repeat = repeat;
    pending += 1;
    this.#schedule();
  }

  #schedule() {
    this.#id = engine.setTimeout(() => this.#fire(), this.#delay);
  }

  #fire() {
    if (this.#repeat) this.#schedule();
    else this.#settle();
    this.#run();
  }

  /** The timer no longer runs or counts as pending. */
  #settle() {
    if (!this.#live) return;
    this.#live = false;
    if (this.#referenced) {
      pending -= 1;
      changed();
    }
  }

  cancel() {
    engine.clearTimeout(this.#id);
    this.#settle();
  }

  ref() {
    if (this.#live && !this.#referenced) pending += 1;
    this.#referenced = true;
    return this;
  }

  unref() {
    if (this.#live && this.#referenced) {
      pending -= 1;
      changed();
    }
    this.#referenced = false;
    return this;
  }

  hasRef() {
    return this.#referenced;
  }

  refresh() {
    if (this.#live) {
      engine.clearTimeout(this.#id);
      this.#schedule();
    }
    return this;
  }

  close() {
    this.cancel();
    return this;
  }

  [Symbol.toPrimitive]() {
    return this.#number;
  }

  [Symbol.dispose]() {
    this.cancel();
  }
}

/** Timers by id, so that `clearTimeout(+timeout)` works as in Node. */
const byId = new Map();

function start(fn, delay, args, repeat, immediate = false) {
  if (typeof fn !== "function") {
    throw Object.assign(new TypeError('The "callback" argument must be of type function'), {
      code: "ERR_INVALID_ARG_TYPE",
    });
  }
  if (immediate) immediates += 1;
  const timer = new Timer(
    () => {
      if (!repeat) byId.delete(+timer);
      if (immediate) immediates -= 1;
      fn(...args);
    },
    delay,
    repeat,
  );
  timer.fcImmediate = immediate;
  byId.set(+timer, timer);
  return timer;
}

function clear(timer) {
  const found = timer instanceof Timer ? timer : byId.get(timer);
  if (found === undefined) return;
  if (byId.delete(+found) && found.fcImmediate) immediates -= 1;
  found.cancel();
}

/**
 * Waits while `setImmediate` callbacks are due (each may queue another, as
 * on-finished's do for the loggers that wait for a response's end), at most a
 * bounded number of turns.
 */
export async function settleImmediates() {
  for (let turn = 0; turn < 64 && immediates > 0; turn++) await macrotask();
}

/** Counts the timers and fetches in flight; installs Node's timer functions. */
export function trackPending() {
  const { fetch } = globalThis;
  globalThis.setTimeout = (fn, delay, ...args) => start(fn, delay, args, false);
  globalThis.setInterval = (fn, delay, ...args) => start(fn, delay, args, true);
  globalThis.setImmediate = (fn, ...args) => start(fn, 0, args, false, true);
  globalThis.clearTimeout = clear;
  globalThis.clearInterval = clear;
  globalThis.clearImmediate = clear;
  if (typeof fetch === "function") {
    globalThis.fetch = (...args) => track(fetch(...args));
  }
  // Reading a body (a fetch response's, or any web stream's) is waited for too.
  const bodies = [globalThis.Response?.prototype, globalThis.Request?.prototype];
  for (const prototype of bodies.filter(Boolean)) {
    for (const method of ["arrayBuffer", "blob", "bytes", "formData", "json", "text"]) {
      const read = prototype[method];
      if (typeof read === "function") {
        prototype[method] = function trackedRead(...args) {
          return track(read.apply(this, args));
        };
      }
    }
  }
  const reader = globalThis.ReadableStreamDefaultReader?.prototype;
  if (reader && typeof reader.read === "function") {
    const read = reader.read;
    reader.read = function trackedRead(...args) {
      return track(read.apply(this, args));
    };
  }
}

/** `promise`, counted as in flight until it settles. */
function track(promise) {
  pending += 1;
  return promise.finally(() => {
    pending -= 1;
    changed();
  });
}

/**
 * Counts something in flight that the engine does not know as a timer or a fetch
 * (a response body still being read): until the returned function is called, a
 * call waiting for it is not idle.
 */
export function holdPending() {
  pending += 1;
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    pending -= 1;
    changed();
  };
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
