//! The table of `bench webapps`: each app's figures natively and through bootstrap,
//! with the ratio, and notes on what the two sides do differently (a server that closes
//! every connection, errors). Printed, and written into BENCHMARKS.md between markers
//! of its own, under a heading of its own.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use crate::report;
use crate::webapps::{COLD_RUNS, CONNECTIONS, Figures, Sides};

/// The section's heading in BENCHMARKS.md.
const HEADING: &str = "## Web apps: native runtime against bootstrap";
/// Its markers.
const MARKERS: (&str, &str) = ("<!-- webapps:start -->", "<!-- webapps:end -->");

/// Writes `table` into the section of `path`.
pub(crate) fn write_into(path: &Path, table: &str) -> anyhow::Result<()> {
    report::write_section(path, HEADING, MARKERS, table)
}

/// The run's header, the table and its notes.
pub(crate) fn markdown(figures: &[Figures], header: &str) -> String {
    let mut out = format!("{header}\n\n");
    let _ = writeln!(
        out,
        "| app, measure | native | bootstrap | bootstrap / native |"
    );
    let _ = writeln!(out, "|---|---|---|---|");
    for app in figures {
        let _ = writeln!(
            out,
            "| **{}** (`examples/{}`): {} against {} | | | |",
            app.app.name, app.app.example, app.native_runtime, app.toolchain
        );
        let cold = format!("cold start, exec to first `GET /` answered (median of {COLD_RUNS})");
        row(&mut out, &cold, app.cold.map(ms), ratio(app.cold.map(secs)));
        for (connections, load) in CONNECTIONS.iter().zip(&app.loads) {
            let rps = load.map(|m| m.rps);
            let throughput = load.map(|m| match m.errors {
                0 => format!("{:.0} req/s", m.rps),
                errors => format!("{:.0} req/s ({errors} errors)", m.rps),
            });
            row(
                &mut out,
                &format!("`GET /` c{connections}: throughput"),
                throughput,
                ratio(rps),
            );
            for (name, values) in [("p50", load.map(|m| m.p50)), ("p99", load.map(|m| m.p99))] {
                row(
                    &mut out,
                    &format!("`GET /` c{connections}: {name}"),
                    values.map(ms),
                    ratio(values.map(secs)),
                );
            }
        }
        let cpu = app.cpu_c32.map(|share| format!("{:.0}%", share * 100.0));
        row(
            &mut out,
            "server CPU time per second of its c32 rounds (100%: CPU 0 busy)",
            cpu,
            ratio(app.cpu_c32),
        );
        let rss = app.rss_mib.map(|mib| format!("{mib:.1} MiB"));
        row(
            &mut out,
            "peak RSS after the loads (VmHWM)",
            rss,
            ratio(app.rss_mib),
        );
    }
    notes(figures, &mut out);
    out
}

fn row(out: &mut String, name: &str, values: Sides<String>, ratio: String) {
    let [native, bootstrap] = values;
    let _ = writeln!(out, "| {name} | {native} | {bootstrap} | {ratio} |");
}

/// What differs between the sides, besides the runtime.
fn notes(figures: &[Figures], out: &mut String) {
    out.push_str(
        "\n- Requests are `GET /` with FC's HTTP-function headers (`x-fc-request-id`, \
         `x-fc-function-name`, `x-fc-function-memory`, `x-fc-function-timeout`, the STS \
         token, …) on keep-alive connections. bootstrap serves each concurrent call with an \
         instance of its own (up to 32); Node.js serves all from one event loop, Werkzeug \
         with a thread per connection.\n\
         - The native Express listens on 127.0.0.1 through a preloaded shim of \
         `net.Server.listen` (the seed hard-codes `app.listen(9000, '0.0.0.0')`); through \
         bootstrap, `app.listen` registers the app as the HTTP handler whatever its port.\n",
    );
    for app in figures {
        for (side, header) in ["natively", "through bootstrap"]
            .iter()
            .zip(&app.connection)
        {
            if header
                .as_deref()
                .is_some_and(|h| h.eq_ignore_ascii_case("close"))
            {
                let _ = writeln!(
                    out,
                    "- {} {side} answers `Connection: close`: wrk opens a new connection for \
                     every request{}.",
                    app.app.name,
                    if *side == "natively" {
                        " (Werkzeug's development server closes each one)"
                    } else {
                        ""
                    }
                );
            }
        }
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn ms(d: Duration) -> String {
    match d.as_secs_f64() * 1e3 {
        ms if ms < 1.0 => format!("{:.0} µs", ms * 1e3),
        ms => format!("{ms:.1} ms"),
    }
}

/// bootstrap / native, `2.50×`.
fn ratio([native, bootstrap]: Sides<f64>) -> String {
    if native > 0.0 {
        format!("{:.2}×", bootstrap / native)
    } else {
        "—".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webapps::WEB_APPS;
    use crate::wrk::Measured;

    #[test]
    fn a_table_has_a_row_per_measure_and_the_ratios() {
        let measured = |rps, p50| Measured {
            rps,
            p50: Duration::from_micros(p50),
            p99: Duration::from_micros(p50 * 3),
            errors: 0,
        };
        let figures = Figures {
            app: &WEB_APPS[1],
            native_runtime: "CPython 3.11.7, Flask 3.1.2, Werkzeug 3.1.9".into(),
            toolchain: "componentize-py 0.25.1",
            cold: [Duration::from_millis(300), Duration::from_millis(30)],
            loads: vec![
                [measured(1000.0, 800), measured(2000.0, 400)],
                [measured(1000.0, 3000), measured(500.0, 6000)],
            ],
            cpu_c32: [1.0, 0.5],
            rss_mib: [40.0, 100.0],
            connection: [Some("close".into()), None],
        };
        let table = markdown(&[figures], "header");
        assert!(table.starts_with("header\n\n| app, measure |"), "{table}");
        assert!(table.contains("| cold start, exec to first `GET /` answered (median of 10) | 300.0 ms | 30.0 ms | 0.10× |"), "{table}");
        assert!(
            table.contains("| `GET /` c8: throughput | 1000 req/s | 2000 req/s | 2.00× |"),
            "{table}"
        );
        assert!(
            table.contains("| `GET /` c32: p99 | 9.0 ms | 18.0 ms | 2.00× |"),
            "{table}"
        );
        assert!(
            table.contains("| `GET /` c8: p50 | 800 µs | 400 µs | 0.50× |"),
            "{table}"
        );
        assert!(table.contains("| 100% | 50% | 0.50× |"), "{table}");
        assert!(
            table.contains("| 40.0 MiB | 100.0 MiB | 2.50× |"),
            "{table}"
        );
        assert!(
            table.contains("- Flask natively answers `Connection: close`"),
            "{table}"
        );
        assert!(!table.contains("through bootstrap answers"), "{table}");
    }
}
