//! The table of one run: absolute figures, ratios to the native baseline, and each
//! target with whether it was met. Printed, and written into BENCHMARKS.md between
//! its result markers (the rest of the file, with the profile notes, is kept).

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;

use crate::scenarios::{Memory, Throughput};
use crate::wrk::Measured;

/// Everything one run measured.
#[derive(Debug)]
pub(crate) struct Results {
    /// Throughput rows.
    pub(crate) throughput: Vec<Throughput>,
    /// `wasmtime serve` at 64 B, c32, when it could be run.
    pub(crate) wasmtime_serve: Option<Measured>,
    /// Why `wasmtime serve` was not measured.
    pub(crate) wasmtime_missing: Option<String>,
    /// Cold starts: native, bootstrap compiling the `.wasm`, bootstrap mapping the `.cwasm`.
    pub(crate) cold: (Duration, Duration, Duration),
    /// Peak RSS.
    pub(crate) memory: Memory,
    /// Trapped-instance replacement, initializer included.
    pub(crate) replacement: Duration,
    /// File written to new version answering.
    pub(crate) hot_swap: Duration,
    /// How late a 1 s timeout fires.
    pub(crate) timeout_margin: Duration,
}

const START: &str = "<!-- results:start -->";
const END: &str = "<!-- results:end -->";

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn mark(met: bool) -> &'static str {
    if met { "yes" } else { "**no**" }
}

impl Results {
    fn row(&self, name: &str) -> Option<&Throughput> {
        self.throughput.iter().find(|row| row.name == name)
    }

    /// The results as Markdown: the figures, then the targets.
    pub(crate) fn markdown(&self, header: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{header}\n");
        self.figures(&mut out);
        self.targets(&mut out);
        out
    }

    fn figures(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "| measurement | native hyper | bootstrap | bootstrap / native |"
        );
        let _ = writeln!(out, "|---|---|---|---|");
        for row in &self.throughput {
            let (n, b) = (&row.native, &row.bootstrap);
            let _ = writeln!(
                out,
                "| {} | {:.0} req/s, p50 {}, p99 {}, {} errors | {:.0} req/s, p50 {}, p99 {}, {} errors | {:.2}× |",
                row.name,
                n.rps,
                us(n.p50),
                us(n.p99),
                n.errors,
                b.rps,
                us(b.p50),
                us(b.p99),
                b.errors,
                b.rps / n.rps
            );
        }
        match (&self.wasmtime_serve, &self.wasmtime_missing) {
            (Some(w), _) => {
                let _ = writeln!(
                    out,
                    "| `wasmtime serve` 48 (defaults), wasi:http echo 64 B, c32 | | {:.0} req/s, p50 {}, p99 {}, {} errors | |",
                    w.rps,
                    us(w.p50),
                    us(w.p99),
                    w.errors
                );
            }
            (None, Some(why)) => {
                let _ = writeln!(out, "| `wasmtime serve` | | not measured: {why} | |");
            }
            (None, None) => {}
        }
        let (native, wasm, cwasm) = self.cold;
        let _ = writeln!(
            out,
            "| cold start, exec to first `/invoke` (median of 10), `.wasm` | {} | {} | +{} |",
            ms(native),
            ms(wasm),
            ms(wasm.saturating_sub(native))
        );
        let _ = writeln!(
            out,
            "| cold start, with the precompiled `.cwasm` | {} | {} | +{} |",
            ms(native),
            ms(cwasm),
            ms(cwasm.saturating_sub(native))
        );
        let m = &self.memory;
        let _ = writeln!(
            out,
            "| peak RSS, one instance (echo from `.cwasm`, c1 load) | {:.1} MiB | {:.1} MiB | +{:.1} MiB |",
            m.native,
            m.bootstrap_one,
            m.bootstrap_one - m.native
        );
        let _ = writeln!(
            out,
            "| peak RSS, one instance, compiling the `.wasm` at start | {:.1} MiB | {:.1} MiB | +{:.1} MiB |",
            m.native,
            m.bootstrap_one_compiling,
            m.bootstrap_one_compiling - m.native
        );
        let _ = writeln!(
            out,
            "| peak RSS, 32 live instances (misbehave guest) | | {:.1} MiB (1 instance: {:.1} MiB) | {:.2} MiB per instance |",
            m.thirty_two,
            m.one_of_the_32_guest,
            m.per_instance()
        );
        let _ = writeln!(
            out,
            "| trapped-instance replacement, initializer included (median) | | {} | |",
            us(self.replacement)
        );
        let _ = writeln!(
            out,
            "| hot swap, file written → new version answering (median of 10) | | {} | |",
            ms(self.hot_swap)
        );
        let _ = writeln!(
            out,
            "| timeout margin: a busy loop past a 1 s timeout is stopped after (median of 5) | | {} | |",
            ms(self.timeout_margin)
        );
    }

    fn targets(&self, out: &mut String) {
        let _ = writeln!(out, "\n| target | measured | met |");
        let _ = writeln!(out, "|---|---|---|");
        let ratio = |name: &str| {
            self.row(name)
                .map(|r| r.bootstrap.rps / r.native.rps)
                .unwrap_or_default()
        };
        let c32 = ratio("invoke echo 64 B, c32");
        let _ = writeln!(
            out,
            "| `/invoke` echo 64 B, c32: ≥ 0.90× native | {c32:.2}× | {} |",
            mark(c32 >= 0.90)
        );
        if let (Some(w), Some(row)) = (&self.wasmtime_serve, self.row("invoke echo 64 B, c32")) {
            let times = row.bootstrap.rps / w.rps;
            let _ = writeln!(
                out,
                "| `/invoke` echo 64 B, c32: ≥ 5× `wasmtime serve` | {times:.1}× | {} |",
                mark(times >= 5.0)
            );
        }
        if let Some(row) = self.row("invoke echo 64 B, c1") {
            let extra = row.bootstrap.p50.saturating_sub(row.native.p50);
            let _ = writeln!(
                out,
                "| `/invoke` echo 64 B, c1: p50 ≤ native p50 + 10 µs | +{} | {} |",
                us(extra),
                mark(extra <= Duration::from_micros(10))
            );
        }
        let big = ratio("invoke echo 64 KiB, c32");
        let _ = writeln!(
            out,
            "| 64 KiB bodies, c32: ≥ 0.80× native | {big:.2}× | {} |",
            mark(big >= 0.80)
        );
        for (guest, row) in [
            ("http-hello", "HTTP function (http-hello POST) 64 B, c32"),
            ("http-echo", "HTTP function (http-echo) 64 B, c32"),
        ] {
            let http = ratio(row);
            let _ = writeln!(
                out,
                "| HTTP function ({guest}) 64 B, c32: ≥ 0.85× native | {http:.2}× | {} |",
                mark(http >= 0.85)
            );
        }
        let (native, _, cwasm) = self.cold;
        let extra = cwasm.saturating_sub(native);
        let _ = writeln!(
            out,
            "| cold start with `.cwasm`: ≤ native + 5 ms | +{} | {} |",
            ms(extra),
            mark(extra <= Duration::from_millis(5))
        );
        let rss = self.memory.bootstrap_one - self.memory.native;
        let _ = writeln!(
            out,
            "| peak RSS, one instance (`.cwasm`): ≤ native + 10 MB | +{rss:.1} MiB | {} |",
            mark(rss <= 10.0)
        );
        let _ = writeln!(
            out,
            "| peak RSS, 32 instances: MB per instance (stated) | {:.2} MiB | — |",
            self.memory.per_instance()
        );
        let _ = writeln!(
            out,
            "| trapped-instance replacement: ≤ 1 ms median | {} | {} |",
            us(self.replacement),
            mark(self.replacement <= Duration::from_millis(1))
        );
        let _ = writeln!(
            out,
            "| hot swap: ≤ 300 ms median | {} | {} |",
            ms(self.hot_swap),
            mark(self.hot_swap <= Duration::from_millis(300))
        );
    }
}

/// Replaces what lies between the result markers of `path` (or appends a section).
pub(crate) fn write_into(path: &Path, results: &str) -> anyhow::Result<()> {
    let existing = std::fs::read_to_string(path)
        .unwrap_or_else(|_| format!("# Benchmarks\n\n{START}\n{END}\n"));
    let (before, rest) = existing
        .split_once(START)
        .context("BENCHMARKS.md has no results:start marker")?;
    let (_, after) = rest
        .split_once(END)
        .context("BENCHMARKS.md has no results:end marker")?;
    let updated = format!("{before}{START}\n{results}\n{END}{after}");
    std::fs::write(path, updated).with_context(|| format!("cannot write `{}`", path.display()))
}
