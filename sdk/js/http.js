// HTTP functions in the `(req, resp, context)` shape of FC's Node.js runtime:
// `req.headers/path/queries/method/clientIP/url/body`, and
// `resp.setStatusCode/setHeader/deleteHeader/send`.

import { Buffer, toBytes } from "./buffer.js";

const headerDecoder = new TextDecoder();
const headerEncoder = new TextEncoder();

/** `name: value\n` lines into an object; a repeated header's values joined by ", ". */
export function parseHeaders(block) {
  const headers = {};
  for (const line of headerDecoder.decode(block).split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
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

/** The query as an object: a key given once maps to a string, one given again to an array. */
export function parseQueries(query) {
  const queries = {};
  for (const pair of query.split("&")) {
    if (!pair) continue;
    const equals = pair.indexOf("=");
    const key = decodeComponent(equals < 0 ? pair : pair.slice(0, equals));
    const value = equals < 0 ? "" : decodeComponent(pair.slice(equals + 1));
    const previous = queries[key];
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
    body: Buffer.from(request.body),
  };
}

function validHeader(name, value) {
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) && !/[\r\n]/.test(value);
}

/** The `resp` argument; `finished` settles when `send` is called. */
export class Response {
  constructor() {
    this.statusCode = 200;
    this.headers = new Map();
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
    this.body = undefined;
  }

  setStatusCode(statusCode) {
    const code = Number(statusCode);
    if (!Number.isInteger(code) || code < 100 || code > 999) {
      throw new RangeError(`invalid status code: ${statusCode}`);
    }
    this.statusCode = code;
  }

  setHeader(name, value) {
    const values = (Array.isArray(value) ? value : [value]).map(String);
    for (const item of values) {
      if (!validHeader(String(name), item)) {
        throw new TypeError(`invalid header: ${name}`);
      }
    }
    this.headers.set(String(name).toLowerCase(), values);
  }

  getHeader(name) {
    const values = this.headers.get(String(name).toLowerCase());
    return values === undefined ? undefined : values.length === 1 ? values[0] : values;
  }

  deleteHeader(name) {
    this.headers.delete(String(name).toLowerCase());
  }

  send(body) {
    if (this.body !== undefined) return;
    this.body = toBytes(body);
    this.resolveFinished();
  }

  /** The `fc:runtime` response record. */
  toRecord() {
    let block = "";
    for (const [name, values] of this.headers) {
      for (const value of values) block += `${name}: ${value}\n`;
    }
    return {
      status: this.statusCode,
      headers: headerEncoder.encode(block),
      body: this.body ?? new Uint8Array(0),
    };
  }
}
