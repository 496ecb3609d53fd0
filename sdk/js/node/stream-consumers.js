// `stream/consumers`: a whole stream (a Node.js stream, a web stream, any async
// iterable of chunks) read into one value.

import { Buffer } from "buffer";

async function chunks(stream) {
  const parts = [];
  for await (const chunk of stream) {
    parts.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
  }
  return Buffer.concat(parts);
}

export async function buffer(stream) {
  return chunks(stream);
}

export async function arrayBuffer(stream) {
  const bytes = await chunks(stream);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

export async function text(stream) {
  return (await chunks(stream)).toString("utf8");
}

export async function json(stream) {
  return JSON.parse(await text(stream));
}

export async function blob(stream) {
  return new Blob([await chunks(stream)]);
}

export default { arrayBuffer, blob, buffer, json, text };
