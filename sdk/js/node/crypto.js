// `crypto`: Node's synchronous hashes and HMACs: md5, sha1 and sha224/256/384/512
// computed by the host natively (`fc:runtime/digest`: in the interpreter an SHA-1 of
// a few bytes took 210 µs, and Express hashes every answer for its ETag), the rest
// (sha512/256, sha3-*, ripemd160) by @noble/hashes (audited, kept); PBKDF2,
// scrypt and HKDF from the same package; random bytes, UUIDs and `webcrypto` from
// the engine; secret `KeyObject`s, enough for libraries (jsonwebtoken's HS256)
// that wrap their keys in one. Ciphers, signatures and key pairs are not here:
// they fail naming `crypto.subtle`, which has them.

import { Buffer } from "buffer";
import { Hasher, digest as hostDigest } from "fc:runtime/digest@0.2.0";
import { md5, ripemd160, sha1 } from "@noble/hashes/legacy.js";
import { sha224, sha256, sha384, sha512, sha512_256 } from "@noble/hashes/sha2.js";
import { sha3_224, sha3_256, sha3_384, sha3_512 } from "@noble/hashes/sha3.js";
import { hmac } from "@noble/hashes/hmac.js";
import { pbkdf2 as noblePbkdf2 } from "@noble/hashes/pbkdf2.js";
import { scrypt as nobleScrypt } from "@noble/hashes/scrypt.js";
import { hkdf as nobleHkdf } from "@noble/hashes/hkdf.js";

const ALGORITHMS = {
  md5,
  sha1,
  sha224,
  sha256,
  sha384,
  sha512,
  "sha512-256": sha512_256,
  "sha3-224": sha3_224,
  "sha3-256": sha3_256,
  "sha3-384": sha3_384,
  "sha3-512": sha3_512,
  ripemd160,
  rmd160: ripemd160,
};

function nodeError(Type, code, message) {
  return Object.assign(new Type(message), { code });
}

/** The canonical name of an algorithm name (`sha256`, `SHA-256`, `RSA-SHA256`). */
function canonical(name) {
  const key = String(name).toLowerCase().replace(/^rsa-/, "");
  return Object.hasOwn(ALGORITHMS, key) ? key : key.replace(/^sha-/, "sha");
}

/** The hash function of @noble/hashes an algorithm name names. */
function algorithm(name) {
  const found = ALGORITHMS[canonical(name)];
  if (!found) throw nodeError(Error, "ERR_OSSL_EVP_UNSUPPORTED", `Digest method not supported: ${name}`);
  return found;
}

/** The algorithms the host computes. */
const NATIVE = new Set(["md5", "sha1", "sha224", "sha256", "sha384", "sha512"]);

/** Data held before it goes to the host in one call; past it, to a host hasher. */
const HELD_AT_MOST = 1 << 20;

/**
 * A hash computed by the host, with @noble/hashes' state interface (update, digest,
 * clone). A crossing into the host costs more than hashing a short text, so the data
 * is held until the digest and hashed in one call; a large stream goes to a host
 * hasher as it comes.
 */
class NativeState {
  #algorithm;
  #key;
  #held = [];
  #size = 0;
  #hasher;

  constructor(algorithm, key) {
    this.#algorithm = algorithm;
    this.#key = key;
  }

  update(bytes, owned) {
    if (this.#hasher) return this.#hasher.update(bytes);
    // Node takes the data at the call: a Buffer changed afterwards does not count.
    this.#held.push(owned ? bytes : bytes.slice());
    this.#size += bytes.length;
    if (this.#size >= HELD_AT_MOST) {
      this.#hasher = new Hasher(this.#algorithm, this.#key);
      for (const chunk of this.#held.splice(0)) this.#hasher.update(chunk);
    }
  }

  digest() {
    if (!this.#hasher) {
      const data = this.#held.length === 1 ? this.#held[0] : Buffer.concat(this.#held);
      return hostDigest(this.#algorithm, this.#key, data);
    }
    const bytes = this.#hasher.finish();
    this.#hasher[Symbol.dispose]?.();
    return bytes;
  }

  clone() {
    const copy = new NativeState(this.#algorithm, this.#key);
    copy.#held = [...this.#held];
    copy.#size = this.#size;
    copy.#hasher = this.#hasher?.clone();
    return copy;
  }
}

/** A hash (or with `key`, an HMAC) in progress: the host's when it has the algorithm. */
function state(name, key) {
  const known = canonical(name);
  if (NATIVE.has(known)) return new NativeState(known, key);
  return key === undefined ? algorithm(name).create() : hmac.create(algorithm(name), key);
}

/** Data as bytes: strings in `encoding` (UTF-8 by default), views, KeyObjects. */
function bytesOf(data, encoding) {
  if (typeof data === "string") return Buffer.from(data, encoding ?? "utf8");
  if (data instanceof KeyObject) return data.export();
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw nodeError(
    TypeError,
    "ERR_INVALID_ARG_TYPE",
    'The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView',
  );
}

function output(bytes, encoding) {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return encoding === undefined || encoding === "buffer" ? buffer : buffer.toString(encoding);
}

/** A hash in progress (`createHash`), or an HMAC (`createHmac`). */
class Digest {
  #state;
  #done = false;

  constructor(state) {
    this.#state = state;
  }

  update(data, inputEncoding) {
    if (this.#done) throw nodeError(Error, "ERR_CRYPTO_HASH_FINALIZED", "Digest already called");
    this.#state.update(bytesOf(data, inputEncoding), typeof data === "string");
    return this;
  }

  digest(encoding) {
    if (this.#done) throw nodeError(Error, "ERR_CRYPTO_HASH_FINALIZED", "Digest already called");
    this.#done = true;
    return output(this.#state.digest(), encoding);
  }

  copy() {
    if (this.#done) throw nodeError(Error, "ERR_CRYPTO_HASH_FINALIZED", "Digest already called");
    return new this.constructor(this.#state.clone());
  }
}

export class Hash extends Digest {}
export class Hmac extends Digest {}

export function createHash(name) {
  return new Hash(state(name));
}

export function createHmac(name, key, options) {
  return new Hmac(state(name, bytesOf(key, options?.encoding)));
}

/** `crypto.hash(algorithm, data, [outputEncoding])` (Node 21.7): hex by default. */
export function hash(name, data, encoding = "hex") {
  return createHash(name).update(data).digest(encoding);
}

export function getHashes() {
  return Object.keys(ALGORITHMS);
}

export function getCiphers() {
  return [];
}

export function getCurves() {
  return [];
}

/** A key Node wraps key material in: only secret (symmetric) keys exist here. */
export class KeyObject {
  #bytes;

  constructor(type, bytes) {
    if (type !== "secret") {
      throw nodeError(Error, "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", `${type} keys are not available: use crypto.subtle`);
    }
    this.#bytes = Buffer.from(bytes);
    this.type = "secret";
  }

  get symmetricKeySize() {
    return this.#bytes.length;
  }

  export(options) {
    if (options?.format === "jwk") return { kty: "oct", k: this.#bytes.toString("base64url") };
    return Buffer.from(this.#bytes);
  }

  equals(other) {
    return other instanceof KeyObject && timingSafeEqual(this.#bytes, other.export());
  }
}

export function createSecretKey(key, encoding) {
  return new KeyObject("secret", bytesOf(key, encoding));
}

function unavailableHere(what) {
  return () => {
    throw nodeError(
      Error,
      "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
      `crypto.${what} is not available in a WebAssembly function: use crypto.subtle (Web Crypto), which has it`,
    );
  };
}

export const createPublicKey = unavailableHere("createPublicKey");
export const createPrivateKey = unavailableHere("createPrivateKey");
export const createSign = unavailableHere("createSign");
export const createVerify = unavailableHere("createVerify");
export const sign = unavailableHere("sign");
export const verify = unavailableHere("verify");
export const createCipheriv = unavailableHere("createCipheriv");
export const createDecipheriv = unavailableHere("createDecipheriv");
export const generateKeyPair = unavailableHere("generateKeyPair");
export const generateKeyPairSync = unavailableHere("generateKeyPairSync");
export const publicEncrypt = unavailableHere("publicEncrypt");
export const privateDecrypt = unavailableHere("privateDecrypt");
export const createDiffieHellman = unavailableHere("createDiffieHellman");
export const createECDH = unavailableHere("createECDH");

/** Compares in time that depends only on the length, as Node's. */
export function timingSafeEqual(a, b) {
  const left = bytesOf(a);
  const right = bytesOf(b);
  if (left.byteLength !== right.byteLength) {
    throw nodeError(RangeError, "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH", "Input buffers must have the same byte length");
  }
  let difference = 0;
  for (let i = 0; i < left.byteLength; i++) difference |= left[i] ^ right[i];
  return difference === 0;
}

// `getRandomValues` fills at most 65,536 bytes a call.
const RANDOM_CHUNK = 65536;

export function randomFillSync(target, offset = 0, size) {
  const view = bytesOf(target);
  const end = size === undefined ? view.byteLength : offset + size;
  for (let at = offset; at < end; at += RANDOM_CHUNK) {
    globalThis.crypto.getRandomValues(view.subarray(at, Math.min(end, at + RANDOM_CHUNK)));
  }
  return target;
}

/** Runs `work` and hands its result to `callback` later, as Node's async forms do. */
function later(callback, work) {
  queueMicrotask(() => {
    let result;
    try {
      result = work();
    } catch (error) {
      callback(error);
      return;
    }
    callback(null, result);
  });
}

export function randomFill(target, offset, size, callback) {
  const done = [offset, size, callback].find((item) => typeof item === "function");
  const from = typeof offset === "number" ? offset : 0;
  const count = typeof size === "number" ? size : undefined;
  later(done, () => randomFillSync(target, from, count));
}

export function randomBytes(size, callback) {
  if (!Number.isInteger(size) || size < 0) {
    throw nodeError(RangeError, "ERR_OUT_OF_RANGE", `The value of "size" is out of range. Received ${size}`);
  }
  const make = () => randomFillSync(Buffer.alloc(size));
  if (typeof callback === "function") return later(callback, make);
  return make();
}

export const pseudoRandomBytes = randomBytes;

/** A random integer in [min, max), without modulo bias. */
export function randomInt(min, max, callback) {
  if (typeof max !== "number") [min, max, callback] = [0, min, max];
  const range = max - min;
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || range <= 0 || range > 2 ** 48) {
    throw nodeError(RangeError, "ERR_OUT_OF_RANGE", `The value of "max" is out of range. Received ${max}`);
  }
  const draw = () => {
    const limit = 2 ** 48 - (2 ** 48 % range);
    for (;;) {
      const bytes = randomFillSync(new Uint8Array(6));
      const value = bytes.reduce((sum, byte) => sum * 256 + byte, 0);
      if (value < limit) return min + (value % range);
    }
  };
  if (typeof callback === "function") return later(callback, draw);
  return draw();
}

export function randomUUID() {
  return globalThis.crypto.randomUUID();
}

export function getRandomValues(view) {
  return globalThis.crypto.getRandomValues(view);
}

export function pbkdf2Sync(password, salt, iterations, keylen, digest) {
  const key = noblePbkdf2(algorithm(digest), bytesOf(password), bytesOf(salt), { c: iterations, dkLen: keylen });
  return output(key);
}

export function pbkdf2(password, salt, iterations, keylen, digest, callback) {
  later(callback, () => pbkdf2Sync(password, salt, iterations, keylen, digest));
}

export function scryptSync(password, salt, keylen, options = {}) {
  const key = nobleScrypt(bytesOf(password), bytesOf(salt), {
    N: options.N ?? options.cost ?? 16384,
    r: options.r ?? options.blockSize ?? 8,
    p: options.p ?? options.parallelization ?? 1,
    dkLen: keylen,
    maxmem: options.maxmem ?? 32 << 20,
  });
  return output(key);
}

export function scrypt(password, salt, keylen, options, callback) {
  if (typeof options === "function") [callback, options] = [options, {}];
  later(callback, () => scryptSync(password, salt, keylen, options));
}

export function hkdfSync(digest, ikm, salt, info, keylen) {
  const key = nobleHkdf(algorithm(digest), bytesOf(ikm), bytesOf(salt), bytesOf(info), keylen);
  return key.buffer.slice(key.byteOffset, key.byteOffset + key.byteLength);
}

export function hkdf(digest, ikm, salt, info, keylen, callback) {
  later(callback, () => hkdfSync(digest, ikm, salt, info, keylen));
}

export const webcrypto = globalThis.crypto;
export const subtle = globalThis.crypto?.subtle;
export const constants = {};

export default {
  Hash,
  Hmac,
  KeyObject,
  constants,
  createCipheriv,
  createDecipheriv,
  createDiffieHellman,
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  createSign,
  createVerify,
  generateKeyPair,
  generateKeyPairSync,
  getCiphers,
  getCurves,
  getHashes,
  getRandomValues,
  hash,
  hkdf,
  hkdfSync,
  pbkdf2,
  pbkdf2Sync,
  privateDecrypt,
  pseudoRandomBytes,
  publicEncrypt,
  randomBytes,
  randomFill,
  randomFillSync,
  randomInt,
  randomUUID,
  scrypt,
  scryptSync,
  sign,
  subtle,
  timingSafeEqual,
  verify,
  webcrypto,
};
