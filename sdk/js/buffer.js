// The `Buffer` of handlers written for Node.js (the `buffer` built-in), and the
// SDK's conversion of a handler's answer into bytes.

import { Buffer } from "./node/buffer.js";

export { Buffer };

const utf8Encoder = new TextEncoder();

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
