// `buffer`: the `buffer` package (feross/buffer, Node's Buffer for other engines),
// with its UTF-8, Latin-1 and base64 paths handed to the engine's own TextEncoder,
// TextDecoder, `String.fromCharCode` and `btoa` (the package's JavaScript loops are
// many times slower in an interpreter, and bodies and digests go through them), and what Node does that its last release
// does not: the `base64url` encoding, base64 text whose last group is a single
// character (no whole byte: Node drops it), hex text read up to its first bad pair.

import pkg from "buffer/index.js";

export const { Buffer, SlowBuffer, INSPECT_MAX_BYTES, kMaxLength } = pkg;
export const kStringMaxLength = (1 << 29) - 24;
export const constants = { MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: kStringMaxLength };
export const { atob, btoa, Blob, File } = globalThis;

const encoder = new TextEncoder();
// Node keeps a byte-order mark when it decodes.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const isUtf8Name = (encoding) =>
  encoding === undefined || encoding === "utf8" || encoding === "utf-8" || encoding === "UTF-8";
const isBase64Name = (encoding) => typeof encoding === "string" && /^base64(url)?$/i.test(encoding);

/** Base64 or base64url text as the package's base64, decoded as Node decodes it. */
function standardBase64(text) {
  let standard = text.replace(/-/g, "+").replace(/_/g, "/").replace(/[^A-Za-z0-9+/]/g, "");
  if (standard.length % 4 === 1) standard = standard.slice(0, -1);
  return standard;
}

/** Bytes as Latin-1 text, through the engine's own conversion. */
function latin1(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return text;
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/** The decoders the engine does faster than the package's loops, by encoding name. */
const FAST_DECODERS = {
  utf8: (bytes) => decoder.decode(bytes),
  "utf-8": (bytes) => decoder.decode(bytes),
  latin1,
  binary: latin1,
  base64: (bytes) => btoa(latin1(bytes)),
  base64url: (bytes) => btoa(latin1(bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
  hex(bytes) {
    let text = "";
    for (let i = 0; i < bytes.length; i++) text += HEX[bytes[i]];
    return text;
  },
};

/** `string`'s UTF-8 bytes as a Buffer. */
function fromUtf8(string) {
  return Object.setPrototypeOf(encoder.encode(string), Buffer.prototype);
}

if (!Buffer.prototype.fcFast) {
  const from = Buffer.from;
  Buffer.from = function fromFast(value, encodingOrOffset, length) {
    if (typeof value === "string" && isUtf8Name(encodingOrOffset)) return fromUtf8(value);
    if (typeof value === "string" && isBase64Name(encodingOrOffset)) {
      return from.call(this, standardBase64(value), "base64");
    }
    if (typeof value === "string" && encodingOrOffset === "hex") {
      // As Node: whole pairs of hex digits, up to the first that is not one.
      return from.call(this, /^(?:[0-9a-fA-F]{2})*/.exec(value)[0], "hex");
    }
    return from.call(this, value, encodingOrOffset, length);
  };
  const isEncoding = Buffer.isEncoding;
  Buffer.isEncoding = (encoding) => isBase64Name(encoding) || isEncoding(encoding);
  const byteLength = Buffer.byteLength;
  Buffer.byteLength = function byteLengthFast(value, encoding) {
    if (typeof value === "string" && isUtf8Name(encoding)) return encoder.encode(value).length;
    if (typeof value === "string" && isBase64Name(encoding)) return Buffer.from(value, encoding).length;
    return byteLength.call(this, value, encoding);
  };
  const toString = Buffer.prototype.toString;
  Buffer.prototype.toString = function toStringFast(encoding, start, end) {
    const from = start === undefined || start < 0 ? 0 : Math.min(start >>> 0, this.length);
    const to = end === undefined || end > this.length ? this.length : Math.max(end >>> 0, from);
    const name = encoding === undefined ? "utf8" : String(encoding).toLowerCase();
    const fast = FAST_DECODERS[name];
    if (fast === undefined) return toString.apply(this, arguments);
    return fast(this.subarray(from, to));
  };
  Object.defineProperty(Buffer.prototype, "fcFast", { value: true });
}

/** Whether `bytes` are valid UTF-8. */
export function isUtf8(bytes) {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Whether `bytes` are all ASCII. */
export function isAscii(bytes) {
  return bytes.every((byte) => byte < 0x80);
}

export function transcode() {
  throw new Error("buffer.transcode is not available: decode and encode with TextDecoder/TextEncoder");
}

export default { Buffer, SlowBuffer, INSPECT_MAX_BYTES, kMaxLength, kStringMaxLength, constants, atob, btoa, Blob, File, isUtf8, isAscii, transcode };
