// Unit tests of the SDK's pure modules, run by Node.js (`node --test sdk/js/test/`,
// which `cargo test` runs too): the Buffer against Node's own, and the HTTP shapes.

import assert from "node:assert/strict";
import { Buffer as NodeBuffer } from "node:buffer";
import test from "node:test";

import { Buffer, toBytes } from "../buffer.js";
import { parseHeaders, parseQueries, requestOf, Response } from "../http.js";

const samples = ["", "hello", "héllo wörld ✓ 🚀", "\u0000\u00ff binary", "a".repeat(70000)];

test("Buffer encodes and decodes as Node's does", () => {
  for (const text of samples) {
    for (const encoding of ["utf8", "utf-8", "hex", "base64", "base64url", "latin1", "binary"]) {
      const textEncoding = encoding === "hex" || encoding.startsWith("base64") ? "utf8" : encoding;
      const node = NodeBuffer.from(text, textEncoding);
      const encoded = node.toString(encoding);
      assert.equal(Buffer.from(node).toString(encoding), encoded, `${encoding} of ${text}`);
      assert.deepEqual(
        Array.from(Buffer.from(encoded, encoding)),
        Array.from(NodeBuffer.from(encoded, encoding)),
        `from ${encoding}`,
      );
    }
  }
});

test("Buffer has Node's constructors and helpers", () => {
  assert.equal(new Buffer("abc").toString(), "abc");
  assert.equal(new Buffer([104, 105]).toString(), "hi");
  assert.equal(Buffer.concat([Buffer.from("ab"), Buffer.from("cd")]).toString(), "abcd");
  assert.equal(Buffer.concat([Buffer.from("ab"), Buffer.from("cd")], 3).toString(), "abc");
  assert.equal(Buffer.alloc(3, 1).toString("hex"), "010101");
  assert.equal(Buffer.byteLength("é"), 2);
  assert.ok(Buffer.isBuffer(Buffer.from("x")) && !Buffer.isBuffer(new Uint8Array(1)));
  assert.ok(Buffer.from("abc").slice(1) instanceof Buffer);
  assert.equal(Buffer.from("hello").toString("utf8", 1, 3), "el");
  assert.deepEqual(Buffer.from("hi").toJSON(), NodeBuffer.from("hi").toJSON());
  assert.equal(Buffer.from(Buffer.from("hi").toJSON()).toString(), "hi");
  assert.ok(Buffer.from("a").equals(Buffer.from("a")));
  assert.equal(`${Buffer.from("body")}`, "body");
  assert.throws(() => Buffer.from("x", "utf16"), TypeError);
});

test("Buffer's edge cases match Node's", () => {
  const same = (ours, node) => assert.deepEqual(Array.from(ours), Array.from(node));
  for (const [text, encoding] of [
    ["abzz", "hex"],
    ["1g", "hex"],
    ["abc", "hex"],
    ["abcde", "base64"],
    ["a", "base64"],
    ["😀é", "latin1"],
    ["\u00ff\u0100", "ascii"],
  ]) {
    same(Buffer.from(text, encoding), NodeBuffer.from(text, encoding));
  }
  const bom = [0xef, 0xbb, 0xbf, 0x41];
  assert.equal(Buffer.from(bom).toString(), NodeBuffer.from(bom).toString());
  assert.equal(Buffer.from([0xe9, 0x41]).toString("ascii"), NodeBuffer.from([0xe9, 0x41]).toString("ascii"));
  same(Buffer.from(new Uint16Array([1, 256])), NodeBuffer.from(new Uint16Array([1, 256])));
  same(Buffer.alloc(5, "ab"), NodeBuffer.alloc(5, "ab"));
  assert.throws(() => Buffer.from(5), TypeError);
  const whole = Buffer.from("abcdef");
  const part = whole.slice(1, 3);
  part[0] = 0x7a;
  assert.equal(whole.toString(), "azcdef", "slice is a view, as in Node");
  const copy = Buffer.from(whole);
  copy[0] = 0x41;
  assert.equal(whole.toString(), "azcdef", "from copies, as in Node");
  assert.ok(whole.includes("cd") && !whole.includes("x") && whole.includes(0x66));
  assert.equal(whole.indexOf("d", 4), -1);
  assert.equal(whole.indexOf(Buffer.from("de")), 3);
});

test("toBytes takes what a handler returns", () => {
  assert.deepEqual(Array.from(toBytes(undefined)), []);
  assert.equal(new TextDecoder().decode(toBytes("é")), "é");
  assert.equal(new TextDecoder().decode(toBytes({ a: [1] })), '{"a":[1]}');
  assert.deepEqual(Array.from(toBytes(new Uint16Array([1]))), [1, 0]);
});

test("headers arrive as an object; repeated ones are joined", () => {
  const block = new TextEncoder().encode("host: h\naccept: a\naccept: b\nx-empty:\nbad line\n");
  const headers = parseHeaders(block);
  assert.deepEqual({ ...headers }, { host: "h", accept: "a, b", "x-empty": "" });
  const tricky = parseHeaders(new TextEncoder().encode("__proto__: p\nhasOwnProperty: h\n"));
  assert.equal(Object.getPrototypeOf(tricky), null);
  assert.deepEqual(Object.entries(tricky), [["__proto__", "p"], ["hasOwnProperty", "h"]]);
});

test("queries: a repeated key is an array, and values are decoded", () => {
  assert.deepEqual({ ...parseQueries("x=1&y=a%20b&x=2&x=3&flag&z=%E4%BD%A0+1&bad=%E4") }, {
    x: ["1", "2", "3"],
    y: "a b",
    flag: "",
    z: "你 1",
    bad: "%E4",
  });
  assert.deepEqual(Object.keys(parseQueries("")), []);
  const tricky = parseQueries("__proto__=a&constructor=x&constructor=y");
  assert.deepEqual(Object.entries(tricky), [["__proto__", "a"], ["constructor", ["x", "y"]]]);
});

test("the request has FC's Node.js fields", () => {
  const request = requestOf({
    method: "PATCH",
    target: "/a%20b/c?q=1",
    headers: new TextEncoder().encode("host: h\n"),
    body: new TextEncoder().encode("body"),
    clientIp: "10.0.0.7",
    basePath: "",
  });
  assert.equal(request.path, "/a b/c");
  assert.equal(request.url, "/a%20b/c?q=1");
  assert.deepEqual({ ...request.queries }, { q: "1" });
  assert.equal(request.clientIP, "10.0.0.7");
  assert.equal(request.body.toString(), "body");
  const undecodable = { target: "/%E4", headers: new Uint8Array(), body: new Uint8Array(0) };
  assert.equal(requestOf(undecodable).path, "/%E4");
});

test("the response is recorded as one header block; bad headers are refused", async () => {
  const resp = new Response();
  resp.setStatusCode(201);
  resp.setHeader("Content-Type", "text/plain");
  resp.setHeader("set-cookie", ["a=1", "b=2"]);
  resp.setHeader("x-gone", "1");
  resp.deleteHeader("X-Gone");
  assert.equal(resp.getHeader("content-type"), "text/plain");
  resp.send("ok");
  resp.send("ignored: the first send answers");
  await resp.finished;
  const record = resp.toRecord();
  assert.equal(record.status, 201);
  assert.equal(
    new TextDecoder().decode(record.headers),
    "content-type: text/plain\nset-cookie: a=1\nset-cookie: b=2\n",
  );
  assert.equal(new TextDecoder().decode(record.body), "ok");
  assert.throws(() => resp.setHeader("bad name", "v"), TypeError);
  assert.throws(() => resp.setHeader("x", "a\r\nInjected: 1"), TypeError);
  assert.throws(() => resp.setStatusCode(42), RangeError);
  assert.throws(() => resp.setHeader("x", "a\u0000b"), TypeError);
  assert.throws(() => resp.setHeader("x", "✓"), TypeError);
  const latin = new Response();
  latin.setHeader("x-name", "café");
  latin.send("");
  assert.deepEqual(Array.from(latin.toRecord().headers), Array.from(NodeBuffer.from("x-name: café\n", "latin1")));
});
