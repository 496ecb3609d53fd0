// `fs`: Node's file system API over the WASI filesystem the runtime gives the
// guest: the function's code read-only at `/code` (the working directory), and a
// private `/tmp`. The synchronous calls (`fs-core.js`), their callback forms (run
// a turn later, as Node's complete later), file descriptors, `createReadStream`
// and `createWriteStream` (what `res.sendFile` and static-file middleware use),
// and `fs.promises`.

import { Buffer } from "buffer";
import { Readable, Writable } from "stream";

import * as core from "./fs-core.js";
import { promises } from "./fs-promises.js";

export const { constants, Stats, Dirent } = core;
export const F_OK = 0;
export const R_OK = 4;
export const W_OK = 2;
export const X_OK = 1;

export const {
  accessSync,
  appendFileSync,
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} = core;
export { promises };

/** Open files by descriptor number: the WASI descriptor and the position. */
const open = new Map();
let nextFd = 10;

function entry(fd, syscall) {
  const found = open.get(fd);
  if (!found) throw core.fsError("bad-descriptor", syscall);
  return found;
}

export function openSync(file, flags = "r") {
  const opened = core.openDescriptor(file, flags);
  const fd = nextFd++;
  open.set(fd, { ...opened, position: 0n });
  return fd;
}

export function closeSync(fd) {
  const { descriptor } = entry(fd, "close");
  open.delete(fd);
  core.release(descriptor);
}

export function fstatSync(fd) {
  const { descriptor, full, writable } = entry(fd, "fstat");
  return new core.Stats(core.wasi("fstat", full, () => descriptor.stat()), writable);
}

/** `readSync(fd, buffer, offset, length, position)` or `(fd, buffer, { … })`. */
export function readSync(fd, buffer, offsetOrOptions = 0, length, position) {
  let offset = offsetOrOptions;
  if (typeof offsetOrOptions === "object" && offsetOrOptions !== null) {
    ({ offset = 0, length, position } = offsetOrOptions);
  }
  const file = entry(fd, "read");
  const count = length ?? buffer.byteLength - offset;
  const at = position === null || position === undefined || position < 0 ? file.position : BigInt(position);
  const [bytes] = core.wasi("read", file.full, () => file.descriptor.read(BigInt(count), at));
  new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength).set(bytes, offset);
  if (position === null || position === undefined || position < 0) file.position += BigInt(bytes.length);
  return bytes.length;
}

/** `writeSync(fd, buffer, [offset, [length, [position]]])` or `(fd, string, [position, [encoding]])`. */
export function writeSync(fd, data, offsetOrPosition, lengthOrEncoding, position) {
  const file = entry(fd, "write");
  let bytes;
  let at;
  if (typeof data === "string") {
    bytes = Buffer.from(data, typeof lengthOrEncoding === "string" ? lengthOrEncoding : "utf8");
    at = offsetOrPosition;
  } else {
    const view = core.bytesOf(data);
    const offset = offsetOrPosition ?? 0;
    bytes = view.subarray(offset, offset + (lengthOrEncoding ?? view.length - offset));
    at = position;
  }
  const sequential = at === null || at === undefined;
  let start = sequential ? file.position : BigInt(at);
  if (file.how.append) start = core.wasi("write", file.full, () => file.descriptor.stat()).size;
  const end = core.writeAll(file.descriptor, file.full, bytes, start);
  if (sequential) file.position = end;
  return bytes.length;
}

export function ftruncateSync(fd, length = 0) {
  const file = entry(fd, "ftruncate");
  core.wasi("ftruncate", file.full, () => file.descriptor.setSize(BigInt(length)));
}

export function fsyncSync(fd) {
  const file = entry(fd, "fsync");
  core.wasi("fsync", file.full, () => file.descriptor.sync());
}

export function fdatasyncSync(fd) {
  const file = entry(fd, "fdatasync");
  core.wasi("fdatasync", file.full, () => file.descriptor.syncData());
}

/** The callback form of `sync`: the result (or error) reaches the last argument later. */
function callbackForm(sync) {
  return function callbackVersion(...args) {
    const callback = args.pop();
    if (typeof callback !== "function") {
      throw Object.assign(new TypeError('The "cb" argument must be of type function'), { code: "ERR_INVALID_ARG_TYPE" });
    }
    setImmediate(() => {
      let result;
      try {
        result = sync(...args);
      } catch (error) {
        callback(error);
        return;
      }
      callback(null, result);
    });
  };
}

export const access = callbackForm(accessSync);
export const appendFile = callbackForm(appendFileSync);
export const chmod = callbackForm(chmodSync);
export const chown = callbackForm(chownSync);
export const close = callbackForm(closeSync);
export const copyFile = callbackForm(copyFileSync);
export const fdatasync = callbackForm(fdatasyncSync);
export const fstat = callbackForm(fstatSync);
export const fsync = callbackForm(fsyncSync);
export const ftruncate = callbackForm(ftruncateSync);
export const lchown = callbackForm(lchownSync);
export const link = callbackForm(linkSync);
export const lstat = callbackForm(lstatSync);
export const mkdir = callbackForm(mkdirSync);
export const mkdtemp = callbackForm(mkdtempSync);
export const readFile = callbackForm(readFileSync);
export const readdir = callbackForm(readdirSync);
export const readlink = callbackForm(readlinkSync);
export const realpath = Object.assign(callbackForm(realpathSync), { native: callbackForm(realpathSync) });
export const rename = callbackForm(renameSync);
export const rm = callbackForm(rmSync);
export const rmdir = callbackForm(rmdirSync);
export const stat = callbackForm(statSync);
export const symlink = callbackForm(symlinkSync);
export const truncate = callbackForm(truncateSync);
export const unlink = callbackForm(unlinkSync);
export const utimes = callbackForm(utimesSync);
export const writeFile = callbackForm(writeFileSync);

/** `fs.open(path, [flags], [mode], callback)`: the descriptor number, later. */
export function openFile(file, flags, mode, callback) {
  const done = [flags, mode, callback].find((item) => typeof item === "function");
  callbackForm(openSync)(file, typeof flags === "function" ? "r" : flags, done);
}
export { openFile as open };

/** `fs.read(fd, buffer, offset, length, position, callback)`: the bytes read and the buffer. */
export function read(fd, buffer, offset, length, position, callback) {
  const done = [buffer, offset, length, position, callback].find((item) => typeof item === "function");
  setImmediate(() => {
    try {
      const target = typeof buffer === "function" ? Buffer.alloc(16384) : buffer;
      const count = readSync(fd, target, typeof offset === "function" ? 0 : offset, typeof length === "function" ? undefined : length, typeof position === "function" ? null : position);
      done(null, count, target);
    } catch (error) {
      done(error);
    }
  });
}

/** `fs.write(fd, data, …, callback)`: the bytes written and the data. */
export function write(fd, data, ...rest) {
  const done = rest.pop();
  setImmediate(() => {
    try {
      done(null, writeSync(fd, data, ...rest), data);
    } catch (error) {
      done(error);
    }
  });
}

/** `fs.exists(path, callback)`: a boolean, without an error argument (as Node's). */
export function exists(file, callback) {
  setImmediate(() => callback(existsSync(file)));
}

/** A Readable of a file's bytes from `start` to `end` (inclusive), as Node's. */
export class ReadStream extends Readable {
  constructor(file, options) {
    const settings = core.optionsOf(options, { flags: "r", highWaterMark: 64 * 1024 });
    super({ highWaterMark: settings.highWaterMark, encoding: settings.encoding ?? undefined });
    this.path = typeof file === "number" ? undefined : core.pathString(file);
    this.fd = typeof file === "number" ? file : settings.fd ?? null;
    this.flags = settings.flags;
    this.start = settings.start;
    this.end = settings.end ?? Infinity;
    this.autoClose = settings.autoClose ?? true;
    this.bytesRead = 0;
    this.pending = true;
    this._position = BigInt(settings.start ?? 0);
  }

  _construct(callback) {
    try {
      if (this.fd === null) {
        this.fd = openSync(this.path, this.flags);
        this.emit("open", this.fd);
      }
      this.pending = false;
      this.emit("ready");
      callback();
    } catch (error) {
      callback(error);
    }
  }

  _read(size) {
    try {
      const file = entry(this.fd, "read");
      const left = this.end === Infinity ? size : Math.min(size, this.end - Number(this._position) + 1);
      if (left <= 0) return this.push(null);
      const [bytes, eof] = core.wasi("read", file.full, () => file.descriptor.read(BigInt(left), this._position));
      this._position += BigInt(bytes.length);
      this.bytesRead += bytes.length;
      if (bytes.length > 0) this.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
      if (eof || bytes.length === 0) this.push(null);
    } catch (error) {
      this.destroy(error);
    }
  }

  _destroy(error, callback) {
    if (this.autoClose && this.fd !== null && open.has(this.fd)) closeSync(this.fd);
    callback(error);
  }

  close(callback) {
    this.destroy();
    if (typeof callback === "function") this.once("close", callback);
  }
}

/** A Writable into a file, as Node's. */
export class WriteStream extends Writable {
  constructor(file, options) {
    const settings = core.optionsOf(options, { flags: "w" });
    super({ decodeStrings: true, defaultEncoding: settings.encoding ?? "utf8" });
    this.path = typeof file === "number" ? undefined : core.pathString(file);
    this.fd = typeof file === "number" ? file : settings.fd ?? null;
    this.flags = settings.flags;
    this.start = settings.start;
    this.autoClose = settings.autoClose ?? true;
    this.bytesWritten = 0;
    this.pending = true;
  }

  _construct(callback) {
    try {
      if (this.fd === null) {
        this.fd = openSync(this.path, this.flags);
        this.emit("open", this.fd);
      }
      this.pending = false;
      this.emit("ready");
      callback();
    } catch (error) {
      callback(error);
    }
  }

  _write(chunk, _encoding, callback) {
    try {
      this.bytesWritten += writeSync(this.fd, chunk, 0, chunk.length, this.start === undefined ? null : this.start + this.bytesWritten);
      callback();
    } catch (error) {
      callback(error);
    }
  }

  _destroy(error, callback) {
    if (this.autoClose && this.fd !== null && open.has(this.fd)) closeSync(this.fd);
    callback(error);
  }

  close(callback) {
    this.end(callback);
  }
}

export function createReadStream(file, options) {
  return new ReadStream(file, options);
}

export function createWriteStream(file, options) {
  return new WriteStream(file, options);
}

/** `watch` and `watchFile`: the guest's files do not change while it runs. */
export function watch() {
  throw Object.assign(new Error("fs.watch is not available in a WebAssembly function: its files do not change"), {
    code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
  });
}

export const watchFile = watch;
export function unwatchFile() {}

export default {
  F_OK, R_OK, W_OK, X_OK, Dirent, ReadStream, Stats, WriteStream, access, accessSync, appendFile,
  appendFileSync, chmod, chmodSync, chown, chownSync, close, closeSync, constants, copyFile,
  copyFileSync, createReadStream, createWriteStream, exists, existsSync, fdatasync, fdatasyncSync,
  fstat, fstatSync, fsync, fsyncSync, ftruncate, ftruncateSync, lchown, lchownSync, link,
  linkSync, lstat, lstatSync, mkdir, mkdirSync, mkdtemp, mkdtempSync, open: openFile, openSync,
  promises, read, readFile, readFileSync, readSync, readdir, readdirSync, readlink, readlinkSync,
  realpath, realpathSync, rename, renameSync, rm, rmSync, rmdir, rmdirSync, stat, statSync,
  symlink, symlinkSync, truncate, truncateSync, unlink, unlinkSync, unwatchFile, utimes,
  utimesSync, watch, watchFile, write, writeFile, writeFileSync, writeSync,
};
