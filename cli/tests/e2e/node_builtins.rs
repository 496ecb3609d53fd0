//! Node's built-ins inside a JavaScript function, in the component (StarlingMonkey
//! and the host's WASI): `fs` on `/code` (read-only) and `/tmp`, the `http` client
//! over fetch (and axios on it), zlib, crypto, streams, AsyncLocalStorage, Unicode
//! property escapes,
//! and the built-ins and addons that cannot exist, which load but fail when used.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::projects::{self, http_request};
use crate::support::{InProcess, json, serve_text, text};

const JS: &str = "js";

/// A raw `http` server whose routes each exercise one built-in and answer JSON.
const APP: &str = r#"
'use strict';
const http = require('node:http');
const fs = require('fs');
const fsp = require('fs/promises');
const path = require('path');
const zlib = require('zlib');
const crypto = require('crypto');
const { pipeline } = require('stream/promises');
const { Readable, Writable } = require('stream');
const { AsyncLocalStorage } = require('async_hooks');
const { StringDecoder } = require('string_decoder');
const assert = require('assert');
const util = require('util');
const childProcess = require('child_process');
const { helper } = require('./lib/helper');
const axios = require('axios');
let addon;
try { require('./build/Release/native.node'); } catch (error) { addon = { code: error.code, message: error.message }; }
const WORD = /^\p{L}+$/u;
const storage = new AsyncLocalStorage();

function attempt(action) {
  try { return { ok: action() }; } catch (error) { return { code: error.code, message: error.message }; }
}

const routes = {
  async '/fs'() {
    fs.writeFileSync('/tmp/a.txt', 'hello');
    fs.appendFileSync('/tmp/a.txt', ' world');
    fs.mkdirSync('/tmp/d/e', { recursive: true });
    await fsp.writeFile('/tmp/d/e/f.json', JSON.stringify({ x: 1 }));
    const stream = fs.createWriteStream('/tmp/d/streamed.txt');
    await pipeline(Readable.from(['a', 'b', 'c']), stream);
    const out = {
      text: fs.readFileSync('/tmp/a.txt', 'utf8'),
      size: fs.statSync('/tmp/a.txt').size,
      isFile: fs.statSync('/tmp/a.txt').isFile(),
      listing: fs.readdirSync('/tmp/d', { recursive: true }).sort(),
      json: JSON.parse(await fsp.readFile('/tmp/d/e/f.json', 'utf8')),
      streamed: fs.readFileSync('/tmp/d/streamed.txt', 'latin1'),
      dirents: fs.readdirSync('/tmp/d', { withFileTypes: true }).map((d) => [d.name, d.isDirectory()]).sort(),
      code: fs.readFileSync(path.join(__dirname, 'data.txt'), 'utf8').trim(),
      relative: fs.readFileSync('data.txt', 'utf8').trim(),
      dirname: __dirname,
      cwd: process.cwd(),
      exists: [fs.existsSync('/code/data.txt'), fs.existsSync('/code/nope')],
      readOnly: attempt(() => fs.writeFileSync('/code/data.txt', 'x')).code,
      missing: attempt(() => fs.readFileSync('/tmp/nope')),
      outside: attempt(() => fs.readFileSync('/etc/passwd')).code,
      notEmpty: attempt(() => fs.rmdirSync('/tmp/d')).code,
    };
    fs.rmSync('/tmp/d', { recursive: true });
    fs.unlinkSync('/tmp/a.txt');
    out.gone = fs.existsSync('/tmp/d');
    out.callback = await new Promise((resolve) => fs.readFile('/code/data.txt', 'utf8', (error, data) => resolve(error ? error.code : data.trim())));
    out.streamRead = await new Promise((resolve) => {
      let text = '';
      fs.createReadStream('/code/data.txt', { start: 0, end: 3, encoding: 'utf8' }).on('data', (c) => (text += c)).on('end', () => resolve(text));
    });
    return out;
  },
  '/zlib'() {
    const text = 'compress me '.repeat(100);
    const gzipped = zlib.gzipSync(text);
    return {
      gunzip: zlib.gunzipSync(gzipped).toString() === text,
      smaller: gzipped.length < text.length,
      inflate: zlib.inflateSync(zlib.deflateSync(Buffer.from('x'))).toString(),
    };
  },
  '/crypto'() {
    return {
      sha256: crypto.createHash('sha256').update('abc').digest('hex'),
      hmac: crypto.createHmac('sha1', 'key').update('data').digest('base64'),
      md5: crypto.createHash('md5').update('').digest('hex'),
      random: crypto.randomBytes(16).length,
      uuid: /^[0-9a-f-]{36}$/.test(crypto.randomUUID()),
      equal: crypto.timingSafeEqual(Buffer.from('ab'), Buffer.from('ab')),
    };
  },
  async '/client'(url) {
    const port = url.searchParams.get('port');
    return await new Promise((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/upstream`, (res) => {
        const decoder = new StringDecoder('utf8');
        let body = '';
        res.on('data', (chunk) => (body += decoder.write(chunk)));
        res.on('end', () => resolve({ status: res.statusCode, body, type: typeof res.headers }));
      }).on('error', reject);
    });
  },
  async '/axios'(url) {
    const target = `http://127.0.0.1:${url.searchParams.get('port')}/upstream`;
    const viaHttp = await axios.get(target, { adapter: 'http', responseType: 'text' });
    const viaFetch = await axios.get(target, { adapter: 'fetch', responseType: 'text' });
    return [viaHttp.status, viaHttp.data, viaFetch.data];
  },
  async '/fetch'(url) {
    const response = await fetch(`http://127.0.0.1:${url.searchParams.get('port')}/upstream`);
    return { text: await response.text() };
  },
  async '/storage'() {
    return storage.run({ id: 'r-1' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      await new Promise((resolve) => setImmediate(resolve));
      return { id: storage.getStore().id };
    });
  },
  '/misc'() {
    assert.deepStrictEqual({ a: [1] }, { a: [1] });
    return {
      regex: [WORD.test('héllo'), WORD.test('no spaces')],
      format: util.format('%s=%d', 'n', 5),
      promisify: typeof util.promisify(setTimeout),
      helper: helper(),
      unref: typeof setTimeout(() => {}, 1).unref().hasRef,
      platform: [process.platform, typeof process.version, typeof process.nextTick],
    };
  },
  '/unavailable'() {
    return { spawn: attempt(() => childProcess.spawn('ls')), addon };
  },
};

http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://local');
  const route = routes[url.pathname];
  if (!route) {
    res.statusCode = 404;
    return res.end('no route');
  }
  try {
    const body = JSON.stringify(await route(url));
    res.setHeader('content-type', 'application/json');
    res.end(body);
  } catch (error) {
    res.statusCode = 500;
    res.end(String(error && error.stack));
  }
}).listen(9000);
"#;

/// The project, built once.
fn module() -> &'static PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = projects::project_dir(JS, "builtins");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("lib")).unwrap();
        std::fs::write(dir.join("data.txt"), "code data\n").unwrap();
        // An HTTP client on Node's `http` (its Node adapter) and on fetch.
        std::fs::write(
            dir.join("package.json"),
            r#"{"private": true, "dependencies": {"axios": "1.9.0"}}"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("lib/helper.js"),
            "exports.helper = () => require('path').basename(__filename);\n",
        )
        .unwrap();
        let (output, module) = projects::build_source(JS, "builtins", "index.js", APP, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert!(
            stderr.contains("note: `child_process` (imported by index.js) does not exist in a WebAssembly function"),
            "the build names what is unavailable: {stderr}"
        );
        module
    })
}

async fn get(host: &InProcess, target: &str) -> serde_json::Value {
    let response = host.send(http_request("GET", target, b"")).await;
    assert_eq!(response.status(), 200, "{target}: {}", text(&response));
    json(&response)
}

#[tokio::test]
async fn fs_reads_the_code_read_only_and_writes_tmp_as_node_does() {
    let host = projects::start(JS, module());
    let fs = get(&host, "/fs").await;
    assert_eq!(fs["text"], "hello world");
    assert_eq!(fs["size"], 11);
    assert_eq!(fs["isFile"], true);
    assert_eq!(
        fs["listing"],
        serde_json::json!(["e", "e/f.json", "streamed.txt"])
    );
    assert_eq!(fs["json"], serde_json::json!({"x": 1}));
    assert_eq!(fs["streamed"], "abc");
    assert_eq!(
        fs["dirents"],
        serde_json::json!([["e", true], ["streamed.txt", false]])
    );
    assert_eq!(fs["code"], "code data");
    assert_eq!(fs["relative"], "code data", "relative paths start at /code");
    assert_eq!(fs["dirname"], "/code");
    assert_eq!(fs["cwd"], "/code");
    assert_eq!(fs["exists"], serde_json::json!([true, false]));
    assert_eq!(fs["readOnly"], "EPERM");
    assert_eq!(fs["missing"]["code"], "ENOENT");
    assert_eq!(
        fs["missing"]["message"],
        "ENOENT: no such file or directory, open '/tmp/nope'"
    );
    assert_eq!(fs["outside"], "ENOENT", "nothing outside /code and /tmp");
    assert_eq!(fs["notEmpty"], "ENOTEMPTY");
    assert_eq!(fs["gone"], false);
    assert_eq!(fs["callback"], "code data");
    assert_eq!(fs["streamRead"], "code");
}

#[tokio::test]
async fn zlib_crypto_streams_and_storage_work_as_on_node() {
    let host = projects::start(JS, module());
    let zlib = get(&host, "/zlib").await;
    assert_eq!(
        zlib,
        serde_json::json!({"gunzip": true, "smaller": true, "inflate": "x"})
    );
    let crypto = get(&host, "/crypto").await;
    assert_eq!(
        crypto["sha256"],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(crypto["hmac"], "EEFSxb/coHvGM+69RhmfAlXJ9J0=");
    assert_eq!(crypto["md5"], "d41d8cd98f00b204e9800998ecf8427e");
    assert_eq!(crypto["random"], 16);
    assert_eq!(crypto["uuid"], true);
    assert_eq!(crypto["equal"], true);
    assert_eq!(
        get(&host, "/storage").await,
        serde_json::json!({"id": "r-1"})
    );
    let misc = get(&host, "/misc").await;
    assert_eq!(
        misc["regex"],
        serde_json::json!([true, false]),
        "\\p{{L}} works"
    );
    assert_eq!(misc["format"], "n=5");
    assert_eq!(misc["promisify"], "function");
    assert_eq!(
        misc["helper"], "helper.js",
        "__filename of a module in a folder"
    );
    assert_eq!(misc["unref"], "function");
    assert_eq!(
        misc["platform"],
        serde_json::json!(["linux", "string", "function"])
    );
}

#[tokio::test]
async fn the_http_client_and_the_libraries_on_it_reach_a_server_through_fetch() {
    let upstream = serve_text("from upstream").await;
    let host = projects::start(JS, module());
    let port = upstream.port();
    let client = get(&host, &format!("/client?port={port}")).await;
    assert_eq!(
        client,
        serde_json::json!({"status": 200, "body": "from upstream", "type": "object"})
    );
    let axios = get(&host, &format!("/axios?port={port}")).await;
    assert_eq!(
        axios,
        serde_json::json!([200, "from upstream", "from upstream"])
    );
    let fetched = get(&host, &format!("/fetch?port={port}")).await;
    assert_eq!(
        fetched,
        serde_json::json!({"text": "from upstream"}),
        "a body read is waited for"
    );
}

#[tokio::test]
async fn an_unavailable_built_in_and_a_native_addon_fail_naming_themselves() {
    let host = projects::start(JS, module());
    let failed = get(&host, "/unavailable").await;
    assert_eq!(failed["spawn"]["code"], "ERR_FC_UNAVAILABLE_BUILTIN");
    let message = failed["spawn"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("child_process.spawn is not available in a WebAssembly function"),
        "{message}"
    );
    assert!(message.contains("imported by index.js"), "{message}");
    assert_eq!(failed["addon"]["code"], "ERR_DLOPEN_FAILED");
    let message = failed["addon"]["message"].as_str().unwrap();
    assert!(
        message.contains("native.node") && message.contains("native addon"),
        "{message}"
    );
}
