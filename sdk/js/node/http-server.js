// Node's `http` server on the function's HTTP calls: `createServer(listener)` and
// `server.listen(port)` (what Express's and Koa's `app.listen` call) make the
// listener the function's HTTP handler, whatever the port: the platform's requests
// arrive on the runtime's own. Each call reaches the listener as an
// `IncomingMessage` (a Readable of the body) and is answered through a
// `ServerResponse`; the call ends when the response has ended and its 'finish' and
// 'close' listeners (loggers such as morgan) have run.

import EventEmitter from "events";
import { Readable, Stream } from "stream";
import { Buffer } from "buffer";

import { registerApp, unregisterApp } from "../web-app.js";
import { settleImmediates, sdkError, unlessIdle } from "../pending.js";
import {
  STATUS_CODES,
  addHeaderLine,
  distinctHeaders,
  headersSentError,
  latin1Bytes,
  rawHeaderList,
  validateHeaderName,
  validateHeaderValue,
} from "./http-common.js";

/** The connection a request came on, as much of `net.Socket` as servers read. */
export class FakeSocket extends EventEmitter {
  constructor({ remoteAddress = "127.0.0.1", localPort = 9000, encrypted = false } = {}) {
    super();
    this.remoteAddress = remoteAddress;
    this.remoteFamily = remoteAddress.includes(":") ? "IPv6" : "IPv4";
    this.remotePort = 0;
    this.localAddress = "127.0.0.1";
    this.localPort = localPort;
    this.readable = true;
    this.writable = true;
    this.destroyed = false;
    this.bytesRead = 0;
    this.bytesWritten = 0;
    if (encrypted) this.encrypted = true;
  }

  address() {
    return { address: this.localAddress, family: "IPv4", port: this.localPort };
  }

  setTimeout(_ms, callback) {
    if (typeof callback === "function") this.once("timeout", callback);
    return this;
  }

  setNoDelay() {
    return this;
  }

  setKeepAlive() {
    return this;
  }

  ref() {
    return this;
  }

  unref() {
    return this;
  }

  write() {
    return true;
  }

  end() {
    return this;
  }

  destroy(error) {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.readable = false;
    this.writable = false;
    if (error) this.emit("error", error);
    this.emit("close", Boolean(error));
    return this;
  }
}

/** A request the server received: a Readable of its body. */
export class IncomingMessage extends Readable {
  constructor(socket) {
    super();
    this.socket = socket;
    this.httpVersionMajor = 1;
    this.httpVersionMinor = 1;
    this.httpVersion = "1.1";
    this.complete = false;
    this.rawHeaders = [];
    this.rawTrailers = [];
    this.trailers = {};
    this.aborted = false;
    this.upgrade = false;
    this.url = "";
    this.method = null;
    this.statusCode = null;
    this.statusMessage = null;
    this._headers = undefined;
  }

  get connection() {
    return this.socket;
  }

  /** The headers, names in lower case, repeated ones combined as Node does. */
  get headers() {
    if (this._headers === undefined) {
      const headers = Object.create(null);
      for (let i = 0; i + 1 < this.rawHeaders.length; i += 2) {
        addHeaderLine(headers, this.rawHeaders[i], this.rawHeaders[i + 1]);
      }
      this._headers = headers;
    }
    return this._headers;
  }

  set headers(value) {
    this._headers = value;
  }

  get headersDistinct() {
    return distinctHeaders(this.rawHeaders);
  }

  get trailersDistinct() {
    return {};
  }

  setTimeout(_ms, callback) {
    if (typeof callback === "function") this.once("timeout", callback);
    return this;
  }

  _read() {}
}

/** What a response and a client request share: headers, and the stream shape. */
export class OutgoingMessage extends Stream {
  constructor() {
    super();
    this.outputData = [];
    this.outputSize = 0;
    this.writable = true;
    this.destroyed = false;
    this.finished = false;
    this.writableEnded = false;
    this.writableFinished = false;
    this.chunkedEncoding = false;
    this.shouldKeepAlive = true;
    this.sendDate = true;
    this._header = null;
    this._fcHeaders = new Map();
  }

  get headersSent() {
    return this._header !== null;
  }

  get writableLength() {
    return 0;
  }

  get writableHighWaterMark() {
    return 16384;
  }

  get writableCorked() {
    return 0;
  }

  get writableObjectMode() {
    return false;
  }

  get writableNeedDrain() {
    return false;
  }

  setHeader(name, value) {
    if (this._header !== null) throw headersSentError("set");
    validateHeaderName(name);
    validateHeaderValue(name, value);
    this._fcHeaders.set(String(name).toLowerCase(), [String(name), value]);
    return this;
  }

  setHeaders(headers) {
    for (const [name, value] of headers instanceof Map || headers instanceof Headers ? headers : Object.entries(headers)) {
      this.setHeader(name, value);
    }
    return this;
  }

  appendHeader(name, value) {
    const existing = this.getHeader(name);
    if (existing === undefined) return this.setHeader(name, value);
    const list = [].concat(existing, value).map(String);
    return this.setHeader(this._fcHeaders.get(name.toLowerCase())[0], list);
  }

  getHeader(name) {
    if (typeof name !== "string") {
      throw Object.assign(new TypeError('The "name" argument must be of type string'), { code: "ERR_INVALID_ARG_TYPE" });
    }
    return this._fcHeaders.get(name.toLowerCase())?.[1];
  }

  getHeaders() {
    const headers = Object.create(null);
    for (const [key, [, value]] of this._fcHeaders) headers[key] = value;
    return headers;
  }

  getHeaderNames() {
    return [...this._fcHeaders.keys()];
  }

  getRawHeaderNames() {
    return [...this._fcHeaders.values()].map(([name]) => name);
  }

  hasHeader(name) {
    return this._fcHeaders.has(String(name).toLowerCase());
  }

  removeHeader(name) {
    if (this._header !== null) throw headersSentError("remove");
    this._fcHeaders.delete(String(name).toLowerCase());
  }

  flushHeaders() {
    this._implicitHeader();
  }

  setTimeout(_ms, callback) {
    if (typeof callback === "function") this.once("timeout", callback);
    return this;
  }

  cork() {}

  uncork() {}

  addTrailers() {}

  /** Appends a chunk of the body; the callback runs once it is taken. */
  _writeChunk(chunk, encoding, callback) {
    if (this.writableEnded) {
      const error = Object.assign(new Error("write after end"), { code: "ERR_STREAM_WRITE_AFTER_END" });
      queueMicrotask(() => {
        if (typeof callback === "function") callback(error);
        this.emit("error", error);
      });
      return false;
    }
    if (chunk !== undefined && chunk !== null) {
      const bytes = toChunk(chunk, encoding);
      if (bytes.length > 0) {
        this.outputData.push(bytes);
        this.outputSize += bytes.length;
      }
    }
    if (typeof callback === "function") queueMicrotask(callback);
    return true;
  }

  /** The header lines, as `name: value` pairs, in the order set. */
  _headerLines() {
    const lines = [];
    for (const [, [name, value]] of this._fcHeaders) {
      for (const item of Array.isArray(value) ? value : [value]) lines.push([name, String(item)]);
    }
    return lines;
  }
}

function toChunk(chunk, encoding) {
  if (typeof chunk === "string") return Buffer.from(chunk, typeof encoding === "string" ? encoding : "utf8");
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw Object.assign(
    new TypeError('The "chunk" argument must be of type string or an instance of Buffer or Uint8Array'),
    { code: "ERR_INVALID_ARG_TYPE" },
  );
}

/** Statuses whose answer has no body. */
const NO_BODY = new Set([204, 304]);

/** The answer to one request. */
export class ServerResponse extends OutgoingMessage {
  constructor(req) {
    super();
    this.req = req;
    this.socket = req?.socket ?? null;
    this.statusCode = 200;
    this.statusMessage = undefined;
    this.strictContentLength = false;
    this._fcDone = undefined;
    this._fcHead = req?.method === "HEAD";
  }

  get connection() {
    return this.socket;
  }

  writeHead(statusCode, reason, headers) {
    if (this._header !== null) throw headersSentError("write");
    const code = Number(statusCode);
    if (!Number.isInteger(code) || code < 100 || code > 999) {
      throw Object.assign(new RangeError(`Invalid status code: ${statusCode}`), { code: "ERR_HTTP_INVALID_STATUS_CODE" });
    }
    if (typeof reason !== "string") {
      headers = reason;
      reason = undefined;
    }
    this.statusCode = code;
    if (reason !== undefined) this.statusMessage = reason;
    if (Array.isArray(headers)) {
      const pairs = Array.isArray(headers[0]) ? headers : chunkPairs(headers);
      for (const [name, value] of pairs) this.appendHeader(name, value);
    } else if (headers) {
      for (const [name, value] of Object.entries(headers)) {
        if (value !== undefined) this.setHeader(name, value);
      }
    }
    this.statusMessage ??= STATUS_CODES[code] ?? "unknown";
    let head = `HTTP/1.1 ${code} ${this.statusMessage}\r\n`;
    for (const [name, value] of this._headerLines()) head += `${name}: ${value}\r\n`;
    this._header = `${head}\r\n`;
    return this;
  }

  _implicitHeader() {
    if (this._header === null) this.writeHead(this.statusCode);
  }

  write(chunk, encoding, callback) {
    if (typeof encoding === "function") [callback, encoding] = [encoding, undefined];
    if (chunk === undefined || chunk === null) {
      throw Object.assign(new TypeError('The "chunk" argument must be of type string or an instance of Buffer or Uint8Array'), { code: "ERR_STREAM_NULL_VALUES" });
    }
    this._implicitHeader();
    return this._writeChunk(this._keepsBody() ? chunk : undefined, encoding, callback);
  }

  end(chunk, encoding, callback) {
    if (typeof chunk === "function") [callback, chunk] = [chunk, undefined];
    else if (typeof encoding === "function") [callback, encoding] = [encoding, undefined];
    if (this.writableEnded) {
      if (typeof callback === "function") queueMicrotask(callback);
      return this;
    }
    this._implicitHeader();
    this._writeChunk(this._keepsBody() ? chunk : undefined, encoding);
    this.writableEnded = true;
    this.finished = true;
    this.writable = false;
    if (typeof callback === "function") this.once("finish", callback);
    queueMicrotask(() => this._finish());
    return this;
  }

  destroy(error) {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.writable = false;
    this.socket?.destroy();
    queueMicrotask(() => {
      if (error) this.emit("error", error);
      this.emit("close");
      this._fcDone?.(error ?? new Error("the response was destroyed before it ended"));
    });
    return this;
  }

  writeContinue() {}

  writeProcessing() {}

  writeEarlyHints() {}

  assignSocket(socket) {
    this.socket = socket;
  }

  detachSocket() {
    this.socket = null;
  }

  _keepsBody() {
    return !this._fcHead && !NO_BODY.has(this.statusCode);
  }

  _finish() {
    this.writableFinished = true;
    this.emit("prefinish");
    this.emit("finish");
    if (!this.destroyed) {
      this.destroyed = true;
      this.emit("close");
    }
    if (this.req && !this.req.destroyed) this.req.emit("close");
    this._fcDone?.();
  }

  /** The `fc:runtime` response record (header bytes as Latin-1, as Node sends them). */
  _record() {
    let block = "";
    for (const [name, value] of this._headerLines()) block += `${name.toLowerCase()}: ${value}\n`;
    const body = this.outputData.length === 1 ? this.outputData[0] : Buffer.concat(this.outputData);
    return { status: this.statusCode, headers: latin1Bytes(block), body };
  }
}

function chunkPairs(flat) {
  const pairs = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
  return pairs;
}

/** A request record of `fc:runtime` as Node's server would have read it. */
function incoming(request, socket, requestId, Incoming) {
  const req = new Incoming(socket);
  req.method = request.method;
  req.url = request.target;
  req.rawHeaders = rawHeaderList(request.headers);
  if (requestId) req.rawHeaders.push("x-fc-request-id", requestId);
  const body = request.body;
  // The host has the whole body: a request that came without its length (as a test
  // or a proxy may send one) says it, as Node's parser would have seen it on the wire.
  const framed = req.rawHeaders.some((name, i) => i % 2 === 0 && /^(content-length|transfer-encoding)$/i.test(name));
  if (!framed && body.byteLength > 0) req.rawHeaders.push("content-length", String(body.byteLength));
  if (body.byteLength > 0) req.push(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  req.push(null);
  req.complete = true;
  return req;
}

/** The server `createServer` makes. */
export class Server extends EventEmitter {
  constructor(options, listener) {
    super();
    if (typeof options === "function") [listener, options] = [options, {}];
    this.options = options ?? {};
    this.listening = false;
    this.timeout = 0;
    this.keepAliveTimeout = 5000;
    this.headersTimeout = 60000;
    this.requestTimeout = 300000;
    this.maxHeadersCount = null;
    this.maxRequestsPerSocket = 0;
    this._fcAddress = null;
    this._fcServe = (request, context) => this._serve(request, context);
    if (typeof listener === "function") this.on("request", listener);
  }

  /** `listen([port], [host], [backlog], [callback])`, or with an options object. */
  listen(...args) {
    const callback = typeof args.at(-1) === "function" ? args.pop() : undefined;
    let [port, host] = args;
    if (port !== null && typeof port === "object") ({ port, host } = port);
    const number = Number(port ?? 0);
    if (!Number.isInteger(number) || number < 0 || number > 65535) {
      throw Object.assign(new RangeError(`options.port should be >= 0 and < 65536. Received ${port}.`), { code: "ERR_SOCKET_BAD_PORT" });
    }
    if (callback) this.once("listening", callback);
    if (this.listening) return this;
    const address = typeof host === "string" && host ? host : "::";
    this._fcAddress = {
      address,
      family: address.includes(":") ? "IPv6" : "IPv4",
      port: number || 9000,
    };
    if (registerApp(`the server listening on port ${this._fcAddress.port}`, this._fcServe)) {
      this.listening = true;
      queueMicrotask(() => this.emit("listening"));
    }
    return this;
  }

  address() {
    return this.listening ? { ...this._fcAddress } : null;
  }

  close(callback) {
    if (!this.listening) {
      const error = Object.assign(new Error("Server is not running."), { code: "ERR_SERVER_NOT_RUNNING" });
      if (typeof callback === "function") queueMicrotask(() => callback(error));
      return this;
    }
    this.listening = false;
    unregisterApp(this._fcServe);
    queueMicrotask(() => {
      this.emit("close");
      if (typeof callback === "function") callback();
    });
    return this;
  }

  closeAllConnections() {}

  closeIdleConnections() {}

  setTimeout(ms, callback) {
    this.timeout = ms;
    if (typeof callback === "function") this.on("timeout", callback);
    return this;
  }

  ref() {
    return this;
  }

  unref() {
    return this;
  }

  /** Serves one `fc:runtime` request; resolves with the response record. */
  _serve(request, context) {
    const socket = new FakeSocket({
      remoteAddress: request.clientIp || "127.0.0.1",
      localPort: this._fcAddress?.port,
      encrypted: this.options.fcEncrypted === true,
    });
    const Incoming = this.options.IncomingMessage ?? IncomingMessage;
    const Response = this.options.ServerResponse ?? ServerResponse;
    const req = incoming(request, socket, context?.requestId, Incoming);
    const res = new Response(req);
    const done = new Promise((resolve, reject) => {
      res._fcDone = (error) => (error ? reject(error) : resolve());
    });
    this.emit("connection", socket);
    this.emit("request", req, res);
    return answer(res, done);
  }
}

/** The record once the response has ended and what its end set off has run. */
async function answer(res, done) {
  await unlessIdle(done, () => {
    throw sdkError(
      "ResponseNotEnded",
      "the server's request listener did not end the response (res.end()), and waits for nothing that could",
    );
  });
  await settleImmediates();
  return res._record();
}

/** `http.createServer([options], [listener])`. */
export function createServer(options, listener) {
  return new Server(options, listener);
}
