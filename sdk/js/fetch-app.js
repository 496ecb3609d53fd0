// The fetch shape of web apps (Hono's `export default app`, `export default {
// fetch }`, as Cloudflare Workers, Deno, Bun and Spin serve them): each HTTP call
// reaches `fetch(request, env, ctx)` as a web `Request`, and the `Response` it
// gives (or promises) is the answer. `env` is `process.env`; `ctx.waitUntil`
// promises are waited for before the call ends, so their work is not cut off.

import { latin1, latin1Bytes } from "./node/http-common.js";

/** The app of a module namespace: its default export, or the module, with `fetch`. */
export function fetchAppOf(namespace) {
  const candidates = [namespace.default, namespace];
  return candidates.find((value) => value && typeof value.fetch === "function");
}

/** The web `Request` of an `fc:runtime` request. */
export function webRequest(request) {
  const headers = new Headers();
  let host = "localhost";
  for (const line of latin1(request.headers).split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (name === "host") host = value;
    headers.append(name, value);
  }
  const target = request.target.startsWith("/") ? request.target : `/${request.target}`;
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  return new Request(`http://${host}${target}`, {
    method: request.method,
    headers,
    body: hasBody && request.body.byteLength > 0 ? request.body : undefined,
  });
}

/** The `fc:runtime` response record of a web `Response`. */
export async function responseRecord(response) {
  if (!(response instanceof Response)) {
    throw new TypeError(`fetch() must answer with a Response, not ${response === null ? "null" : typeof response}`);
  }
  let block = "";
  const cookies = typeof response.headers.getSetCookie === "function" ? response.headers.getSetCookie() : [];
  for (const [name, value] of response.headers) {
    if (name === "set-cookie" && cookies.length > 0) continue;
    block += `${name}: ${value}\n`;
  }
  for (const cookie of cookies) block += `set-cookie: ${cookie}\n`;
  const body = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: latin1Bytes(block), body };
}

/** Serves one call with `app.fetch`. */
export async function serveFetch(app, request, context) {
  const waiting = [];
  const ctx = {
    waitUntil(promise) {
      waiting.push(Promise.resolve(promise).catch((error) => console.error("a waitUntil promise failed:", error)));
    },
    passThroughOnException() {},
    props: {},
    fc: context,
  };
  const response = await app.fetch(webRequest(request), globalThis.process?.env ?? {}, ctx);
  const record = await responseRecord(response);
  await Promise.all(waiting);
  return record;
}
