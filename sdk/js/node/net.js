// `net`: what a function can use of it, which is telling IP addresses apart
// (`isIP`, `isIPv4`, `isIPv6`, with Node's own patterns). Sockets and servers
// fail when used: a function reaches the network through the runtime, by fetch()
// or the `http` client, and its requests come through `http.createServer`.

import EventEmitter from "events";

const V4_SEG = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])";
const V4 = `(?:${V4_SEG}\\.){3}${V4_SEG}`;
const V6_SEG = "(?:[0-9a-fA-F]{1,4})";
const V6 =
  "(?:" +
  `(?:${V6_SEG}:){7}(?:${V6_SEG}|:)|` +
  `(?:${V6_SEG}:){6}(?:${V4}|:${V6_SEG}|:)|` +
  `(?:${V6_SEG}:){5}(?::${V4}|(?::${V6_SEG}){1,2}|:)|` +
  `(?:${V6_SEG}:){4}(?:(?::${V6_SEG}){0,1}:${V4}|(?::${V6_SEG}){1,3}|:)|` +
  `(?:${V6_SEG}:){3}(?:(?::${V6_SEG}){0,2}:${V4}|(?::${V6_SEG}){1,4}|:)|` +
  `(?:${V6_SEG}:){2}(?:(?::${V6_SEG}){0,3}:${V4}|(?::${V6_SEG}){1,5}|:)|` +
  `(?:${V6_SEG}:){1}(?:(?::${V6_SEG}){0,4}:${V4}|(?::${V6_SEG}){1,6}|:)|` +
  `(?::(?:(?::${V6_SEG}){0,5}:${V4}|(?::${V6_SEG}){1,7}|:))` +
  ")(?:%[0-9a-zA-Z-.:]{1,})?";
const IPV4 = new RegExp(`^${V4}$`);
const IPV6 = new RegExp(`^${V6}$`);

export function isIPv4(input) {
  return IPV4.test(String(input));
}

export function isIPv6(input) {
  return IPV6.test(String(input));
}

/** 4, 6, or 0 when `input` is not an IP address. */
export function isIP(input) {
  if (isIPv4(input)) return 4;
  if (isIPv6(input)) return 6;
  return 0;
}

function noSockets(what) {
  return Object.assign(
    new Error(
      `net.${what} is not available in a WebAssembly function: it has no raw TCP sockets in ` +
        "JavaScript; use fetch() or the `http`/`https` client, and `http.createServer` for requests",
    ),
    { code: "ERR_FC_UNAVAILABLE_BUILTIN" },
  );
}

export class Socket extends EventEmitter {
  constructor() {
    super();
    throw noSockets("Socket");
  }
}

export class Server extends EventEmitter {
  constructor() {
    super();
    throw noSockets("Server");
  }
}

export function connect() {
  throw noSockets("connect");
}

export const createConnection = connect;

export function createServer() {
  throw noSockets("createServer");
}

export class BlockList {
  constructor() {
    throw noSockets("BlockList");
  }
}

export function getDefaultAutoSelectFamily() {
  return true;
}

export function setDefaultAutoSelectFamily() {}

export default {
  BlockList,
  Server,
  Socket,
  connect,
  createConnection,
  createServer,
  getDefaultAutoSelectFamily,
  isIP,
  isIPv4,
  isIPv6,
  setDefaultAutoSelectFamily,
};
