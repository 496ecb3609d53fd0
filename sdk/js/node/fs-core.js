// What Node's `fs` is built on here: a path resolved against `/code` (the working
// directory of an FC function) to a directory the runtime opened for the guest
// (its preopens: the code read-only at `/code`, a private `/tmp`), the WASI
// filesystem calls on it, Node's `Stats` and `Dirent`, and Node's errors (`ENOENT:
// no such file or directory, open '/code/x'`, with `code`, `errno`, `syscall` and
// `path`). The synchronous operations are here; `fs.js` adds the callback forms
// and streams, `fs-promises.js` the promise API.

import { Buffer } from "buffer";
import * as path from "path";
import { getDirectories } from "wasi:filesystem/preopens@0.2.12";

import { isServing } from "./process.js";

const WORKING_DIRECTORY = "/code";
/** How much one read asks for. */
const READ_CHUNK = 1 << 20;
/** Links followed in one path before ELOOP, as Linux. */
const MAX_LINKS = 40;

// WASI's error codes, as the errno names and numbers of Linux.
const ERRNO = {
  access: ["EACCES", -13, "permission denied"],
  "would-block": ["EAGAIN", -11, "resource temporarily unavailable"],
  already: ["EALREADY", -114, "connection already in progress"],
  "bad-descriptor": ["EBADF", -9, "bad file descriptor"],
  busy: ["EBUSY", -16, "resource busy or locked"],
  deadlock: ["EDEADLK", -35, "resource deadlock avoided"],
  quota: ["EDQUOT", -122, "disk quota exceeded"],
  exist: ["EEXIST", -17, "file already exists"],
  "file-too-large": ["EFBIG", -27, "file too large"],
  "illegal-byte-sequence": ["EILSEQ", -84, "illegal byte sequence"],
  "in-progress": ["EINPROGRESS", -115, "operation in progress"],
  interrupted: ["EINTR", -4, "interrupted system call"],
  invalid: ["EINVAL", -22, "invalid argument"],
  io: ["EIO", -5, "i/o error"],
  "is-directory": ["EISDIR", -21, "illegal operation on a directory"],
  loop: ["ELOOP", -40, "too many symbolic links encountered"],
  "too-many-links": ["EMLINK", -31, "too many links"],
  "message-size": ["EMSGSIZE", -90, "message too long"],
  "name-too-long": ["ENAMETOOLONG", -36, "name too long"],
  "no-device": ["ENODEV", -19, "no such device"],
  "no-entry": ["ENOENT", -2, "no such file or directory"],
  "no-lock": ["ENOLCK", -37, "no locks available"],
  "insufficient-memory": ["ENOMEM", -12, "not enough memory"],
  "insufficient-space": ["ENOSPC", -28, "no space left on device"],
  "not-directory": ["ENOTDIR", -20, "not a directory"],
  "not-empty": ["ENOTEMPTY", -39, "directory not empty"],
  "not-recoverable": ["ENOTRECOVERABLE", -131, "state not recoverable"],
  unsupported: ["ENOTSUP", -95, "operation not supported on socket"],
  "no-tty": ["ENOTTY", -25, "inappropriate ioctl for device"],
  "no-such-device": ["ENXIO", -6, "no such device or address"],
  overflow: ["EOVERFLOW", -75, "value too large for defined data type"],
  "not-permitted": ["EPERM", -1, "operation not permitted"],
  pipe: ["EPIPE", -32, "broken pipe"],
  "read-only": ["EROFS", -30, "read-only file system"],
  "invalid-seek": ["ESPIPE", -29, "invalid seek"],
  "text-file-busy": ["ETXTBSY", -26, "text file is busy"],
  "cross-device": ["EXDEV", -18, "cross-device link not permitted"],
};

/** Node's error for WASI's `code` in `syscall` on `file` (and `dest`). */
export function fsError(code, syscall, file, dest) {
  const [name, errno, text] = ERRNO[code] ?? ["EIO", -5, `i/o error (${code})`];
  let message = `${name}: ${text}, ${syscall}`;
  if (file !== undefined) message += ` '${file}'`;
  if (dest !== undefined) message += ` -> '${dest}'`;
  const error = new Error(message);
  Object.assign(error, { errno, code: name, syscall });
  if (file !== undefined) error.path = file;
  if (dest !== undefined) error.dest = dest;
  return error;
}

/** Runs a WASI call, turning its error code into Node's error. */
export function wasi(syscall, file, call, dest) {
  try {
    return call();
  } catch (error) {
    if (typeof error?.payload === "string") throw fsError(error.payload, syscall, file, dest);
    throw error;
  }
}

let preopens;

/** The guest's directories, longest path first (read when a call first needs them). */
function directories() {
  if (!isServing()) {
    throw Object.assign(
      new Error(
        "the filesystem is not there while the module loads, which happens when `fcwasm build` " +
          "builds the component: read files in `initialize` or in the handler",
      ),
      { code: "ENOENT" },
    );
  }
  preopens ??= getDirectories()
    .map(([descriptor, at]) => ({ descriptor, at: at.replace(/\/+$/, "") || "/" }))
    .sort((a, b) => b.at.length - a.at.length);
  return preopens;
}

/** A path as a string: strings, Buffers and `file:` URLs, as Node takes them. */
export function pathString(file) {
  if (typeof file === "string") return file;
  if (file instanceof URL || (file && typeof file.href === "string" && file.protocol)) {
    if (file.protocol !== "file:") {
      throw Object.assign(new TypeError("The URL must be of scheme file"), { code: "ERR_INVALID_URL_SCHEME" });
    }
    return decodeURIComponent(file.pathname);
  }
  if (file instanceof Uint8Array) return Buffer.from(file).toString();
  throw Object.assign(
    new TypeError('The "path" argument must be of type string or an instance of Buffer or URL'),
    { code: "ERR_INVALID_ARG_TYPE" },
  );
}

/** An absolute, normalized path. */
export function absolute(file) {
  const text = pathString(file);
  if (text.includes("\0")) {
    throw Object.assign(new TypeError('The argument \'path\' must be a string without null bytes'), { code: "ERR_INVALID_ARG_VALUE" });
  }
  return path.resolve(WORKING_DIRECTORY, text);
}

/** `file`'s directory of the guest and its path inside it; ENOENT outside them all. */
export function locate(file, syscall) {
  const full = absolute(file);
  for (const dir of directories()) {
    if (full === dir.at) return { dir: dir.descriptor, relative: ".", full, root: dir.at };
    if (full.startsWith(dir.at === "/" ? "/" : `${dir.at}/`)) {
      return { dir: dir.descriptor, relative: full.slice(dir.at.length + 1), full, root: dir.at };
    }
  }
  throw fsError("no-entry", syscall, full);
}

const S_IFMT = 0o170000;
export const constants = {
  F_OK: 0,
  R_OK: 4,
  W_OK: 2,
  X_OK: 1,
  O_RDONLY: 0,
  O_WRONLY: 1,
  O_RDWR: 2,
  O_CREAT: 0o100,
  O_EXCL: 0o200,
  O_TRUNC: 0o1000,
  O_APPEND: 0o2000,
  O_DIRECTORY: 0o200000,
  O_NOFOLLOW: 0o400000,
  S_IFMT,
  S_IFREG: 0o100000,
  S_IFDIR: 0o040000,
  S_IFCHR: 0o020000,
  S_IFBLK: 0o060000,
  S_IFIFO: 0o010000,
  S_IFLNK: 0o120000,
  S_IFSOCK: 0o140000,
  COPYFILE_EXCL: 1,
  COPYFILE_FICLONE: 2,
  COPYFILE_FICLONE_FORCE: 4,
  UV_FS_COPYFILE_EXCL: 1,
};

const TYPE_BITS = {
  "regular-file": constants.S_IFREG,
  directory: constants.S_IFDIR,
  "symbolic-link": constants.S_IFLNK,
  "character-device": constants.S_IFCHR,
  "block-device": constants.S_IFBLK,
  fifo: constants.S_IFIFO,
  socket: constants.S_IFSOCK,
};

function milliseconds(timestamp) {
  if (!timestamp) return 0;
  return Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanoseconds / 1e6);
}

/** Node's `fs.Stats`, from a WASI `descriptor-stat`; `writable` says the mode's write bits. */
export class Stats {
  constructor(stat, writable = true, ino = 0) {
    const type = TYPE_BITS[stat.type] ?? 0;
    const permissions = type === constants.S_IFDIR ? 0o755 : 0o644;
    this.dev = 0;
    this.mode = type | (writable ? permissions : permissions & ~0o222);
    this.nlink = Number(stat.linkCount);
    this.uid = 0;
    this.gid = 0;
    this.rdev = 0;
    this.blksize = 4096;
    this.ino = ino;
    this.size = Number(stat.size);
    this.blocks = Math.ceil(this.size / 512);
    this.atimeMs = milliseconds(stat.dataAccessTimestamp);
    this.mtimeMs = milliseconds(stat.dataModificationTimestamp);
    this.ctimeMs = milliseconds(stat.statusChangeTimestamp) || this.mtimeMs;
    this.birthtimeMs = this.ctimeMs;
  }

  get atime() {
    return new Date(this.atimeMs);
  }

  get mtime() {
    return new Date(this.mtimeMs);
  }

  get ctime() {
    return new Date(this.ctimeMs);
  }

  get birthtime() {
    return new Date(this.birthtimeMs);
  }

  isFile() {
    return (this.mode & S_IFMT) === constants.S_IFREG;
  }

  isDirectory() {
    return (this.mode & S_IFMT) === constants.S_IFDIR;
  }

  isSymbolicLink() {
    return (this.mode & S_IFMT) === constants.S_IFLNK;
  }

  isFIFO() {
    return (this.mode & S_IFMT) === constants.S_IFIFO;
  }

  isSocket() {
    return (this.mode & S_IFMT) === constants.S_IFSOCK;
  }

  isCharacterDevice() {
    return (this.mode & S_IFMT) === constants.S_IFCHR;
  }

  isBlockDevice() {
    return (this.mode & S_IFMT) === constants.S_IFBLK;
  }
}

/** Node's `fs.Dirent`. */
export class Dirent {
  constructor(name, type, parentPath) {
    this.name = name;
    this.parentPath = parentPath;
    this.path = parentPath;
    this._type = TYPE_BITS[type] ?? 0;
  }

  isFile() {
    return this._type === constants.S_IFREG;
  }

  isDirectory() {
    return this._type === constants.S_IFDIR;
  }

  isSymbolicLink() {
    return this._type === constants.S_IFLNK;
  }

  isFIFO() {
    return this._type === constants.S_IFIFO;
  }

  isSocket() {
    return this._type === constants.S_IFSOCK;
  }

  isCharacterDevice() {
    return this._type === constants.S_IFCHR;
  }

  isBlockDevice() {
    return this._type === constants.S_IFBLK;
  }
}

/** Whether the guest may write under `root` (`/code` is read-only). */
function writableRoot(root) {
  return root !== WORKING_DIRECTORY;
}

export function statSync(file, options) {
  return statWith(file, true, "stat", options);
}

export function lstatSync(file, options) {
  return statWith(file, false, "lstat", options);
}

function statWith(file, follow, syscall, options) {
  try {
    const place = locate(file, syscall);
    const stat = wasi(syscall, place.full, () => place.dir.statAt({ symlinkFollow: follow }, place.relative));
    return new Stats(stat, writableRoot(place.root), inode(place));
  } catch (error) {
    if (options?.throwIfNoEntry === false && error.code === "ENOENT") return undefined;
    throw error;
  }
}

/** A stable number for a file (WASI's metadata hash), as Node's `ino`. */
function inode(place) {
  try {
    return Number(place.dir.metadataHashAt({ symlinkFollow: true }, place.relative).lower & 0xfffffffffffffn);
  } catch {
    return 0;
  }
}

export function existsSync(file) {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

export function accessSync(file, mode = constants.F_OK) {
  const place = locate(file, "access");
  wasi("access", place.full, () => place.dir.statAt({ symlinkFollow: true }, place.relative));
  if (mode & constants.W_OK && !writableRoot(place.root)) throw fsError("access", "access", place.full);
}

/** Flags of `fs.open` (`'r'`, `'w+'`, `'ax'`, or numbers) as WASI's. */
export function openFlags(flags = "r") {
  if (typeof flags === "number") {
    const access = flags & 3;
    return {
      read: access !== constants.O_WRONLY,
      write: access !== constants.O_RDONLY,
      create: Boolean(flags & constants.O_CREAT),
      exclusive: Boolean(flags & constants.O_EXCL),
      truncate: Boolean(flags & constants.O_TRUNC),
      append: Boolean(flags & constants.O_APPEND),
      directory: Boolean(flags & constants.O_DIRECTORY),
      follow: !(flags & constants.O_NOFOLLOW),
    };
  }
  const text = String(flags).replace("s", "");
  const plus = text.includes("+");
  const kind = text[0];
  if (!"rwa".includes(kind)) {
    throw Object.assign(new TypeError(`The value "${flags}" is invalid for option "flags"`), { code: "ERR_INVALID_ARG_VALUE" });
  }
  return {
    read: kind === "r" || plus,
    write: kind !== "r" || plus,
    create: kind !== "r",
    exclusive: text.includes("x"),
    truncate: kind === "w",
    append: kind === "a",
    directory: false,
    follow: true,
  };
}

/** Opens `file` with Node's `flags`: a WASI descriptor and what the flags said. */
export function openDescriptor(file, flags, syscall = "open") {
  const how = openFlags(flags);
  const place = locate(file, syscall);
  const descriptor = wasi(syscall, place.full, () =>
    place.dir.openAt(
      { symlinkFollow: how.follow },
      place.relative,
      { create: how.create, exclusive: how.exclusive, truncate: how.truncate, directory: how.directory },
      { read: how.read, write: how.write },
    ),
  );
  return { descriptor, how, full: place.full, writable: writableRoot(place.root) };
}

/** Releases a WASI descriptor now rather than when it is collected. */
export function release(descriptor) {
  descriptor[Symbol.dispose]?.();
}

/** Every byte of an open file from `offset`. */
export function readAll(descriptor, file, offset = 0n) {
  const parts = [];
  let at = offset;
  for (;;) {
    const [bytes, end] = wasi("read", file, () => descriptor.read(BigInt(READ_CHUNK), at));
    if (bytes.length > 0) parts.push(bytes);
    at += BigInt(bytes.length);
    if (end || bytes.length === 0) break;
  }
  return parts.length === 1 ? Buffer.from(parts[0].buffer, parts[0].byteOffset, parts[0].length) : Buffer.concat(parts);
}

/** Writes all of `bytes` at `offset`; returns the offset after them. */
export function writeAll(descriptor, file, bytes, offset) {
  let at = offset;
  let done = 0;
  while (done < bytes.length) {
    const written = Number(wasi("write", file, () => descriptor.write(bytes.subarray(done), at)));
    if (written === 0) throw fsError("io", "write", file);
    done += written;
    at += BigInt(written);
  }
  return at;
}

/** Data to write as bytes: strings in `encoding`, views as they are. */
export function bytesOf(data, encoding) {
  if (typeof data === "string") return Buffer.from(data, encoding ?? "utf8");
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw Object.assign(
    new TypeError('The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView'),
    { code: "ERR_INVALID_ARG_TYPE" },
  );
}

/** `options` as Node takes them: an encoding name, or an object. */
export function optionsOf(options, defaults) {
  if (typeof options === "string") return { ...defaults, encoding: options };
  return { ...defaults, ...(options ?? {}) };
}

/** Bytes as Node gives them: a Buffer, or a string in `encoding`. */
export function decoded(bytes, encoding) {
  return encoding && encoding !== "buffer" ? bytes.toString(encoding) : bytes;
}

export function readFileSync(file, options) {
  const { encoding, flag } = optionsOf(options, { encoding: null, flag: "r" });
  const { descriptor, full } = openDescriptor(file, flag);
  try {
    return decoded(readAll(descriptor, full), encoding);
  } finally {
    release(descriptor);
  }
}

export function writeFileSync(file, data, options) {
  const { encoding, flag } = optionsOf(options, { encoding: "utf8", flag: "w" });
  const { descriptor, how, full } = openDescriptor(file, flag);
  try {
    const start = how.append ? wasi("stat", full, () => descriptor.stat()).size : 0n;
    writeAll(descriptor, full, bytesOf(data, encoding), start);
  } finally {
    release(descriptor);
  }
}

export function appendFileSync(file, data, options) {
  writeFileSync(file, data, optionsOf(options, { encoding: "utf8", flag: "a" }));
}

export function readdirSync(file, options) {
  const { encoding, withFileTypes, recursive } = optionsOf(options, { encoding: "utf8" });
  const found = [];
  const walk = (directory, prefix) => {
    const place = locate(directory, "scandir");
    const entries = [];
    const descriptor = place.relative === "." ? undefined : wasi("scandir", place.full, () =>
      place.dir.openAt({ symlinkFollow: true }, place.relative, { directory: true }, { read: true }),
    );
    try {
      const stream = wasi("scandir", place.full, () => (descriptor ?? place.dir).readDirectory());
      try {
        let entry;
        while ((entry = wasi("scandir", place.full, () => stream.readDirectoryEntry())) !== undefined) entries.push(entry);
      } finally {
        release(stream);
      }
    } finally {
      if (descriptor) release(descriptor);
    }
    for (const entry of entries) {
      const name = prefix ? `${prefix}/${entry.name}` : entry.name;
      found.push(withFileTypes ? new Dirent(entry.name, entry.type, place.full) : name);
      if (recursive && entry.type === "directory") walk(path.join(place.full, entry.name), name);
    }
  };
  walk(file, "");
  if (withFileTypes || encoding !== "buffer") return found;
  return found.map((name) => Buffer.from(name));
}

export function mkdirSync(file, options) {
  const { recursive } = typeof options === "number" ? {} : optionsOf(options, {});
  if (!recursive) {
    const place = locate(file, "mkdir");
    wasi("mkdir", place.full, () => place.dir.createDirectoryAt(place.relative));
    return undefined;
  }
  const full = absolute(file);
  const missing = [];
  for (let at = full; !existsSync(at); at = path.dirname(at)) {
    missing.unshift(at);
    if (at === "/") break;
  }
  for (const directory of missing) {
    const place = locate(directory, "mkdir");
    wasi("mkdir", place.full, () => place.dir.createDirectoryAt(place.relative));
  }
  if (missing.length === 0 && !statSync(full).isDirectory()) throw fsError("exist", "mkdir", full);
  return missing[0];
}

export function mkdtempSync(prefix, options) {
  const { encoding } = optionsOf(options, { encoding: "utf8" });
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (let attempt = 0; attempt < 100; attempt++) {
    const random = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(6)), (b) => letters[b % letters.length]).join("");
    const candidate = `${pathString(prefix)}${random}`;
    try {
      mkdirSync(candidate);
      return encoding === "buffer" ? Buffer.from(absolute(candidate)) : absolute(candidate);
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
    }
  }
  throw fsError("exist", "mkdtemp", pathString(prefix));
}

export function unlinkSync(file) {
  const place = locate(file, "unlink");
  wasi("unlink", place.full, () => place.dir.unlinkFileAt(place.relative));
}

export function rmdirSync(file, options) {
  if (options?.recursive) return rmSync(file, { recursive: true });
  const place = locate(file, "rmdir");
  wasi("rmdir", place.full, () => place.dir.removeDirectoryAt(place.relative));
  return undefined;
}

export function rmSync(file, options = {}) {
  let stats;
  try {
    stats = lstatSync(file);
  } catch (error) {
    if (options.force && error.code === "ENOENT") return;
    throw error;
  }
  if (!stats.isDirectory()) return unlinkSync(file);
  if (!options.recursive) {
    throw Object.assign(fsError("is-directory", "rm", absolute(file)), {
      code: "ERR_FS_EISDIR",
      message: `Path is a directory: rm returned EISDIR (is a directory) ${absolute(file)}`,
    });
  }
  for (const name of readdirSync(file)) rmSync(path.join(absolute(file), name), options);
  rmdirSync(file);
}

export function renameSync(from, to) {
  const source = locate(from, "rename");
  const target = locate(to, "rename");
  if (source.dir !== target.dir) throw fsError("cross-device", "rename", source.full, target.full);
  wasi("rename", source.full, () => source.dir.renameAt(source.relative, target.dir, target.relative), target.full);
}

export function copyFileSync(from, to, mode = 0) {
  const bytes = readFileSync(from);
  writeFileSync(to, bytes, { flag: mode & constants.COPYFILE_EXCL ? "wx" : "w" });
}

export function readlinkSync(file, options) {
  const { encoding } = optionsOf(options, { encoding: "utf8" });
  const place = locate(file, "readlink");
  const target = wasi("readlink", place.full, () => place.dir.readlinkAt(place.relative));
  return encoding === "buffer" ? Buffer.from(target) : target;
}

export function symlinkSync(target, file) {
  const place = locate(file, "symlink");
  wasi("symlink", place.full, () => place.dir.symlinkAt(pathString(target), place.relative));
}

export function linkSync(existing, file) {
  const source = locate(existing, "link");
  const target = locate(file, "link");
  wasi("link", source.full, () => source.dir.linkAt({ symlinkFollow: false }, source.relative, target.dir, target.relative), target.full);
}

/** The path with every symbolic link in it followed. */
export function realpathSync(file, options) {
  const { encoding } = optionsOf(options, { encoding: "utf8" });
  let pending = absolute(file).split("/").filter(Boolean);
  let resolved = "/";
  let links = 0;
  while (pending.length > 0) {
    const name = pending.shift();
    const next = path.join(resolved, name);
    if (lstatSync(next).isSymbolicLink()) {
      if (++links > MAX_LINKS) throw fsError("loop", "realpath", absolute(file));
      const target = readlinkSync(next);
      pending = [...target.split("/").filter(Boolean), ...pending];
      if (target.startsWith("/")) resolved = "/";
    } else {
      resolved = next;
    }
  }
  return encoding === "buffer" ? Buffer.from(resolved) : resolved;
}
realpathSync.native = realpathSync;

export function truncateSync(file, length = 0) {
  const { descriptor, full } = openDescriptor(file, "r+", "open");
  try {
    wasi("ftruncate", full, () => descriptor.setSize(BigInt(length)));
  } finally {
    release(descriptor);
  }
}

export function utimesSync(file, atime, mtime) {
  const place = locate(file, "utime");
  const at = (time) => {
    const ms = time instanceof Date ? time.getTime() : Number(time) * 1000;
    return { tag: "timestamp", val: { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1e6 } };
  };
  wasi("utime", place.full, () => place.dir.setTimesAt({ symlinkFollow: true }, place.relative, at(atime), at(mtime)));
}

/** `chmod` and `chown`: WASI has no permissions to change; the file must exist. */
export function chmodSync(file) {
  statSync(file);
}

export const chownSync = chmodSync;
export const lchownSync = chmodSync;
