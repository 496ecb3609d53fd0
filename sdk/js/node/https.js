// `https`: the `http` server and client with HTTPS defaults. A server's requests
// are the platform's (it holds the certificate); the client's TLS is the runtime's.

import { Agent, getWith, requestWith } from "./http-client.js";
import { Server as HttpServer } from "./http-server.js";

const defaults = { protocol: "https:", defaultPort: 443 };

export { Agent };
export const globalAgent = new Agent({ protocol: "https:", defaultPort: 443 });
export const request = requestWith(defaults);
export const get = getWith(defaults);

/** An HTTPS server: its requests report `socket.encrypted`, as behind TLS. */
export class Server extends HttpServer {
  constructor(options, listener) {
    if (typeof options === "function") [listener, options] = [options, {}];
    super({ ...(options ?? {}), fcEncrypted: true }, listener);
  }
}

export function createServer(options, listener) {
  return new Server(options, listener);
}

export default { Agent, Server, createServer, get, globalAgent, request };
