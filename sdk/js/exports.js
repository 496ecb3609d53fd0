// The component's exports: each platform call reaches the user's functions here.
// `bootstrap build` writes the entry module that imports the user's modules and
// calls `exportsFor` with the functions FC's handler settings name.

import { Buffer, toBytes } from "./buffer.js";
import { contextOf } from "./context.js";
import { asError } from "./errors.js";
import { requestOf, Response } from "./http.js";
import { unlessIdle } from "./pending.js";
import { startServing } from "./process.js";

/**
 * Calls a user's function as FC's Node.js runtime does: it may return a value or a
 * promise, or, when it declares one more parameter than `args`, call back
 * `(error, result)`. Settles with `{ value, async }`. (Its name marks where the
 * user's frames end in a stack trace.)
 */
function fcRuntimeCallUser(fn, args, name) {
  let callsBack = false;
  const call = new Promise((resolve, reject) => {
    const callback = (error, result) => (error ? reject(error) : resolve({ value: result }));
    const returned = fn(...args, callback);
    if (returned && typeof returned.then === "function") {
      returned.then((value) => resolve({ value, async: true }), reject);
    } else if (fn.length <= args.length) {
      resolve({ value: returned, async: false });
    } else {
      callsBack = true;
    }
  });
  return callsBack
    ? unlessIdle(
        call,
        "CallbackNotCalled",
        `${name} returned without calling its callback, and waits for nothing that could call it`,
      )
    : call;
}

/** Runs `call`; anything it throws or rejects with becomes the `fc:runtime` error. */
async function guarded(call) {
  startServing();
  try {
    return await call();
  } catch (thrown) {
    throw asError(thrown);
  }
}

/** The user's function `name` of a module namespace (CommonJS or ES module). */
function pick(namespace, name) {
  const found = namespace[name] ?? namespace.default?.[name];
  return typeof found === "function" ? found : undefined;
}

async function serveHttp(handler, name, request, context) {
  const resp = new Response();
  const sent = resp.finished.then(() => null);
  const call = fcRuntimeCallUser(handler, [requestOf(request), resp, context], name);
  const returned = await Promise.race([sent, call]);
  // A synchronous handler may send later (from a timer or a callback); an async one
  // that settles without sending answers with what it set.
  if (returned && !returned.async && resp.body === undefined) {
    await unlessIdle(
      sent,
      "ResponseNotSent",
      "the handler returned without calling resp.send(), and waits for nothing that could call it",
    );
  }
  return resp.toRecord();
}

/**
 * The `fc:runtime` exports for the user's functions. `entry` maps each role to
 * `[moduleNamespace, exportName, description]`; only the handler is required.
 */
export function exportsFor(entry) {
  const [handlerModule, handlerName, handlerFile] = entry.handler;
  const handler = pick(handlerModule, handlerName);
  if (handler === undefined) {
    throw new Error(`${handlerFile} does not export a function \`${handlerName}\` (the --handler)`);
  }
  const hook = (role) => (entry[role] ? pick(entry[role][0], entry[role][1]) : undefined);
  const runHook = (role, ctx) =>
    guarded(async () => {
      const fn = hook(role);
      if (fn !== undefined) await fcRuntimeCallUser(fn, [contextOf(ctx)], entry[role][1]);
    });
  return {
    eventHandler: {
      handle: (ctx, event) =>
        guarded(async () => {
          const { value } = await fcRuntimeCallUser(
            handler,
            [Buffer.from(event), contextOf(ctx)],
            handlerName,
          );
          return toBytes(value);
        }),
    },
    httpHandler: {
      handle: (ctx, request) =>
        guarded(() => serveHttp(handler, handlerName, request, contextOf(ctx))),
    },
    lifecycle: {
      initialize: (ctx) => runHook("initializer", ctx),
      preStop: (ctx) => runHook("preStop", ctx),
      preFreeze: (ctx) => runHook("preFreeze", ctx),
    },
  };
}
