//! The table of one run: absolute figures, ratios to the native baseline, and each
//! target with whether it was met. Printed, and written into BENCHMARKS.md between
//! its result markers (the rest of the file, with the profile notes, is kept).

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;

use crate::languages::{EngineFigures, LanguageFigures};
use crate::scenarios::{Baseline, Memory, Throughput};
use crate::wrk::Measured;

/// Everything one run measured.
#[derive(Debug)]
pub(crate) struct Results {
    /// Throughput rows.
    pub(crate) throughput: Vec<Throughput>,
    /// Why `wasmtime serve` was not measured.
    pub(crate) wasmtime_missing: Option<String>,
    /// Cold starts.
    pub(crate) cold: ColdStarts,
    /// Peak RSS.
    pub(crate) memory: Memory,
    /// Trapped-instance replacement, initializer included.
    pub(crate) replacement: Duration,
    /// File written to new version answering.
    pub(crate) hot_swap: Duration,
    /// How late a 1 s timeout fires.
    pub(crate) timeout_margin: Duration,
    /// Each language's example beside the Rust echo.
    pub(crate) languages: Vec<LanguageFigures>,
    /// The JavaScript engines on the bare echo.
    pub(crate) js_engines: Vec<EngineFigures>,
}

/// From exec to the first answered `/invoke`, medians.
#[derive(Debug)]
pub(crate) struct ColdStarts {
    /// The native baseline.
    pub(crate) native: Duration,
    /// bootstrap compiling the `.wasm`.
    pub(crate) wasm: Duration,
    /// bootstrap mapping the `.cwasm`.
    pub(crate) cwasm: Duration,
    /// The glibc build of bootstrap mapping the `.cwasm`.
    pub(crate) glibc_cwasm: Duration,
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

fn figures_of(m: &Measured) -> String {
    format!(
        "{:.0} req/s, p50 {}, p99 {}, {} errors",
        m.rps,
        us(m.p50),
        us(m.p99),
        m.errors
    )
}

impl Results {
    fn row(&self, name: &str, baseline: Baseline) -> Option<&Throughput> {
        self.throughput
            .iter()
            .find(|row| row.name == name && row.baseline == baseline)
    }

    /// bootstrap's throughput over the baseline's in a row (0 when not measured).
    fn ratio(&self, name: &str, baseline: Baseline) -> f64 {
        self.row(name, baseline)
            .map(|r| r.bootstrap.rps / r.base.rps)
            .unwrap_or_default()
    }

    /// The results as Markdown: the figures, then the targets.
    pub(crate) fn markdown(&self, header: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{header}\n");
        self.throughput_table(&mut out);
        self.other_figures(&mut out);
        for language in &self.languages {
            self.language_table(language, &mut out);
        }
        engines_table(&self.js_engines, &mut out);
        self.targets(&mut out);
        out
    }

    fn throughput_table(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "| measurement | baseline | baseline's figures | bootstrap (static build) | bootstrap / baseline |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|");
        for row in &self.throughput {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {:.2}× |",
                row.name,
                row.baseline.label(),
                figures_of(&row.base),
                figures_of(&row.bootstrap),
                row.bootstrap.rps / row.base.rps
            );
        }
        if let Some(why) = &self.wasmtime_missing {
            let _ = writeln!(
                out,
                "| wasi:http component | `wasmtime serve` | not measured: {why} | | |"
            );
        }
    }

    fn language_table(&self, p: &LanguageFigures, out: &mut String) {
        let language = p.language;
        let _ = writeln!(
            out,
            "\n| {} (`examples/{}`, {}) | {} | Rust echo, same run |",
            language.name, language.example, language.toolchain, language.name
        );
        let _ = writeln!(out, "|---|---|---|");
        let rows = [
            (
                "`fcwasm build` (toolchain installed, requirements cached)".to_string(),
                format!("{:.1} s", p.build.as_secs_f64()),
                String::new(),
            ),
            (
                "component size".to_string(),
                megabytes(p.size_mb),
                String::new(),
            ),
            (
                "cold start compiling the `.wasm` (median of 3)".to_string(),
                ms(p.cold_compiling),
                ms(self.cold.wasm),
            ),
            (
                "cold start from the compile cache (median of 10)".to_string(),
                ms(p.cold_cached),
                String::new(),
            ),
            (
                "cold start from the packaged `.cwasm` (median of 10)".to_string(),
                ms(p.cold_packaged),
                ms(self.cold.cwasm),
            ),
            (
                "peak RSS, one instance, after a c1 load".to_string(),
                format!("{:.1} MiB", p.rss_mib),
                format!("{:.1} MiB", self.memory.bootstrap_one),
            ),
            (
                "`/invoke` 64 B, c32, FC's headers".to_string(),
                figures_of(&p.invoke_c32),
                format!(
                    "{} ({} = {:.2}× Rust)",
                    figures_of(&p.rust_invoke_c32),
                    language.name,
                    p.invoke_c32.rps / p.rust_invoke_c32.rps
                ),
            ),
        ];
        for (what, figure, rust) in rows {
            let _ = writeln!(out, "| {what} | {figure} | {rust} |");
        }
    }

    fn other_figures(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "\n| measurement | native hyper | bootstrap | difference |"
        );
        let _ = writeln!(out, "|---|---|---|---|");
        let c = &self.cold;
        for (what, time) in [
            (
                "cold start, exec to first `/invoke` (median of 10), compiling the `.wasm`",
                c.wasm,
            ),
            ("cold start, with the precompiled `.cwasm`", c.cwasm),
            ("cold start, glibc build, with the `.cwasm`", c.glibc_cwasm),
        ] {
            let _ = writeln!(
                out,
                "| {what} | {} | {} | +{} |",
                ms(c.native),
                ms(time),
                ms(time.saturating_sub(c.native))
            );
        }
        let m = &self.memory;
        for (what, rss) in [
            (
                "peak RSS, one instance (echo from `.cwasm`, c1 load)",
                m.bootstrap_one,
            ),
            (
                "peak RSS, one instance, compiling the `.wasm` at start",
                m.bootstrap_one_compiling,
            ),
            (
                "peak RSS, glibc build, one instance from `.cwasm`",
                m.glibc_one,
            ),
        ] {
            let _ = writeln!(
                out,
                "| {what} | {:.1} MiB | {rss:.1} MiB | +{:.1} MiB |",
                m.native,
                rss - m.native
            );
        }
        let _ = writeln!(
            out,
            "| peak RSS, 32 live instances (misbehave guest) | | {:.1} MiB (1 instance: {:.1} MiB) | {:.2} MiB per instance |",
            m.thirty_two,
            m.one_of_the_32_guest,
            m.per_instance()
        );
        for (what, value) in [
            (
                "trapped-instance replacement, initializer included (median)",
                us(self.replacement),
            ),
            (
                "hot swap, file written → new version answering (median of 10)",
                ms(self.hot_swap),
            ),
            (
                "timeout margin: a busy loop past a 1 s timeout is stopped after (median of 5)",
                ms(self.timeout_margin),
            ),
        ] {
            let _ = writeln!(out, "| {what} | | {value} | |");
        }
    }

    fn targets(&self, out: &mut String) {
        let _ = writeln!(out, "\n| target | measured | met |");
        let _ = writeln!(out, "|---|---|---|");
        let mut target = |what: &str, measured: String, met: bool| {
            let _ = writeln!(out, "| {what} | {measured} | {} |", mark(met));
        };
        let native = Baseline::Native;
        for (what, row, goal) in [
            (
                "`/invoke` echo 64 B, c32: ≥ 0.90× native",
                "invoke echo 64 B, c32",
                0.90,
            ),
            (
                "64 KiB bodies, c32: ≥ 0.80× native",
                "invoke echo 64 KiB, c32",
                0.80,
            ),
            (
                "HTTP function (http-hello) 64 B, c32: ≥ 0.85× native",
                "HTTP function (http-hello POST) 64 B, c32",
                0.85,
            ),
            (
                "HTTP function (http-echo) 64 B, c32: ≥ 0.70× native",
                "HTTP function (http-echo) 64 B, c32",
                0.70,
            ),
        ] {
            let ratio = self.ratio(row, native);
            target(what, format!("{ratio:.2}×"), ratio >= goal);
        }
        if let Some(row) = self.row("invoke echo 64 B, c1", native) {
            let extra = row.bootstrap.p50.saturating_sub(row.base.p50);
            target(
                "`/invoke` echo 64 B, c1: p50 ≤ native p50 + 10 µs",
                format!("+{}", us(extra)),
                extra <= Duration::from_micros(10),
            );
        }
        let reusing = self.ratio(
            "wasi:http component (echo) 64 B, c32",
            Baseline::WasmtimeServeReusing,
        );
        if reusing > 0.0 {
            target(
                "wasi:http component, c32: ≥ 2× `wasmtime serve` reusing instances",
                format!("{reusing:.2}×"),
                reusing >= 2.0,
            );
        }
        let c = &self.cold;
        let extra = c.cwasm.saturating_sub(c.native);
        target(
            "cold start with `.cwasm`: ≤ native + 3 ms",
            format!("+{}", ms(extra)),
            extra <= Duration::from_millis(3),
        );
        let rss = megabytes_of_mib(self.memory.bootstrap_one - self.memory.native);
        target(
            "peak RSS, one instance (`.cwasm`): ≤ native + 8 MB",
            format!("+{rss:.1} MB"),
            rss <= 8.0,
        );
        target(
            "trapped-instance replacement: ≤ 1 ms median",
            us(self.replacement),
            self.replacement <= Duration::from_millis(1),
        );
        target(
            "hot swap: ≤ 300 ms median",
            ms(self.hot_swap),
            self.hot_swap <= Duration::from_millis(300),
        );
        let glibc = self.ratio("static build: invoke echo 64 B, c32", Baseline::Glibc);
        let _ = writeln!(
            out,
            "| static build beside the glibc build, `/invoke` 64 B c32 (stated) | {glibc:.2}× | — |"
        );
    }
}

/// Replaces what lies between the result markers of `path` (or appends a section).
pub(crate) fn write_into(path: &Path, results: &str) -> anyhow::Result<()> {
    let existing = std::fs::read_to_string(path)
        .unwrap_or_else(|_| format!("# Benchmarks\n\n{START}\n{END}\n"));
    let updated = between(&existing, (START, END), results)
        .context("BENCHMARKS.md has no results:start and results:end markers")?;
    std::fs::write(path, updated).with_context(|| format!("cannot write `{}`", path.display()))
}

/// Writes `text` between the `markers` of `path`; when it has none, adds them under
/// `heading` after the main results (or at the end, or in a new file).
pub(crate) fn write_section(
    path: &Path,
    heading: &str,
    markers: (&str, &str),
    text: &str,
) -> anyhow::Result<()> {
    let existing = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n".into());
    let updated = between(&existing, markers, text).unwrap_or_else(|| {
        let (start, end) = markers;
        let section = format!("{heading}\n\n{start}\n{text}\n{end}");
        match existing.split_once(END) {
            Some((before, after)) => format!("{before}{END}\n\n{section}{after}"),
            None => format!("{}\n\n{section}\n", existing.trim_end()),
        }
    });
    std::fs::write(path, updated).with_context(|| format!("cannot write `{}`", path.display()))
}

/// `existing` with what lies between `markers` replaced by `text`, if it has them.
fn between(existing: &str, (start, end): (&str, &str), text: &str) -> Option<String> {
    let (before, rest) = existing.split_once(start)?;
    let (_, after) = rest.split_once(end)?;
    Some(format!("{before}{start}\n{text}\n{end}{after}"))
}

/// The JavaScript engines on the same bare echo (no SDK).
fn engines_table(engines: &[EngineFigures], out: &mut String) {
    let _ = writeln!(
        out,
        "\n| JavaScript engine, bare echo (no SDK) | size | `fcwasm compile` | cold start (`.cwasm`, median of 10) | peak RSS, c1 | `/invoke` 64 B, c32 |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for e in engines {
        let served = match &e.served {
            Ok(s) => format!(
                "{} | {:.1} MiB | {}",
                ms(s.cold),
                s.rss_mib,
                figures_of(&s.invoke_c32)
            ),
            Err(why) => format!("does not serve: `{}` | | ", why.replace('|', "\\|")),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} s | {served} |",
            e.engine,
            megabytes(e.size_mb),
            e.compile.as_secs_f64(),
        );
    }
}

/// MiB (2^20 bytes, as `/proc` counts) in MB (10^6 bytes, as the targets are set).
fn megabytes_of_mib(mib: f64) -> f64 {
    mib * 1.048_576
}

/// A size in MB, in KB below one MB (a C component is tens of KB).
fn megabytes(size_mb: f64) -> String {
    if size_mb < 1.0 {
        format!("{:.0} KB", size_mb * 1000.0)
    } else {
        format!("{size_mb:.1} MB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_target_is_counted_in_decimal_megabytes() {
        // 8 MiB is 8.39 MB: over a bound of 8 MB.
        assert!(megabytes_of_mib(8.0) > 8.0);
        assert!((megabytes_of_mib(8.0) - 8.388_608).abs() < 1e-9);
        assert!(megabytes_of_mib(7.6) <= 8.0);
    }

    #[test]
    fn a_section_is_added_after_the_results_then_replaced_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("BENCHMARKS.md");
        let main = format!("# Benchmarks\n\n## Results\n\n{START}\nmain\n{END}\n\n## Targets\n");
        std::fs::write(&path, &main).unwrap();
        let markers = ("<!-- w:start -->", "<!-- w:end -->");
        write_section(&path, "## Web", markers, "one").unwrap();
        let once = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            once,
            format!(
                "# Benchmarks\n\n## Results\n\n{START}\nmain\n{END}\n\n## Web\n\n\
                 <!-- w:start -->\none\n<!-- w:end -->\n\n## Targets\n"
            )
        );
        write_section(&path, "## Web", markers, "two").unwrap();
        let twice = std::fs::read_to_string(&path).unwrap();
        assert_eq!(twice, once.replace("\none\n", "\ntwo\n"));
        write_into(&path, "new main").unwrap();
        let main_again = std::fs::read_to_string(&path).unwrap();
        assert_eq!(main_again, twice.replace("\nmain\n", "\nnew main\n"));
    }
}
