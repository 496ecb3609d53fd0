// `fc:runtime/digest` for the unit tests: the host's hasher, played by Node's crypto
// (the host's own is tested in Rust against the standard vectors). Node's Hmac
// cannot be copied, so the stub keeps what it was given and hashes it at the end.
import { createHash, createHmac } from "node:crypto";

/** The one-call digest. */
export function digest(algorithm, hmacKey, data) {
  const hasher = new Hasher(algorithm, hmacKey);
  hasher.update(data);
  return hasher.finish();
}

export class Hasher {
  #algorithm;
  #key;
  #chunks = [];

  constructor(algorithm, hmacKey) {
    this.#algorithm = algorithm;
    this.#key = hmacKey;
  }

  update(data) {
    this.#chunks.push(Uint8Array.from(data));
  }

  clone() {
    const copy = new Hasher(this.#algorithm, this.#key);
    for (const chunk of this.#chunks) copy.update(chunk);
    return copy;
  }

  finish() {
    const state = this.#key === undefined ? createHash(this.#algorithm) : createHmac(this.#algorithm, this.#key);
    for (const chunk of this.#chunks) state.update(chunk);
    return new Uint8Array(state.digest());
  }
}
