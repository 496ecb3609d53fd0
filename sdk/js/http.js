// HTTP functions in the `(req, resp, context)` shape of FC's Node.js runtime:
// `req.headers/path/queries/method/clientIP/url/body`, and
// `resp.setStatusCode/setHeader/deleteHeader/send`.

import { Buffer, toBytes } from "./buffer.js";

/** `name: value\n` lines (bytes as Latin-1, as Node.js reads them) into an object
 * without a prototype, as Node's; a repeated header's values joined by ", ". */
export function parseHeaders(block) {
  const headers = Object.create(null);
  for (const line of Buffer.from(block).toString("latin1").split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    headers[name] = Object.hasOwn(headers, name) ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}

function decodeComponent(text) {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}

/** The query as an object without a prototype (as Node's `querystring` makes it): a
 * key given once maps to a string, one given again to an array. */
export function parseQueries(query) {
  const queries = Object.create(null);
  for (const pair of query.split("&")) {
    if (!pair) continue;
    const equals = pair.indexOf("=");
    const key = decodeComponent(equals < 0 ? pair : pair.slice(0, equals));
    const value = equals < 0 ? "" : decodeComponent(pair.slice(equals + 1));
    const previous = Object.hasOwn(queries, key) ? queries[key] : undefined;
    if (previous === undefined) queries[key] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else queries[key] = [previous, value];
  }
  return queries;
}

/** The `req` argument. */
export function requestOf(request) {
  const question = request.target.indexOf("?");
  const rawPath = question < 0 ? request.target : request.target.slice(0, question);
  const query = question < 0 ? "" : request.target.slice(question + 1);
  let path = rawPath;
  try {
    path = decodeURI(rawPath);
  } catch {
    // Keep a path that is not valid percent-encoding as it was sent.
  }
  return {
    method: request.method,
    url: request.target,
    path,
    queries: parseQueries(query),
    headers: parseHeaders(request.headers),
    clientIP: request.clientIp,
    basePath: request.basePath,
    // A view of the bytes the host passed, not a copy.
    body: new Buffer(request.body.buffer, request.body.byteOffset, request.body.byteLength),
  };
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// What Node.js allows in a header value: tab, visible ASCII, and Latin-1.
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** The `resp` argument; `finished` settles when `send` is called. */
export class Response {
  #status = 200;
  #headers = new Map();
  #body = undefined;
  #resolveFinished;

  constructor() {
    this.finished = new Promise((resolve) => {
      this.#resolveFinished = resolve;
    });
  }

  /** Whether `send` was called. */
  get sent() {
    return this.#body !== undefined;
  }

  setStatusCode(statusCode) {
    const code = Number(statusCode);
    if (!Number.isInteger(code) || code < 100 || code > 999) {
      throw new RangeError(`invalid status code: ${statusCode}`);
    }
    this.#status = code;
  }

  setHeader(name, value) {
    const key = String(name);
    if (!TOKEN.test(key)) throw new TypeError(`invalid header name: ${JSON.stringify(key)}`);
    const values = (Array.isArray(value) ? value : [value]).map(String);
    if (values.some((item) => INVALID_VALUE.test(item))) {
      throw new TypeError(`invalid character in the value of header ${key}`);
    }
    this.#headers.set(key.toLowerCase(), values);
  }

  getHeader(name) {
    const values = this.#headers.get(String(name).toLowerCase());
    return values === undefined ? undefined : values.length === 1 ? values[0] : values;
  }

  deleteHeader(name) {
    this.#headers.delete(String(name).toLowerCase());
  }

  send(body) {
    if (this.sent) return;
    this.#body = toBytes(body);
    this.#resolveFinished();
  }

  /** The `fc:runtime` response record (header bytes as Latin-1, as Node.js sends them). */
  toRecord() {
    let block = "";
    for (const [name, values] of this.#headers) {
      for (const value of values) block += `${name}: ${value}\n`;
    }
    return {
      status: this.#status,
      headers: Buffer.from(block, "latin1"),
      body: this.#body ?? new Uint8Array(0),
    };
  }
}
