// `zlib`: browserify-zlib (Node's zlib API over pako: deflate, inflate, gzip,
// gunzip, raw and unzip, as streams, callbacks and synchronous calls), with the
// `constants` object Node has had since 7 (axios reads `zlib.constants`). Brotli is
// not there: `createBrotliDecompress` and the like are undefined, which is how
// libraries that can use it find out.
"use strict";

const zlib = require("browserify-zlib/lib/index.js");

if (zlib.constants === undefined) {
  const constants = {};
  for (const key of Object.keys(zlib)) {
    if (/^Z_[A-Z_]+$/.test(key) && typeof zlib[key] === "number") constants[key] = zlib[key];
  }
  zlib.constants = Object.freeze(constants);
}

module.exports = zlib;
