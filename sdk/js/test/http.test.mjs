// The SDK's `http` server against Node's own: the same request listener answers the
// same request on a real Node.js server (on 127.0.0.1) and through the SDK's server,
// and what the listener sees (the request's fields, headers, body, events) and what
// it answers (status, headers, body) must agree.

import assert from "node:assert/strict";
import * as nodeHttp from "node:http";
import * as net from "node:net";
import test from "node:test";

import * as http from "../node/http.js";
import { trackPending } from "../pending.js";

trackPending();

/** A raw HTTP/1.1 request from its parts. */
function rawRequest({ method = "GET", target = "/", headers = [], body = "" }) {
  const lines = [`${method} ${target} HTTP/1.1`, "host: example.test", ...headers.map(([n, v]) => `${n}: ${v}`)];
  if (body) lines.push(`content-length: ${Buffer.byteLength(body)}`);
  lines.push("connection: close");
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

/** The same request as the host hands it to the guest (`fc:runtime` record). */
function record({ method = "GET", target = "/", headers = [], body = "" }) {
  const all = [["host", "example.test"], ...headers];
  if (body) all.push(["content-length", String(Buffer.byteLength(body))]);
  const block = all.map(([n, v]) => `${n.toLowerCase()}: ${v}\n`).join("");
  return {
    method,
    target,
    headers: new TextEncoder().encode(block),
    body: new TextEncoder().encode(body),
    clientIp: "127.0.0.1",
    basePath: "",
  };
}

/** Serves one request with `listener` on Node's server; the parsed response. */
async function onNode(listener, request) {
  const server = nodeHttp.createServer(listener);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  const text = await new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.end(rawRequest(request)));
    let data = "";
    socket.on("data", (chunk) => (data += chunk.toString("latin1")));
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
  });
  await new Promise((resolve) => server.close(resolve));
  const [head, ...rest] = text.split("\r\n\r\n");
  const [status, ...lines] = head.split("\r\n");
  const headers = lines.map((line) => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  });
  let body = rest.join("\r\n\r\n");
  if (headers.some(([n, v]) => n === "transfer-encoding" && v === "chunked")) body = unchunk(body);
  return { status: Number(status.split(" ")[1]), reason: status.split(" ").slice(2).join(" "), headers, body };
}

function unchunk(text) {
  let body = "";
  let rest = text;
  for (;;) {
    const eol = rest.indexOf("\r\n");
    const size = parseInt(rest.slice(0, eol), 16);
    if (!size) return body;
    body += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 4 + size);
  }
}

/** Serves one request with `listener` on the SDK's server. */
async function onSdk(listener, request) {
  const server = http.createServer(listener);
  const answer = await server._serve(record(request), { requestId: "req-1" });
  const text = new TextDecoder("latin1").decode(answer.headers);
  const headers = text
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon), line.slice(colon + 1).trim()];
    });
  return { status: answer.status, headers, body: Buffer.from(answer.body).toString("latin1") };
}

/** The headers a listener set, without those Node's server adds itself. */
function own(headers) {
  const added = new Set(["date", "connection", "keep-alive", "content-length", "transfer-encoding"]);
  return headers.filter(([name]) => !added.has(name));
}

/** Runs `listener` on both servers and checks they agree; returns what the listener saw. */
async function agree(listener, request) {
  const seen = [];
  const recording = (side) => (req, res) => listener(req, res, (value) => seen.push([side, value]));
  // The platform sends the request id, which the host passes in the call's context.
  const withId = { ...request, headers: [...(request.headers ?? []), ["x-fc-request-id", "req-1"]] };
  const node = await onNode(recording("node"), withId);
  const sdk = await onSdk(recording("sdk"), request);
  assert.equal(sdk.status, node.status, "status");
  assert.deepEqual(own(sdk.headers), own(node.headers), "headers");
  assert.equal(sdk.body, node.body, "body");
  const bySide = (side) => seen.filter(([s]) => s === side).map(([, value]) => value);
  assert.deepEqual(bySide("sdk"), bySide("node"), "what the listener saw");
  return bySide("node");
}

test("a request reaches the listener as Node's IncomingMessage", async () => {
  const request = {
    method: "POST",
    target: "/a/b?x=1&x=2",
    headers: [
      ["X-Custom", "one"],
      ["x-custom", "two"],
      ["Set-Cookie", "a=1"],
      ["set-cookie", "b=2"],
      ["Cookie", "c=3"],
      ["cookie", "d=4"],
      ["Content-Type", "text/plain"],
      ["content-type", "text/html"],
      ["User-Agent", "ua"],
    ],
    body: "héllo",
  };
  const seen = await agree((req, res, see) => {
    see({
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      headers: { ...req.headers, connection: undefined, "content-length": undefined },
      distinct: req.headersDistinct["x-custom"],
      remote: req.socket.remoteAddress === req.connection.remoteAddress,
      readable: req instanceof http.IncomingMessage || req instanceof nodeHttp.IncomingMessage,
    });
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      see(Buffer.concat(chunks).toString("utf8"));
      res.end("ok");
    });
  }, request);
  assert.equal(seen[0].headers["x-custom"], "one, two");
  assert.deepEqual(seen[0].headers["set-cookie"], ["a=1", "b=2"]);
  assert.equal(seen[0].headers.cookie, "c=3; d=4");
  assert.equal(seen[0].headers["content-type"], "text/plain", "Node keeps the first");
});

test("a body reads as an async iterable and with setEncoding", async () => {
  await agree(async (req, res, see) => {
    req.setEncoding("utf8");
    let text = "";
    for await (const chunk of req) text += chunk;
    see(text);
    res.end(text.toUpperCase());
  }, { method: "PUT", body: "some body" });
});

test("headers are set, read and removed as on Node", async () => {
  await agree((req, res, see) => {
    res.setHeader("Content-Type", "text/plain");
    res.setHeader("X-Many", ["a", "b"]);
    res.setHeader("X-Number", 42);
    res.appendHeader("X-Many", "c");
    see([res.getHeader("content-type"), res.getHeader("x-many"), res.getHeader("x-number")]);
    see([res.hasHeader("X-MANY"), res.getHeaderNames(), Object.keys(res.getHeaders())]);
    res.setHeader("X-Gone", "1");
    res.removeHeader("x-gone");
    see([res.hasHeader("x-gone"), res.headersSent]);
    res.statusCode = 201;
    res.end("made");
    see(res.headersSent);
  }, {});
});

test("writeHead takes a reason, an object or a flat array, and fixes the headers", async () => {
  await agree((req, res, see) => {
    res.setHeader("X-Before", "kept");
    res.writeHead(418, "Short and stout", { "X-Object": "o" });
    see([res.statusCode, res.statusMessage, res.headersSent, Boolean(res._header)]);
    let error;
    try {
      res.setHeader("X-After", "late");
    } catch (e) {
      error = e.code;
    }
    see(error);
    res.end();
  }, {});
  await agree((req, res) => {
    res.writeHead(200, ["X-A", "1", "X-B", "2"]);
    res.end("array");
  }, {});
});

test("write and end send the chunks in order; 'finish' then 'close'", async () => {
  await agree((req, res, see) => {
    res.on("finish", () => see("finish"));
    res.on("close", () => see(["close", res.writableFinished]));
    see(res.write("a"));
    res.write(Buffer.from("b"));
    res.write("c", "latin1", () => see("written"));
    res.end("d", () => see("ended"));
    see([res.writableEnded, res.finished]);
  }, {});
});

test("a HEAD request and a 204 answer have no body", async () => {
  await agree((req, res) => res.end("not sent"), { method: "HEAD" });
  await agree((req, res) => {
    res.statusCode = 204;
    res.end("not sent");
  }, {});
});

test("Express's request prototype derives from IncomingMessage's", () => {
  const request = Object.create(http.IncomingMessage.prototype);
  assert.ok(request instanceof http.IncomingMessage);
  const response = Object.create(http.ServerResponse.prototype);
  assert.equal(typeof response.setHeader, "function");
  assert.equal(typeof response.end, "function");
});

test("listen emits 'listening' and address() has Node's shape; close ends it", async () => {
  const theirs = nodeHttp.createServer(() => {});
  const ours = http.createServer(() => {});
  for (const server of [theirs, ours]) {
    assert.equal(server.address(), null);
    assert.equal(server.listening, false);
  }
  await new Promise((resolve) => theirs.listen(0, "127.0.0.1", resolve));
  await new Promise((resolve) => ours.listen(9000, "127.0.0.1", resolve));
  assert.deepEqual(Object.keys(ours.address()).sort(), Object.keys(theirs.address()).sort());
  assert.deepEqual(ours.address(), { address: "127.0.0.1", family: "IPv4", port: 9000 });
  assert.equal(ours.listening, true);
  await new Promise((resolve) => theirs.close(resolve));
  await new Promise((resolve) => ours.close(resolve));
  assert.equal(ours.listening, false);
  assert.throws(() => ours.listen(70000), { code: "ERR_SOCKET_BAD_PORT" });
});

test("invalid header names and values fail as on Node", () => {
  for (const res of [new nodeHttp.ServerResponse(new nodeHttp.IncomingMessage()), new http.ServerResponse(new http.IncomingMessage())]) {
    assert.throws(() => res.setHeader("bad name", "x"), { code: "ERR_INVALID_HTTP_TOKEN" });
    assert.throws(() => res.setHeader("x-ok", "line\nbreak"), { code: "ERR_INVALID_CHAR" });
    assert.throws(() => res.setHeader("x-ok", undefined), { code: "ERR_HTTP_INVALID_HEADER_VALUE" });
    assert.throws(() => res.writeHead(99), { code: "ERR_HTTP_INVALID_STATUS_CODE" });
  }
});

test("STATUS_CODES and METHODS are Node's", () => {
  assert.deepEqual(http.STATUS_CODES, nodeHttp.STATUS_CODES);
  for (const method of ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]) {
    assert.ok(http.METHODS.includes(method));
  }
});

test("a listener that never ends the response fails the call with a clear error", async () => {
  const server = http.createServer(() => {});
  await assert.rejects(server._serve(record({}), {}), { name: "ResponseNotEnded" });
});

test("a response ended from a timer, and its finish listeners' immediates, complete the call", async () => {
  const seen = [];
  const server = http.createServer((req, res) => {
    res.on("finish", () => setImmediate(() => setImmediate(() => seen.push("logged"))));
    setTimeout(() => res.end("late"), 5);
  });
  const answer = await server._serve(record({}), {});
  assert.equal(Buffer.from(answer.body).toString(), "late");
  assert.deepEqual(seen, ["logged"], "the logger ran before the call ended");
});
