// The component's exports: each platform call reaches the user's functions here.
// `fcwasm build` writes the entry module that imports the user's modules and
// calls `exportsFor` with the functions FC's handler settings name.
//
// A call that the user's function answers synchronously is answered synchronously:
// in StarlingMonkey each promise, and each turn of the event loop, costs.

import { Buffer, toBytes } from "./buffer.js";
import { Context } from "./context.js";
import { asError } from "./errors.js";
import { requestOf, Response } from "./http.js";
import { sdkError, unlessIdle } from "./pending.js";
import { startServing } from "./node/process.js";
import { fetchAppOf, serveFetch } from "./fetch-app.js";
import { registeredApp } from "./web-app.js";
import { callStarted } from "./call-scope.js";

function isPromise(value) {
  return value !== null && typeof value === "object" && typeof value.then === "function";
}

/**
 * Calls a user's function as FC's Node.js runtime does: it may return a value or a
 * promise, or call back `(error, result)` (the last argument it is given). Returns
 * `{ value, async }` when it answered synchronously (or `answered()` says it has),
 * else a promise of it; a call that neither answers nor waits for anything (a timer,
 * a fetch) that could answer fails with an error naming it. (The function's name
 * marks where the user's frames end in a stack trace.)
 */
function fcRuntimeCallUser(fn, args, name, answered = () => false) {
  let outcome;
  let settle = (result) => {
    outcome ??= result;
  };
  const callback = (error, value) => settle(error ? { failed: true, error } : { value });
  const returned = fn(...args, callback);
  if (outcome === undefined && !isPromise(returned) && (returned !== undefined || answered())) {
    outcome = { value: returned };
  }
  if (outcome !== undefined) {
    if (outcome.failed) throw outcome.error;
    return { value: outcome.value, async: false };
  }
  const call = isPromise(returned)
    ? Promise.resolve(returned).then((value) => ({ value, async: true }))
    : new Promise((resolve, reject) => {
        settle = (result) => (result.failed ? reject(result.error) : resolve(result));
      });
  return unlessIdle(call, () => {
    if (isPromise(returned)) {
      throw sdkError(
        "PromiseNotSettled",
        `the promise ${name} returned never settles: it waits for nothing that could settle it`,
      );
    }
    // It returned nothing and nothing is left that could call back: a function that
    // takes no callback has answered `undefined`; one that takes it forgot to call it.
    if (fn.length <= args.length) return { value: undefined, async: false };
    throw sdkError(
      "CallbackNotCalled",
      `${name} returned without calling its callback, and waits for nothing that could call it`,
    );
  });
}

/**
 * Runs one export call: `run()` gives the user's outcome (or a promise of it),
 * `finish` turns it into the export's result. Anything thrown or rejected becomes the
 * `fc:runtime` error; the context is closed when the call ends.
 */
function guarded(context, run, finish) {
  const failed = (thrown) => {
    context.close();
    throw asError(thrown);
  };
  let outcome;
  try {
    outcome = run();
    if (!isPromise(outcome)) {
      const result = finish(outcome);
      if (!isPromise(result)) {
        context.close();
        return result;
      }
      outcome = result;
    } else {
      outcome = outcome.then(finish);
    }
  } catch (thrown) {
    failed(thrown);
  }
  return outcome.then((result) => {
    context.close();
    return result;
  }, failed);
}

/** The user's function `name` of a module namespace (CommonJS or ES module). */
function pick(namespace, name) {
  const found = namespace[name] ?? namespace.default?.[name];
  return typeof found === "function" ? found : undefined;
}

/** An HTTP call: done when `resp.send` is called (or an async handler settles). */
function serveHttp(handler, name, request, context) {
  const resp = new Response();
  let call;
  try {
    call = fcRuntimeCallUser(handler, [requestOf(request), resp, context], name, () => resp.sent);
  } catch (error) {
    if (!resp.sent) throw error;
    failedAfterSend(error);
  }
  if (!isPromise(call)) return resp.toRecord();
  return settleHttp(resp, call);
}

function failedAfterSend(error) {
  // What fails after `send` cannot change the answer any more: it is logged.
  console.error("the handler failed after resp.send():", error);
}

async function settleHttp(resp, call) {
  const sent = resp.finished.then(() => null);
  call.catch((error) => {
    if (resp.sent) failedAfterSend(error);
  });
  const failedBeforeSend = call.catch((error) => {
    if (!resp.sent) throw error;
  });
  const returned = await Promise.race([sent, failedBeforeSend]);
  // A synchronous handler may send later (from a timer or a callback); an async one
  // that settles without sending answers with what it set.
  if (returned && !returned.async && !resp.sent) {
    await unlessIdle(sent, () => {
      throw sdkError(
        "ResponseNotSent",
        "the handler returned without calling resp.send(), and waits for nothing that could call it",
      );
    });
  }
  return resp.toRecord();
}

/**
 * The web app the handler's module is, when it exports no handler function: a
 * server it started (`app.listen`), or a default export with `fetch`. Its HTTP
 * calls are its requests; an event call reaches it as FC's custom runtimes send
 * one, `POST /invoke` with the event as the body.
 */
function webAppOf(namespace) {
  const started = registeredApp();
  if (started) return started;
  const app = fetchAppOf(namespace);
  return app && { description: "the module's fetch()", serve: (request, context) => serveFetch(app, request, context) };
}

/** The `fc:runtime` request an event call becomes for a web app. */
function invokeRequest(event, clientIp) {
  const headers = "content-type: application/octet-stream\nhost: localhost\n";
  return { method: "POST", target: "/invoke", headers: new TextEncoder().encode(headers), body: event, clientIp, basePath: "" };
}

/** A web app's answer to an event call: its body, or an error when it did not succeed. */
function eventAnswer(record) {
  const status = record.status;
  if (status >= 200 && status < 300) return record.body;
  const text = new TextDecoder().decode(record.body);
  throw Object.assign(new Error(text || `the app answered /invoke with status ${status}`), { name: "HttpError", fromSdk: true });
}

/**
 * The `fc:runtime` exports for the user's functions. `entry` maps each role to
 * `[moduleNamespace, exportName, moduleFile]`; only the handler is required.
 */
export function exportsFor(entry) {
  const [handlerModule, handlerName, handlerFile] = entry.handler;
  const handler = pick(handlerModule, handlerName);
  const app = handler === undefined ? webAppOf(handlerModule) : undefined;
  if (handler === undefined && app === undefined) {
    throw new Error(
      `${handlerFile} does not export a function \`${handlerName}\` (the --handler), starts no ` +
        "server (`app.listen`, `http.createServer().listen`) and has no default export with fetch()",
    );
  }
  const hook = (role) => (entry[role] ? pick(entry[role][0], entry[role][1]) : undefined);
  const runHook = (role, ctx) => {
    startServing();
    callStarted();
    const fn = hook(role);
    if (fn === undefined) return undefined;
    const context = new Context(ctx);
    return guarded(
      context,
      () => fcRuntimeCallUser(fn, [context], entry[role][1]),
      () => undefined,
    );
  };
  return {
    eventHandler: {
      handle(ctx, event) {
        startServing();
        callStarted();
        const context = new Context(ctx);
        if (app) {
          return guarded(context, () => app.serve(invokeRequest(event, ""), context), eventAnswer);
        }
        // A view of the event's bytes, not a copy.
        const bytes = new Buffer(event.buffer, event.byteOffset, event.byteLength);
        return guarded(
          context,
          () => fcRuntimeCallUser(handler, [bytes, context], handlerName),
          (outcome) => toBytes(outcome.value),
        );
      },
    },
    httpHandler: {
      handle(ctx, request) {
        startServing();
        callStarted();
        const context = new Context(ctx);
        if (app) return guarded(context, () => app.serve(request, context), (record) => record);
        return guarded(
          context,
          () => serveHttp(handler, handlerName, request, context),
          (record) => record,
        );
      },
    },
    lifecycle: {
      initialize: (ctx) => runHook("initializer", ctx),
      preStop: (ctx) => runHook("preStop", ctx),
      preFreeze: (ctx) => runHook("preFreeze", ctx),
    },
  };
}
