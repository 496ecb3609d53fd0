// A `Buffer` for handlers written for Node.js: a Uint8Array with Node's common
// methods (`Buffer.from`, `toString('utf8' | 'hex' | 'base64' | 'latin1')`,
// `Buffer.concat`, …). The sandbox has no Node.js built-ins; this covers what FC
// handlers do with request and response bodies.

const utf8Encoder = new TextEncoder();
// Node keeps a byte-order mark when it decodes.
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });

function normalize(encoding) {
  const name = String(encoding ?? "utf8").toLowerCase();
  if (name === "utf-8") return "utf8";
  if (name === "binary") return "latin1";
  if (name === "base64url") return "base64url";
  return name;
}

function encode(text, encoding) {
  switch (normalize(encoding)) {
    case "utf8":
      return utf8Encoder.encode(text);
    case "hex": {
      // As Node: pairs of hex digits, up to the first pair that is not one.
      const bytes = [];
      for (let i = 0; i + 1 < text.length; i += 2) {
        const pair = text.slice(i, i + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(pair)) break;
        bytes.push(parseInt(pair, 16));
      }
      return Uint8Array.from(bytes);
    }
    case "base64":
    case "base64url": {
      let standard = text.replace(/-/g, "+").replace(/_/g, "/").replace(/[^A-Za-z0-9+/]/g, "");
      // A lone last character carries no whole byte: Node drops it.
      if (standard.length % 4 === 1) standard = standard.slice(0, -1);
      const binary = atob(standard + "=".repeat((4 - (standard.length % 4)) % 4));
      return encode(binary, "latin1");
    }
    case "latin1":
    case "ascii": {
      const bytes = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
      return bytes;
    }
    default:
      throw new TypeError(`Unknown encoding: ${encoding}`);
  }
}

function decode(bytes, encoding) {
  switch (normalize(encoding)) {
    case "utf8":
      return utf8Decoder.decode(bytes);
    case "hex":
      return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    case "base64":
      return btoa(decode(bytes, "latin1"));
    case "base64url":
      return decode(bytes, "base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    case "ascii":
      return decode(bytes.map((byte) => byte & 0x7f), "latin1");
    case "latin1": {
      let text = "";
      for (let i = 0; i < bytes.length; i += 0x8000) {
        text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      }
      return text;
    }
    default:
      throw new TypeError(`Unknown encoding: ${encoding}`);
  }
}

export class Buffer extends Uint8Array {
  // `new Buffer(string)` and `new Buffer(array)` are deprecated in Node.js but still
  // in FC's own examples; lengths and ArrayBuffers are what Uint8Array takes.
  constructor(value, encodingOrOffset, length) {
    if (typeof value === "string") {
      super(encode(value, encodingOrOffset));
    } else if (value instanceof ArrayBuffer) {
      super(value, encodingOrOffset ?? 0, length ?? value.byteLength - (encodingOrOffset ?? 0));
    } else {
      super(value);
    }
  }

  /** A copy of `value` (a string, array or typed array), or a view of an ArrayBuffer. */
  static from(value, encodingOrOffset, length) {
    if (typeof value === "string") return new Buffer(encode(value, encodingOrOffset));
    if (typeof value === "number") {
      throw new TypeError("The first argument must be a string, Buffer, ArrayBuffer or array");
    }
    if (value instanceof ArrayBuffer) return new Buffer(value, encodingOrOffset, length);
    if (value instanceof DataView) {
      return new Buffer(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    }
    if (value && value.type === "Buffer" && Array.isArray(value.data)) {
      return new Buffer(value.data);
    }
    return new Buffer(value);
  }

  static alloc(size, fill, encoding) {
    const buffer = new Buffer(size);
    if (fill !== undefined) buffer.fill(fill, 0, size, encoding);
    return buffer;
  }

  /** Node's `fill`: a string repeats its encoded bytes. */
  fill(value, start = 0, end = this.length, encoding) {
    if (typeof value !== "string") return super.fill(value, start, end);
    const pattern = encode(value, encoding);
    if (pattern.length === 0) return super.fill(0, start, end);
    for (let i = start; i < end; i++) this[i] = pattern[(i - start) % pattern.length];
    return this;
  }

  /** Node's `slice`: a view, like `subarray`. */
  slice(start, end) {
    return this.subarray(start, end);
  }

  /** Where `value` (a string, bytes or a byte) first occurs from `byteOffset`, or -1. */
  indexOf(value, byteOffset = 0, encoding) {
    if (typeof value === "number") return super.indexOf(value & 0xff, byteOffset);
    const needle = typeof value === "string" ? encode(value, encoding) : value;
    const from = byteOffset < 0 ? Math.max(0, this.length + byteOffset) : byteOffset;
    if (needle.length === 0) return Math.min(from, this.length);
    outer: for (let i = from; i <= this.length - needle.length; i++) {
      for (let j = 0; j < needle.length; j++) {
        if (this[i + j] !== needle[j]) continue outer;
      }
      return i;
    }
    return -1;
  }

  includes(value, byteOffset, encoding) {
    return this.indexOf(value, byteOffset, encoding) !== -1;
  }

  static allocUnsafe(size) {
    return new Buffer(size);
  }

  static isBuffer(value) {
    return value instanceof Buffer;
  }

  static byteLength(value, encoding) {
    return typeof value === "string" ? encode(value, encoding).length : value.byteLength;
  }

  static concat(list, totalLength) {
    const total = totalLength ?? list.reduce((sum, part) => sum + part.length, 0);
    const joined = new Buffer(total);
    let offset = 0;
    for (const part of list) {
      if (offset >= total) break;
      const bytes = part.subarray(0, total - offset);
      joined.set(bytes, offset);
      offset += bytes.length;
    }
    return joined;
  }

  toString(encoding, start = 0, end = this.length) {
    return decode(this.subarray(start, end), encoding);
  }

  toJSON() {
    return { type: "Buffer", data: Array.from(this) };
  }

  equals(other) {
    return this.length === other.length && this.every((byte, i) => byte === other[i]);
  }

  write(text, offset = 0, encoding = "utf8") {
    const bytes = encode(text, encoding).subarray(0, this.length - offset);
    this.set(bytes, offset);
    return bytes.length;
  }
}

/** `value` as bytes: a Buffer, a typed array or ArrayBuffer, a string, else JSON. */
export function toBytes(value) {
  if (value === undefined || value === null) return new Uint8Array(0);
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (typeof value === "string") return utf8Encoder.encode(value);
  return utf8Encoder.encode(JSON.stringify(value));
}
