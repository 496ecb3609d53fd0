// A `Buffer` for handlers written for Node.js: a Uint8Array with Node's common
// methods (`Buffer.from`, `toString('utf8' | 'hex' | 'base64' | 'latin1')`,
// `Buffer.concat`, …). The sandbox has no Node.js built-ins; this covers what FC
// handlers do with request and response bodies.

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

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
      const bytes = new Uint8Array(text.length >>> 1);
      for (let i = 0; i < bytes.length; i++) {
        bytes[i] = parseInt(text.substr(i * 2, 2), 16);
      }
      return bytes;
    }
    case "base64":
    case "base64url": {
      const standard = text.replace(/-/g, "+").replace(/_/g, "/").replace(/[^A-Za-z0-9+/]/g, "");
      const binary = atob(standard + "=".repeat((4 - (standard.length % 4)) % 4));
      return encode(binary, "latin1");
    }
    case "latin1":
    case "ascii":
      return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
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
    case "latin1":
    case "ascii": {
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

  static from(value, encodingOrOffset, length) {
    if (typeof value === "string") return new Buffer(encode(value, encodingOrOffset));
    if (value instanceof ArrayBuffer) return new Buffer(value, encodingOrOffset, length);
    if (ArrayBuffer.isView(value)) {
      return new Buffer(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    }
    if (value && value.type === "Buffer" && Array.isArray(value.data)) {
      return new Buffer(value.data);
    }
    return new Buffer(value);
  }

  static alloc(size, fill) {
    const buffer = new Buffer(size);
    if (fill !== undefined) buffer.fill(typeof fill === "string" ? fill.charCodeAt(0) : fill);
    return buffer;
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
