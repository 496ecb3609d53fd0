// `http`: Node's server on the function's HTTP calls (`http-server.js`) and its
// client over `fetch` (`http-client.js`).

import { Agent, ClientRequest, getWith, requestWith } from "./http-client.js";
import { METHODS, STATUS_CODES, maxHeaderSize, validateHeaderName, validateHeaderValue } from "./http-common.js";
import { IncomingMessage, OutgoingMessage, Server, ServerResponse, createServer } from "./http-server.js";

const defaults = { protocol: "http:", defaultPort: 80 };

export const globalAgent = new Agent({ protocol: "http:", defaultPort: 80 });
export const request = requestWith(defaults);
export const get = getWith(defaults);

export function setMaxIdleHTTPParsers() {}

export {
  Agent,
  ClientRequest,
  IncomingMessage,
  METHODS,
  OutgoingMessage,
  STATUS_CODES,
  Server,
  ServerResponse,
  createServer,
  maxHeaderSize,
  validateHeaderName,
  validateHeaderValue,
};

export default {
  Agent,
  ClientRequest,
  IncomingMessage,
  METHODS,
  OutgoingMessage,
  STATUS_CODES,
  Server,
  ServerResponse,
  createServer,
  get,
  globalAgent,
  maxHeaderSize,
  request,
  setMaxIdleHTTPParsers,
  validateHeaderName,
  validateHeaderValue,
};
