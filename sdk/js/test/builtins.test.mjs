// The SDK's own Node.js built-ins (and the polyfills it takes) against Node's: each
// answers as Node's module does for the same input.

import assert from "node:assert/strict";
import { builtinModules as nodeBuiltinModules } from "node:module";
import * as nodeCrypto from "node:crypto";
import * as nodeNet from "node:net";
import * as nodeUrl from "node:url";
import * as nodeQuerystring from "node:querystring";
import * as nodePath from "node:path";
import * as nodeUtil from "node:util";
import test from "node:test";

import { BUILTINS, builtinName } from "../bundler/builtins.mjs";
import * as crypto from "../node/crypto.js";
import * as net from "../node/net.js";
import { AsyncLocalStorage, AsyncResource } from "../node/async_hooks.js";
import { builtinModules, isBuiltin } from "../node/module.js";
import { unavailable } from "../node/unavailable.js";
import { callStarted } from "../call-scope.js";
import { callSites } from "../stack-trace.js";
import { envNamesIn } from "../bundler/plugin.mjs";
import { openFlags, fsError, Stats } from "../node/fs-core.js";
import * as polyfills from "./polyfills.mjs";

test("every built-in module of Node.js has a source, and `module` lists them", () => {
  const public_ = nodeBuiltinModules.filter((name) => !name.startsWith("_") && name !== "test");
  for (const name of public_) {
    assert.ok(Object.hasOwn(BUILTINS, name), `${name} is not in builtins.mjs`);
    assert.ok(builtinModules.includes(name), `${name} is not in module.builtinModules`);
    assert.ok(isBuiltin(`node:${name}`));
  }
  assert.equal(builtinName("node:fs/promises"), "fs/promises");
  assert.equal(builtinName("buffer/"), "buffer");
  assert.equal(builtinName("express"), undefined);
});

test("hashes and HMACs are Node's, in every encoding", () => {
  const inputs = ["", "abc", "héllo wörld", "x".repeat(1000)];
  for (const algorithm of ["md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3-256", "ripemd160", "RSA-SHA256"]) {
    for (const input of inputs) {
      for (const encoding of ["hex", "base64", "base64url", "latin1"]) {
        assert.equal(
          crypto.createHash(algorithm).update(input).digest(encoding),
          nodeCrypto.createHash(algorithm).update(input).digest(encoding),
          `${algorithm} ${encoding}`,
        );
        assert.equal(
          crypto.createHmac(algorithm, "key").update(input, "utf8").digest(encoding),
          nodeCrypto.createHmac(algorithm, "key").update(input, "utf8").digest(encoding),
          `hmac ${algorithm}`,
        );
      }
    }
  }
  const hash = crypto.createHash("sha256").update("a");
  const copy = hash.copy().update("b");
  assert.equal(hash.digest("hex"), nodeCrypto.createHash("sha256").update("a").digest("hex"));
  assert.equal(copy.digest("hex"), nodeCrypto.createHash("sha256").update("ab").digest("hex"));
  assert.throws(() => hash.digest(), { code: "ERR_CRYPTO_HASH_FINALIZED" });
  const digest = crypto.createHash("md5").update(new Uint8Array([1, 2])).digest();
  assert.ok(polyfills.Buffer.isBuffer(digest), "a digest is the SDK's Buffer");
  assert.throws(() => crypto.createHash("whirlpool-9"), /Digest method not supported/);
});

test("a secret KeyObject works where jsonwebtoken passes one", () => {
  const key = crypto.createSecretKey(Buffer.from("shhh"));
  const theirs = nodeCrypto.createSecretKey(Buffer.from("shhh"));
  assert.equal(key.type, theirs.type);
  assert.equal(key.symmetricKeySize, theirs.symmetricKeySize);
  assert.equal(hex(key.export()), hex(theirs.export()));
  assert.equal(
    crypto.createHmac("sha256", key).update("payload").digest("base64url"),
    nodeCrypto.createHmac("sha256", theirs).update("payload").digest("base64url"),
  );
  assert.throws(() => crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----"), /crypto\.subtle/);
  assert.equal(typeof crypto.createPublicKey, "function", "jwa checks it exists");
});

test("timingSafeEqual, random bytes and UUIDs behave as Node's", () => {
  assert.equal(crypto.timingSafeEqual(Buffer.from("ab"), Buffer.from("ab")), true);
  assert.equal(crypto.timingSafeEqual(Buffer.from("ab"), Buffer.from("ac")), false);
  assert.throws(() => crypto.timingSafeEqual(Buffer.from("a"), Buffer.from("ab")), {
    code: "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH",
  });
  const bytes = crypto.randomBytes(100000);
  assert.equal(bytes.length, 100000);
  assert.ok(bytes.some((b) => b !== 0));
  assert.match(crypto.randomUUID(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  for (let i = 0; i < 200; i++) {
    const n = crypto.randomInt(3, 7);
    assert.ok(n >= 3 && n < 7 && Number.isInteger(n));
  }
  assert.throws(() => crypto.randomBytes(-1), { code: "ERR_OUT_OF_RANGE" });
});

test("key derivations are Node's", () => {
  assert.equal(
    hex(crypto.pbkdf2Sync("pw", "salt", 1000, 32, "sha256")),
    hex(nodeCrypto.pbkdf2Sync("pw", "salt", 1000, 32, "sha256")),
  );
  assert.equal(
    hex(crypto.scryptSync("pw", "salt", 32, { N: 1024 })),
    hex(nodeCrypto.scryptSync("pw", "salt", 32, { N: 1024 })),
  );
  assert.equal(
    hex(crypto.hkdfSync("sha256", "ikm", "salt", "info", 42)),
    hex(nodeCrypto.hkdfSync("sha256", "ikm", "salt", "info", 42)),
  );
});

test("net tells IP addresses apart as Node does", () => {
  const samples = [
    "127.0.0.1", "255.255.255.255", "256.1.1.1", "1.2.3", "01.2.3.4", "::", "::1", "fe80::1%eth0",
    "2001:db8::8a2e:370:7334", "::ffff:192.0.2.1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "gggg::1",
    "", "localhost", "1::2::3",
  ];
  for (const sample of samples) {
    assert.equal(net.isIP(sample), nodeNet.isIP(sample), sample);
    assert.equal(net.isIPv4(sample), nodeNet.isIPv4(sample), sample);
    assert.equal(net.isIPv6(sample), nodeNet.isIPv6(sample), sample);
  }
  assert.throws(() => new net.Socket(), /fetch\(\)/);
});

test("AsyncLocalStorage keeps a request's store across its awaits and timers", async () => {
  const storage = new AsyncLocalStorage();
  callStarted();
  assert.equal(storage.getStore(), undefined);
  const seen = [];
  await storage.run({ id: 1 }, async () => {
    seen.push(storage.getStore().id);
    await new Promise((resolve) => setTimeout(resolve, 1));
    seen.push(storage.getStore().id);
    storage.run({ id: 2 }, () => seen.push(storage.getStore().id));
    storage.exit(() => seen.push(storage.getStore()));
  });
  assert.deepEqual(seen, [1, 1, 2, undefined]);
  const resource = storage.run({ id: 3 }, () => new AsyncResource("x"));
  callStarted();
  assert.equal(storage.getStore(), undefined, "a new call starts with no store");
  assert.equal(resource.runInAsyncScope(() => storage.getStore().id), 3);
  storage.enterWith({ id: 4 });
  assert.equal(storage.getStore().id, 4);
  const snapshot = AsyncLocalStorage.snapshot();
  callStarted();
  assert.equal(snapshot(() => storage.getStore().id), 4);
});

test("an unavailable built-in loads, and each use says what it is and who imported it", () => {
  const { member, module } = unavailable({
    name: "child_process",
    importer: "cross-spawn (node_modules/cross-spawn/index.js)",
    why: "a function cannot start processes or threads",
    instead: "call another FC function over HTTP",
  });
  assert.throws(() => member("spawn")("ls"), (error) => {
    assert.equal(error.code, "ERR_FC_UNAVAILABLE_BUILTIN");
    assert.match(error.message, /^child_process\.spawn is not available in a WebAssembly function/);
    assert.match(error.message, /imported by cross-spawn \(node_modules\/cross-spawn\/index\.js\)/);
    return true;
  });
  assert.throws(() => new (member("ChildProcess"))(), /child_process\.ChildProcess/);
  assert.throws(() => module.exec(), /child_process\.exec/);
  assert.equal(module.then, undefined, "not mistaken for a promise");
});

test("SpiderMonkey's stack lines become V8-shaped call sites", () => {
  const sites = callSites("fcRuntimeCallUser@bundle.js:731:21\nrequire_express$2<@bundle.js:29567:30\n@bundle.js:9:1\nnot a frame");
  assert.equal(sites.length, 3);
  assert.equal(sites[0].getFunctionName(), "fcRuntimeCallUser");
  assert.equal(sites[0].getFileName(), "bundle.js");
  assert.equal(sites[0].getLineNumber(), 731);
  assert.equal(sites[0].getColumnNumber(), 21);
  assert.equal(sites[1].getFunctionName(), "require_express$2");
  assert.equal(sites[2].getFunctionName(), null);
  assert.equal(sites[2].isToplevel(), true);
  assert.equal(String(sites[0]), "fcRuntimeCallUser (bundle.js:731:21)");
});

test("the names of environment variables a project's code reads are found", () => {
  const code = `const a = process.env.DB_URL; const b = process.env["API_KEY"];
    const { REGION, BUCKET: bucket, LIMIT = 5 } = process.env; process.env.NODE_ENV;`;
  assert.deepEqual([...envNamesIn(code)].sort(), ["API_KEY", "BUCKET", "DB_URL", "LIMIT", "NODE_ENV", "REGION"]);
});

test("fs flags, errors and stats are Node's", () => {
  assert.deepEqual(openFlags("r"), { read: true, write: false, create: false, exclusive: false, truncate: false, append: false, directory: false, follow: true });
  assert.deepEqual(openFlags("wx+"), { read: true, write: true, create: true, exclusive: true, truncate: true, append: false, directory: false, follow: true });
  assert.equal(openFlags("a").append, true);
  assert.equal(openFlags(nodeFs_O_CREAT | 1).create, true);
  assert.throws(() => openFlags("z"), { code: "ERR_INVALID_ARG_VALUE" });
  const error = fsError("no-entry", "open", "/code/missing.txt");
  assert.equal(error.message, "ENOENT: no such file or directory, open '/code/missing.txt'");
  assert.deepEqual([error.code, error.errno, error.syscall, error.path], ["ENOENT", -2, "open", "/code/missing.txt"]);
  const stat = new Stats({ type: "directory", linkCount: 2n, size: 4096n, dataModificationTimestamp: { seconds: 1700000000n, nanoseconds: 5e8 } }, false);
  assert.ok(stat.isDirectory() && !stat.isFile());
  assert.equal(stat.mode & 0o777, 0o555, "a read-only directory");
  assert.equal(stat.mtimeMs, 1700000000500);
  assert.equal(stat.mtime.getTime(), 1700000000500);
});
const nodeFs_O_CREAT = 0o100;

/** Bytes (any view, or an ArrayBuffer) as hex, to compare the SDK's with Node's. */
function hex(bytes) {
  return Buffer.from(bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes).toString("hex");
}

test("url, querystring, path and util (polyfills) answer as Node's", () => {
  const target = "http://user:pw@example.com:8080/a/b/../c?x=1&y=2&x=3#frag";
  const parsed = polyfills.url.parse(target, true);
  const theirs = nodeUrl.parse(target, true);
  for (const key of ["protocol", "auth", "host", "port", "hostname", "hash", "search", "pathname", "path", "href"]) {
    assert.equal(parsed[key], theirs[key], key);
  }
  assert.deepEqual({ ...parsed.query }, { ...theirs.query });
  assert.equal(polyfills.url.fileURLToPath("file:///code/a%20b.js"), nodeUrl.fileURLToPath("file:///code/a%20b.js"));
  assert.equal(polyfills.url.format({ protocol: "https", host: "x.test", pathname: "/p" }), nodeUrl.format({ protocol: "https", host: "x.test", pathname: "/p" }));
  for (const text of ["a=1&b=2&a=3", "x=%E4%BD%A0&y=+", "empty=&=nokey"]) {
    assert.deepEqual({ ...polyfills.querystring.parse(text) }, { ...nodeQuerystring.parse(text) });
  }
  assert.equal(polyfills.querystring.stringify({ a: [1, 2], b: "é" }), nodeQuerystring.stringify({ a: [1, 2], b: "é" }));
  for (const parts of [["/a", "b", "../c"], ["a", "/b"], ["", ""], ["/a/", "./b/"]]) {
    assert.equal(polyfills.path.join(...parts), nodePath.join(...parts));
    assert.equal(polyfills.path.resolve("/code", ...parts), nodePath.resolve("/code", ...parts));
  }
  assert.equal(polyfills.path.extname("a/b.tar.gz"), nodePath.extname("a/b.tar.gz"));
  assert.equal(polyfills.util.format("%s=%d %j", "n", 42, { a: 1 }), nodeUtil.format("%s=%d %j", "n", 42, { a: 1 }));
  assert.equal(typeof polyfills.util.promisify, "function");
  assert.equal(typeof polyfills.util.inherits, "function");
});
