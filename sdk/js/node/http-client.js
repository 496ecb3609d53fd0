// Node's `http`/`https` client over the engine's `fetch` (as Cloudflare's Node
// compatibility does): `request` and `get` make a `ClientRequest` whose body is
// sent when it ends, and whose response arrives as an `IncomingMessage` streaming
// the body. Redirects are not followed (Node's client does not follow them either).

import EventEmitter from "events";
import { Buffer } from "buffer";

import { holdPending } from "../pending.js";
import { FakeSocket, IncomingMessage, OutgoingMessage } from "./http-server.js";

/** Node's `Agent`: connections are the runtime's, so this only keeps its options. */
export class Agent extends EventEmitter {
  constructor(options = {}) {
    super();
    this.options = { ...options };
    this.keepAlive = Boolean(options.keepAlive);
    this.maxSockets = options.maxSockets ?? Infinity;
    this.maxFreeSockets = options.maxFreeSockets ?? 256;
    this.maxTotalSockets = options.maxTotalSockets ?? Infinity;
    this.defaultPort = options.defaultPort ?? 80;
    this.protocol = options.protocol ?? "http:";
    this.sockets = {};
    this.freeSockets = {};
    this.requests = {};
  }

  destroy() {}

  getName(options = {}) {
    return `${options.host ?? "localhost"}:${options.port ?? ""}:${options.localAddress ?? ""}`;
  }
}

/** `request(url, [options], [callback])`'s url and options as one options object. */
function requestOptions(input, options, defaults) {
  let url = {};
  if (typeof input === "string" || input instanceof URL) {
    const parsed = new URL(String(input));
    url = {
      protocol: parsed.protocol,
      hostname: parsed.hostname.replace(/^\[|\]$/g, ""),
      port: parsed.port,
      path: `${parsed.pathname}${parsed.search}`,
      auth: parsed.username ? `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}` : undefined,
    };
  } else if (input && typeof input === "object") {
    options = input;
  }
  return { ...defaults, ...url, ...(options ?? {}) };
}

/** The URL a request's options name. */
function targetUrl(options) {
  const protocol = options.protocol ?? "http:";
  const host = options.hostname ?? (options.host ?? "localhost").replace(/:\d+$/, "");
  const bracketed = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  const port = options.port ?? options.defaultPort;
  const standard = (protocol === "http:" && Number(port) === 80) || (protocol === "https:" && Number(port) === 443);
  const authority = port && !standard ? `${bracketed}:${port}` : bracketed;
  return `${protocol}//${authority}${options.path ?? "/"}`;
}

/** A request being made; its body is sent when it ends. */
export class ClientRequest extends OutgoingMessage {
  constructor(input, options, callback, defaults = {}) {
    super();
    if (typeof options === "function") [callback, options] = [options, undefined];
    const settings = requestOptions(input, options, defaults);
    this.method = String(settings.method ?? "GET").toUpperCase();
    this.path = settings.path ?? "/";
    this.host = settings.hostname ?? settings.host ?? "localhost";
    this.protocol = settings.protocol ?? "http:";
    this.agent = settings.agent;
    this.aborted = false;
    this.reusedSocket = false;
    this.maxHeadersCount = null;
    this._fcUrl = targetUrl(settings);
    // From here until it closes the request is work in flight, as its socket keeps
    // a Node process alive: a call waiting for it is not idle.
    const release = holdPending();
    for (const event of ["close", "error"]) this.once(event, release);
    this._fcController = new AbortController();
    this._fcTimer = undefined;
    for (const [name, value] of Object.entries(settings.headers ?? {})) {
      if (value !== undefined) this.setHeader(name, value);
    }
    if (settings.auth && !this.hasHeader("authorization")) {
      this.setHeader("Authorization", `Basic ${Buffer.from(settings.auth).toString("base64")}`);
    }
    if (settings.signal) settings.signal.addEventListener("abort", () => this.destroy(abortError()), { once: true });
    if (typeof callback === "function") this.once("response", callback);
    this.socket = new FakeSocket({ remoteAddress: this.host, localPort: 0 });
    if (settings.timeout) this.setTimeout(settings.timeout);
    queueMicrotask(() => this.emit("socket", this.socket));
  }

  get connection() {
    return this.socket;
  }

  setTimeout(ms, callback) {
    if (typeof callback === "function") this.once("timeout", callback);
    clearTimeout(this._fcTimer);
    if (ms > 0) {
      this._fcTimer = setTimeout(() => {
        this.emit("timeout");
        this.socket.emit("timeout");
      }, ms);
    }
    return this;
  }

  setNoDelay() {}

  setSocketKeepAlive() {}

  write(chunk, encoding, callback) {
    if (typeof encoding === "function") [callback, encoding] = [encoding, undefined];
    this._header ??= "";
    return this._writeChunk(chunk, encoding, callback);
  }

  end(chunk, encoding, callback) {
    if (typeof chunk === "function") [callback, chunk] = [chunk, undefined];
    else if (typeof encoding === "function") [callback, encoding] = [encoding, undefined];
    if (this.writableEnded) return this;
    this._writeChunk(chunk, encoding);
    this._header ??= "";
    this.writableEnded = true;
    this.finished = true;
    if (typeof callback === "function") this.once("finish", callback);
    queueMicrotask(() => {
      this.writableFinished = true;
      this.emit("finish");
      this._send();
    });
    return this;
  }

  abort() {
    if (this.aborted) return;
    this.aborted = true;
    queueMicrotask(() => this.emit("abort"));
    this.destroy();
  }

  destroy(error) {
    if (this.destroyed) return this;
    this.destroyed = true;
    clearTimeout(this._fcTimer);
    this._fcController.abort();
    queueMicrotask(() => {
      if (error) this.emit("error", error);
      this.emit("close");
    });
    return this;
  }

  async _send() {
    const headers = new Headers();
    for (const [name, value] of this._headerLines()) headers.append(name, value);
    const body = this.method === "GET" || this.method === "HEAD" || this.outputSize === 0 ? undefined : Buffer.concat(this.outputData);
    let response;
    try {
      response = await fetch(this._fcUrl, {
        method: this.method,
        headers,
        body,
        redirect: "manual",
        signal: this._fcController.signal,
      });
    } catch (error) {
      if (!this.destroyed) this.destroy(connectionError(error, this._fcUrl));
      return;
    }
    clearTimeout(this._fcTimer);
    if (this.destroyed) return;
    const res = responseOf(response, this.socket);
    res.req = this;
    this.res = res;
    if (this.listenerCount("response") === 0) res.resume();
    this.emit("response", res);
    res.once("end", () => this.emit("close"));
    res.once("error", () => this.emit("close"));
  }
}

function abortError() {
  return Object.assign(new Error("The operation was aborted"), { name: "AbortError", code: "ABORT_ERR" });
}

/** What a failed fetch becomes: an error with the code Node's client gives. */
function connectionError(error, url) {
  const wrapped = new Error(`request to ${url} failed: ${error?.message ?? error}`);
  wrapped.code = error?.name === "AbortError" ? "ABORT_ERR" : "ECONNREFUSED";
  wrapped.cause = error;
  return wrapped;
}

/** A fetch `Response` as the `IncomingMessage` Node's client gives. */
function responseOf(response, socket) {
  const res = new IncomingMessage(socket);
  res.statusCode = response.status;
  res.statusMessage = response.statusText;
  const raw = [];
  const cookies = typeof response.headers.getSetCookie === "function" ? response.headers.getSetCookie() : [];
  for (const [name, value] of response.headers) {
    if (name === "set-cookie" && cookies.length > 0) continue;
    raw.push(name, value);
  }
  for (const cookie of cookies) raw.push("set-cookie", cookie);
  res.rawHeaders = raw;
  const reader = response.body?.getReader();
  // Reading the body is work in flight, as the socket is in Node.
  const release = holdPending();
  for (const event of ["end", "error", "close"]) res.once(event, release);
  let reading = false;
  res._read = () => {
    if (reading) return;
    if (!reader) {
      res.complete = true;
      res.push(null);
      return;
    }
    reading = true;
    reader.read().then(
      ({ done, value }) => {
        reading = false;
        if (done) {
          res.complete = true;
          res.push(null);
        } else if (res.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength))) {
          res._read();
        }
      },
      (error) => res.destroy(error),
    );
  };
  return res;
}

/** `request(url, [options], [callback])` with `defaults` (the protocol's). */
export function requestWith(defaults) {
  return (input, options, callback) => new ClientRequest(input, options, callback, defaults);
}

/** `get(url, [options], [callback])`: a request that is ended at once. */
export function getWith(defaults) {
  return (input, options, callback) => {
    const request = new ClientRequest(input, options, callback, defaults);
    request.end();
    return request;
  };
}
