// `fs/promises` (and `fs.promises`): the operations of `fs-core.js` as promises,
// settled a turn later, and `open` giving a `FileHandle`.

import { Buffer } from "buffer";

import * as core from "./fs-core.js";

/** `sync` as a function returning a promise of its result. */
function promised(sync) {
  return (...args) =>
    new Promise((resolve, reject) => {
      setImmediate(() => {
        try {
          resolve(sync(...args));
        } catch (error) {
          reject(error);
        }
      });
    });
}

export const access = promised(core.accessSync);
export const appendFile = promised(core.appendFileSync);
export const chmod = promised(core.chmodSync);
export const chown = promised(core.chownSync);
export const copyFile = promised(core.copyFileSync);
export const lchown = promised(core.lchownSync);
export const link = promised(core.linkSync);
export const lstat = promised(core.lstatSync);
export const mkdir = promised(core.mkdirSync);
export const mkdtemp = promised(core.mkdtempSync);
export const readFile = promised(core.readFileSync);
export const readdir = promised(core.readdirSync);
export const readlink = promised(core.readlinkSync);
export const realpath = promised(core.realpathSync);
export const rename = promised(core.renameSync);
export const rm = promised(core.rmSync);
export const rmdir = promised(core.rmdirSync);
export const stat = promised(core.statSync);
export const symlink = promised(core.symlinkSync);
export const truncate = promised(core.truncateSync);
export const unlink = promised(core.unlinkSync);
export const utimes = promised(core.utimesSync);
export const writeFile = promised(core.writeFileSync);
export const constants = core.constants;

/** An open file, as `fsPromises.open` gives it. */
export class FileHandle {
  #opened;
  #position = 0n;

  constructor(opened) {
    this.#opened = opened;
    this.fd = -1;
  }

  #file() {
    if (!this.#opened) throw core.fsError("bad-descriptor", "read");
    return this.#opened;
  }

  async readFile(options) {
    const { encoding } = core.optionsOf(options, { encoding: null });
    const { descriptor, full } = this.#file();
    return core.decoded(core.readAll(descriptor, full, this.#position), encoding);
  }

  async writeFile(data, options) {
    const { encoding } = core.optionsOf(options, { encoding: "utf8" });
    const { descriptor, full } = this.#file();
    this.#position = core.writeAll(descriptor, full, core.bytesOf(data, encoding), this.#position);
  }

  async read(buffer = Buffer.alloc(16384), offset = 0, length, position) {
    const { descriptor, full } = this.#file();
    const count = length ?? buffer.byteLength - offset;
    const at = position === null || position === undefined ? this.#position : BigInt(position);
    const [bytes] = core.wasi("read", full, () => descriptor.read(BigInt(count), at));
    buffer.set(bytes, offset);
    if (position === null || position === undefined) this.#position += BigInt(bytes.length);
    return { bytesRead: bytes.length, buffer };
  }

  async write(data, offsetOrPosition, lengthOrEncoding, position) {
    const { descriptor, full } = this.#file();
    const bytes = typeof data === "string"
      ? Buffer.from(data, typeof lengthOrEncoding === "string" ? lengthOrEncoding : "utf8")
      : core.bytesOf(data).subarray(offsetOrPosition ?? 0, (offsetOrPosition ?? 0) + (lengthOrEncoding ?? data.byteLength));
    const explicit = typeof data === "string" ? offsetOrPosition : position;
    const start = explicit === null || explicit === undefined ? this.#position : BigInt(explicit);
    const end = core.writeAll(descriptor, full, bytes, start);
    if (explicit === null || explicit === undefined) this.#position = end;
    return { bytesWritten: bytes.length, buffer: data };
  }

  async appendFile(data, options) {
    const { descriptor, full } = this.#file();
    const size = core.wasi("stat", full, () => descriptor.stat()).size;
    core.writeAll(descriptor, full, core.bytesOf(data, core.optionsOf(options, {}).encoding), size);
  }

  async stat() {
    const { descriptor, full, writable } = this.#file();
    return new core.Stats(core.wasi("fstat", full, () => descriptor.stat()), writable);
  }

  async truncate(length = 0) {
    const { descriptor, full } = this.#file();
    core.wasi("ftruncate", full, () => descriptor.setSize(BigInt(length)));
  }

  async sync() {
    const { descriptor, full } = this.#file();
    core.wasi("fsync", full, () => descriptor.sync());
  }

  async close() {
    if (!this.#opened) return;
    core.release(this.#opened.descriptor);
    this.#opened = undefined;
  }

  async [Symbol.asyncDispose]() {
    await this.close();
  }
}

export function open(file, flags = "r") {
  return promised(() => new FileHandle(core.openDescriptor(file, flags)))();
}

export const promises = {
  FileHandle, access, appendFile, chmod, chown, constants, copyFile, lchown, link, lstat, mkdir,
  mkdtemp, open, readFile, readdir, readlink, realpath, rename, rm, rmdir, stat, symlink,
  truncate, unlink, utimes, writeFile,
};

export default promises;
