//! `bench webapps`: web apps on their native runtime beside the same app built by
//! `fcwasm build` and served by `bootstrap` (from its packaged `.cwasm`): FC's Express
//! seed on Node.js and the Flask example on CPython with Werkzeug. For each side: cold
//! start (exec to the first answered `GET /`, alternating sides), `GET /` throughput and
//! latency at c8 and c32 (both servers up, alternating rounds), the server's CPU use
//! under the c32 load, and peak RSS after the loads.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::client::{Connection, get_with};
use crate::languages::{LANGUAGES, run};
use crate::platform;
use crate::scenarios::{ROUNDS, Setup, first_answer, median};
use crate::server::{Server, Spec, free_port};
use crate::wrk::{Load, Measured};

/// A web app measured on both sides.
#[derive(Debug)]
pub(crate) struct WebApp {
    /// `Express`, `Flask`.
    pub(crate) name: &'static str,
    /// The example's folder under `examples/`.
    pub(crate) example: &'static str,
    /// Its language in [`LANGUAGES`] (for the toolchain's name).
    language: &'static str,
    /// How it runs natively.
    native: Native,
}

/// A native runtime.
#[derive(Debug, Clone, Copy)]
enum Native {
    /// `node index.js` after `npm ci`.
    Node,
    /// `flask run` (Werkzeug's server) in a venv with `requirements.txt` installed.
    Werkzeug,
}

/// The apps measured.
pub(crate) const WEB_APPS: &[WebApp] = &[
    WebApp {
        name: "Express",
        example: "js/express",
        language: "JavaScript",
        native: Native::Node,
    },
    WebApp {
        name: "Flask",
        example: "python/flask",
        language: "Python",
        native: Native::Werkzeug,
    },
];

/// Starts per side for the cold-start median.
pub(crate) const COLD_RUNS: usize = 10;
/// The concurrencies of the loads.
pub(crate) const CONNECTIONS: [usize; 2] = [8, 32];

/// `[native, bootstrap]`: each measure of both sides, in this order.
pub(crate) type Sides<T> = [T; 2];

/// What one app measured.
#[derive(Debug)]
pub(crate) struct Figures {
    pub(crate) app: &'static WebApp,
    /// The native runtime and its versions (`Node.js v20.20.2`).
    pub(crate) native_runtime: String,
    /// What the component runs on (`componentize-js 0.23.0 (StarlingMonkey)`).
    pub(crate) toolchain: &'static str,
    /// From exec to the first answered `GET /`, medians of [`COLD_RUNS`].
    pub(crate) cold: Sides<Duration>,
    /// `GET /` at each of [`CONNECTIONS`].
    pub(crate) loads: Vec<Sides<Measured>>,
    /// CPU time of the server per second of its c32 rounds (1.0: one core busy).
    pub(crate) cpu_c32: Sides<f64>,
    /// Peak RSS (`VmHWM`) after the loads, MiB.
    pub(crate) rss_mib: Sides<f64>,
    /// The `connection` header of each side's answer, if any.
    pub(crate) connection: Sides<Option<String>>,
}

/// `GET /` with the platform's HTTP-function headers, at `connections`.
fn get(connections: usize) -> Load {
    Load {
        method: "GET",
        path: "/",
        body_bytes: 0,
        headers: platform::HTTP,
        connections,
    }
}

/// Makes the native Express listen on 127.0.0.1:$FC_SERVER_PORT: the seed's
/// `app.listen(9000, '0.0.0.0')` is otherwise left as it is (bootstrap ignores its port).
const LISTEN_SHIM: &str = "const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const callback = args.find((arg) => typeof arg === 'function');
  const port = Number(process.env.FC_SERVER_PORT);
  return listen.call(this, { port, host: '127.0.0.1' }, callback);
};
";

impl Setup {
    /// Prepares and measures each of [`WEB_APPS`].
    pub(crate) async fn webapps(&self, root: &Path) -> anyhow::Result<Vec<Figures>> {
        let mut figures = Vec::new();
        for app in WEB_APPS {
            figures.push(self.webapp(root, app).await?);
        }
        Ok(figures)
    }

    async fn webapp(&self, root: &Path, app: &'static WebApp) -> anyhow::Result<Figures> {
        let example = root.join("examples").join(app.example);
        let name = app.name.to_lowercase();
        eprintln!("preparing {} natively…", app.name);
        let (native, native_runtime) = self.native_app(
            app.native,
            &example,
            &self.scratch.join(format!("{name}-native")),
        )?;
        eprintln!("building {} with fcwasm…", app.name);
        let ours = self.built_app(&example, &self.scratch.join(format!("{name}-wasm")))?;
        eprintln!("measuring {} cold starts…", app.name);
        let cold = cold_starts([&native, &ours]).await?;
        let servers = [Server::start(&native)?, Server::start(&ours)?];
        let mut connection = [None, None];
        for (header, server) in connection.iter_mut().zip(&servers) {
            *header = connection_header(server).await?;
        }
        let (mut loads, mut cpu_c32) = (Vec::new(), [0.0; 2]);
        for connections in CONNECTIONS {
            eprintln!("measuring {} GET / at c{connections}…", app.name);
            let before = [servers[0].cpu_time()?, servers[1].cpu_time()?];
            loads.push(self.compare_running(&servers, &get(connections))?.into());
            // Each server is loaded for its warm-up and its rounds (wrk runs 1 s at least).
            let second = Duration::from_secs(1);
            let loaded = self.warmup.max(second) + self.duration.max(second) * ROUNDS as u32;
            for (side, server) in servers.iter().enumerate() {
                let used = server.cpu_time()?.saturating_sub(before[side]);
                cpu_c32[side] = used.as_secs_f64() / loaded.as_secs_f64();
            }
        }
        let toolchain = LANGUAGES
            .iter()
            .find(|l| l.name == app.language)
            .map_or("", |l| l.toolchain);
        Ok(Figures {
            app,
            native_runtime,
            toolchain,
            cold,
            loads,
            cpu_c32,
            rss_mib: [servers[0].peak_rss_mib()?, servers[1].peak_rss_mib()?],
            connection,
        })
    }

    /// A scratch copy of `example` in `dir`, made ready to run natively, as a spec on a
    /// free port, and the runtime's versions.
    fn native_app(
        &self,
        native: Native,
        example: &Path,
        dir: &Path,
    ) -> anyhow::Result<(Spec, String)> {
        copy_dir(example, dir)?;
        let port = free_port()?;
        let port_text = port.to_string();
        match native {
            Native::Node => {
                run(Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund"])
                    .current_dir(dir))?;
                let shim = dir.join("listen-on-fc-server-port.js");
                std::fs::write(&shim, LISTEN_SHIM)?;
                let (shim, index) = (path_text(&shim), path_text(&dir.join("index.js")));
                let spec = Spec::new("node", Path::new("node"), &["-r", &shim, &index])
                    .env("FC_SERVER_PORT", &port_text)
                    .on_port(port);
                Ok((
                    spec,
                    format!("Node.js {}", first_line("node", &["--version"])),
                ))
            }
            Native::Werkzeug => {
                let venv = dir.join("venv");
                run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
                let python = venv.join("bin/python");
                run(Command::new(&python)
                    .args(["-m", "pip", "install", "-q", "-r", "requirements.txt"])
                    .current_dir(dir))?;
                let index = path_text(&dir.join("index.py"));
                let args = ["-m", "flask", "--app", &index, "run"];
                let listen = ["--host", "127.0.0.1", "--port", &port_text];
                let spec = Spec::new("flask", &python, &[&args[..], &listen].concat())
                    .env("FC_SERVER_PORT", &port_text)
                    .on_port(port);
                let versions = "import sys, importlib.metadata as m; print('CPython', \
                                sys.version.split()[0] + ', Flask', m.version('flask') + \
                                ', Werkzeug', m.version('werkzeug'))";
                let runtime = first_line(&path_text(&python), &["-c", versions]);
                Ok((spec, runtime))
            }
        }
    }

    /// A scratch copy of `example` in `dir` built by `fcwasm build`, then precompiled
    /// by `fcwasm compile` (as `fcwasm package` ships it), as bootstrap's spec.
    fn built_app(&self, example: &Path, dir: &Path) -> anyhow::Result<Spec> {
        copy_dir(example, dir)?;
        let module = dir.join("handler.wasm");
        run(Command::new(&self.fcwasm)
            .arg("build")
            .arg(dir)
            .arg("--cache-dir")
            .arg(dir.with_extension("compiled")))?;
        run(Command::new(&self.fcwasm).arg("compile").arg(&module))?;
        self.bootstrap(&path_text(&module), &[])
    }
}

/// The `connection` header of `server`'s answer to `GET /`, checking it is a 200.
async fn connection_header(server: &Server) -> anyhow::Result<Option<String>> {
    let response = Connection::open(server.addr)
        .await?
        .send(get_with("/", platform::HTTP))
        .await?;
    anyhow::ensure!(
        response.status() == 200,
        "`GET /` answered {}",
        response.status()
    );
    Ok(response
        .headers()
        .get("connection")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()))
}

/// Cold starts of both sides, [`COLD_RUNS`] each, alternating which goes first.
async fn cold_starts(specs: Sides<&Spec>) -> anyhow::Result<Sides<Duration>> {
    let mut samples = [Vec::new(), Vec::new()];
    for round in 0..COLD_RUNS {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for side in order {
            let request = get_with("/", platform::HTTP);
            samples[side].push(first_answer(specs[side], request).await?);
        }
    }
    Ok(samples.map(median))
}

/// Copies the folder `from` to `to` (replacing it).
fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to)?;
    run(Command::new("cp").arg("-R").arg(from.join(".")).arg(to))
}

fn path_text(path: &Path) -> String {
    path.display().to_string()
}

/// The first line `program args…` prints, trimmed (empty if it cannot run).
pub(crate) fn first_line(program: &str, args: &[&str]) -> String {
    Command::new(PathBuf::from(program))
        .args(args)
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_string()
        })
        .unwrap_or_default()
}
