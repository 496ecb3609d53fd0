// What Node's `http` server and client share: status texts, methods, header
// checks with Node's messages and codes, and the header object Node makes of the
// lines it receives.

export const STATUS_CODES = {
  100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
  200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information",
  204: "No Content", 205: "Reset Content", 206: "Partial Content", 207: "Multi-Status",
  208: "Already Reported", 226: "IM Used", 300: "Multiple Choices", 301: "Moved Permanently",
  302: "Found", 303: "See Other", 304: "Not Modified", 305: "Use Proxy",
  307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request",
  401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
  405: "Method Not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required",
  408: "Request Timeout", 409: "Conflict", 410: "Gone", 411: "Length Required",
  412: "Precondition Failed", 413: "Payload Too Large", 414: "URI Too Long",
  415: "Unsupported Media Type", 416: "Range Not Satisfiable", 417: "Expectation Failed",
  418: "I'm a Teapot", 421: "Misdirected Request", 422: "Unprocessable Entity", 423: "Locked",
  424: "Failed Dependency", 425: "Too Early", 426: "Upgrade Required",
  428: "Precondition Required", 429: "Too Many Requests",
  431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
  500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
  503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
  506: "Variant Also Negotiates", 507: "Insufficient Storage", 508: "Loop Detected",
  509: "Bandwidth Limit Exceeded", 510: "Not Extended", 511: "Network Authentication Required",
};

export const METHODS = [
  "ACL", "BIND", "CHECKOUT", "CONNECT", "COPY", "DELETE", "GET", "HEAD", "LINK", "LOCK",
  "M-SEARCH", "MERGE", "MKACTIVITY", "MKCALENDAR", "MKCOL", "MOVE", "NOTIFY", "OPTIONS",
  "PATCH", "POST", "PROPFIND", "PROPPATCH", "PURGE", "PUT", "QUERY", "REBIND", "REPORT",
  "SEARCH", "SOURCE", "SUBSCRIBE", "TRACE", "UNBIND", "UNLINK", "UNLOCK", "UNSUBSCRIBE",
];

export const maxHeaderSize = 16384;

const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
// What Node refuses in a header value: control characters other than tab, and
// anything past Latin-1.
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

function nodeError(Type, code, message) {
  const error = new Type(message);
  error.code = code;
  return error;
}

/** Node's check of a header name. */
export function validateHeaderName(name, label = "Header name") {
  if (typeof name !== "string" || !name || !TOKEN.test(name)) {
    throw nodeError(TypeError, "ERR_INVALID_HTTP_TOKEN", `${label} must be a valid HTTP token ["${name}"]`);
  }
}

/** Node's check of a header value. */
export function validateHeaderValue(name, value) {
  if (value === undefined) {
    throw nodeError(TypeError, "ERR_HTTP_INVALID_HEADER_VALUE", `Invalid value "${value}" for header "${name}"`);
  }
  const values = Array.isArray(value) ? value : [value];
  if (values.some((item) => INVALID_VALUE.test(String(item)))) {
    throw nodeError(TypeError, "ERR_INVALID_CHAR", `Invalid character in header content ["${name}"]`);
  }
}

/** The error of changing headers after they were sent. */
export function headersSentError(action) {
  return nodeError(Error, "ERR_HTTP_HEADERS_SENT", `Cannot ${action} headers after they are sent to the client`);
}

// Headers Node keeps only the first of; `set-cookie` becomes an array, `cookie`
// joins with "; ", every other repeated header with ", ".
const SINGLE = new Set([
  "age", "authorization", "content-length", "content-type", "etag", "expires", "from", "host",
  "if-modified-since", "if-unmodified-since", "last-modified", "location", "max-forwards",
  "proxy-authorization", "referer", "retry-after", "server", "user-agent",
]);

/** Adds one received header to `headers` as Node's `IncomingMessage` does. */
export function addHeaderLine(headers, name, value) {
  const key = name.toLowerCase();
  if (!Object.hasOwn(headers, key)) {
    headers[key] = key === "set-cookie" ? [value] : value;
  } else if (key === "set-cookie") {
    headers[key].push(value);
  } else if (!SINGLE.has(key)) {
    headers[key] += (key === "cookie" ? "; " : ", ") + value;
  }
}

/** Node's `headersDistinct`: every header's values as an array. */
export function distinctHeaders(rawHeaders) {
  const distinct = Object.create(null);
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const key = rawHeaders[i].toLowerCase();
    (distinct[key] ??= []).push(rawHeaders[i + 1]);
  }
  return distinct;
}

/** `["Name", "value", …]` from `name: value` lines (Latin-1, as received). */
export function rawHeaderList(block) {
  const raw = [];
  const text = typeof block === "string" ? block : latin1(block);
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    raw.push(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return raw;
}

/** Bytes as Latin-1 text. */
export function latin1(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return text;
}

const asciiEncoder = new TextEncoder();

/** Latin-1 text as bytes (ASCII, the usual case, through the engine's encoder). */
export function latin1Bytes(text) {
  if (!/[^\x00-\x7f]/.test(text)) return asciiEncoder.encode(text);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}
