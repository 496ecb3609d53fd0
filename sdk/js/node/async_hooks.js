// `async_hooks`: `AsyncLocalStorage`, which middleware uses to keep a request's
// context (a request id, a logger) for the code that runs on its behalf, and
// `AsyncResource`. SpiderMonkey has no hook into promise continuations, so a
// store reaches asynchronous code this way: inside `run(store, fn)` (and the
// synchronous code it calls) the store is `store`, exactly; in code that runs
// later (after an `await`, in a timer), it is the store of the last `run` or
// `enterWith` of the current call. An instance serves one call at a time, so for
// the usual "one store per request" use this is the request's. Two stores of
// one AsyncLocalStorage entered by concurrent tasks of the same call are not told
// apart after an await: the last one entered wins.

import { onCallStart } from "../call-scope.js";

/** The stores of the synchronous code running now: AsyncLocalStorage → store. */
let frame = new Map();
/** The stores entered last in this call, for code that runs later. */
let callFrame = new Map();

onCallStart(() => {
  frame = new Map();
  callFrame = new Map();
});

function runIn(stores, fn, thisArg, args) {
  const previous = frame;
  frame = stores;
  try {
    return fn.apply(thisArg, args);
  } finally {
    frame = previous;
  }
}

export class AsyncLocalStorage {
  #enabled = true;

  /** Runs `fn` with `store` as this storage's store. */
  run(store, fn, ...args) {
    this.#enabled = true;
    const stores = new Map(frame).set(this, store);
    callFrame = new Map(callFrame).set(this, store);
    return runIn(stores, fn, undefined, args);
  }

  /** Runs `fn` outside of any store of this storage. */
  exit(fn, ...args) {
    const stores = new Map(frame).set(this, undefined);
    return runIn(stores, fn, undefined, args);
  }

  /** Makes `store` this storage's store for the rest of the call. */
  enterWith(store) {
    this.#enabled = true;
    frame = new Map(frame).set(this, store);
    callFrame = new Map(callFrame).set(this, store);
  }

  getStore() {
    if (!this.#enabled) return undefined;
    if (frame.has(this)) return frame.get(this);
    return callFrame.get(this);
  }

  disable() {
    this.#enabled = false;
    frame.delete(this);
    callFrame.delete(this);
  }

  get name() {
    return "";
  }

  /** `fn` bound to the stores of now. */
  static bind(fn) {
    const stores = new Map([...callFrame, ...frame]);
    return function bound(...args) {
      return runIn(stores, fn, this, args);
    };
  }

  /** A function that runs a function with the stores of now. */
  static snapshot() {
    const stores = new Map([...callFrame, ...frame]);
    return (fn, ...args) => runIn(stores, fn, undefined, args);
  }
}

/** A resource whose callbacks run with the stores of when it was made. */
export class AsyncResource {
  #stores = new Map([...callFrame, ...frame]);

  constructor(type = "AsyncResource") {
    this.type = type;
  }

  runInAsyncScope(fn, thisArg, ...args) {
    return runIn(this.#stores, fn, thisArg, args);
  }

  bind(fn, thisArg) {
    const resource = this;
    return function bound(...args) {
      return resource.runInAsyncScope(fn, thisArg ?? this, ...args);
    };
  }

  static bind(fn, type, thisArg) {
    return new AsyncResource(type ?? fn.name ?? "bound-anonymous-fn").bind(fn, thisArg);
  }

  emitDestroy() {
    return this;
  }

  asyncId() {
    return 1;
  }

  triggerAsyncId() {
    return 0;
  }
}

/** Hooks never fire: there are no async ids to report. */
export function createHook() {
  return {
    enable() {
      return this;
    },
    disable() {
      return this;
    },
  };
}

export const executionAsyncId = () => 1;
export const triggerAsyncId = () => 0;
export const executionAsyncResource = () => ({});
export const asyncWrapProviders = Object.freeze({});

export default {
  AsyncLocalStorage,
  AsyncResource,
  asyncWrapProviders,
  createHook,
  executionAsyncId,
  executionAsyncResource,
  triggerAsyncId,
};
