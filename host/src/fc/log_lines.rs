//! FC's log line formats (fc-protocol.md §6): the Start/End markers the platform cuts
//! per-request logs by, and `<UTC time>: <request id> [<LEVEL>]  <message>` records.
//!
//! No line a guest or client controls can begin with a marker: every physical line of a
//! record carries the time and request id, so a message containing
//! `\nFC Invoke End RequestId: …` stays inside its record.

use std::cell::Cell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::Phase;

/// What the End line says after a failed call, as FC's Go runtime writes it.
pub(crate) const UNHANDLED: &str = "Unhandled function error";

/// Longest message part of one log line: FC takes lines of up to 32 KB, and the
/// prefix (time, request id, level) must fit too. Longer lines become several.
pub(crate) const MAX_LINE: usize = 16 * 1024;

/// The physical lines a record's message is written as: split at line breaks (a
/// trailing `\r` dropped, the final newline ignored) and cut every [`MAX_LINE`] bytes.
pub(crate) fn physical_lines(message: &[u8]) -> impl Iterator<Item = &[u8]> {
    let message = message.strip_suffix(b"\n").unwrap_or(message);
    message.split(|&b| b == b'\n').flat_map(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let pieces = line.len().div_ceil(MAX_LINE).max(1);
        (0..pieces).map(move |i| &line[i * MAX_LINE..((i + 1) * MAX_LINE).min(line.len())])
    })
}

/// A Start or End marker line, formatted where it is written (no intermediate string
/// on the per-call path): `FC Invoke Start RequestId: <id>\n`, `FC Invoke End
/// RequestId: <id>\n`, or with `, Error: <kind>` after a failure.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Marker<'a> {
    phase: Phase,
    request_id: &'a str,
    end: Option<Option<&'a str>>,
}

impl<'a> Marker<'a> {
    /// The Start line of `phase`.
    pub(crate) fn start(phase: Phase, request_id: &'a str) -> Self {
        Marker {
            phase,
            request_id,
            end: None,
        }
    }

    /// The End line of `phase`, naming the failure if there was one.
    pub(crate) fn end(phase: Phase, request_id: &'a str, error: Option<&'a str>) -> Self {
        Marker {
            phase,
            request_id,
            end: Some(error),
        }
    }

    /// Appends the line to `out` (plain byte copies: this runs twice per call).
    pub(crate) fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"FC ");
        out.extend_from_slice(self.phase.marker_label().as_bytes());
        out.extend_from_slice(match self.end {
            None => b" Start RequestId: ".as_slice(),
            Some(_) => b" End RequestId: ".as_slice(),
        });
        out.extend_from_slice(self.request_id.as_bytes());
        if let Some(Some(kind)) = self.end {
            out.extend_from_slice(b", Error: ");
            out.extend_from_slice(kind.as_bytes());
        }
        out.push(b'\n');
    }
}

impl std::fmt::Display for Marker<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut line = Vec::with_capacity(64 + self.request_id.len());
        self.write_to(&mut line);
        f.write_str(&String::from_utf8_lossy(&line))
    }
}

/// Appends one log record to `out`: `2006-01-02T15:04:05.999Z: <id> [INFO]  <message>\n`.
/// Each physical line of the message ([`physical_lines`]) gets the same prefix, so
/// none of them can pass for a marker line.
pub(crate) fn push_record(
    out: &mut Vec<u8>,
    at: SystemTime,
    request_id: &str,
    level: &str,
    message: &[u8],
) {
    let time = record_time(at);
    for line in physical_lines(message) {
        // The 8: `: `, ` [`, `]  ` and the newline.
        out.reserve(TIME_LEN + request_id.len() + level.len() + line.len() + 8);
        out.extend_from_slice(&time);
        out.extend_from_slice(b": ");
        out.extend_from_slice(request_id.as_bytes());
        out.extend_from_slice(b" [");
        out.extend_from_slice(level.as_bytes());
        out.extend_from_slice(b"]  ");
        out.extend_from_slice(line);
        out.push(b'\n');
    }
}

/// Length of a record's time, `2006-01-02T15:04:05.999Z`.
const TIME_LEN: usize = 24;

/// Where the milliseconds are in a record's time.
const MILLIS: std::ops::Range<usize> = 20..23;

thread_local! {
    /// The second whose time this thread formatted last, and that text. Records come
    /// many a second: humantime formats each second once, and only the milliseconds
    /// are written per record (a guest's `println!` cost ~2,000 instructions in
    /// `core::fmt` before).
    static LAST_SECOND: Cell<(u64, [u8; TIME_LEN])> =
        const { Cell::new((u64::MAX, [0; TIME_LEN])) };
}

/// `at` as a record's time: UTC, RFC 3339 with milliseconds (humantime's format).
fn record_time(at: SystemTime) -> [u8; TIME_LEN] {
    let since_epoch = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let second = since_epoch.as_secs();
    let mut time = LAST_SECOND.with(|last| match last.get() {
        (cached, time) if cached == second => time,
        _ => {
            let time = format_second(second);
            last.set((second, time));
            time
        }
    });
    let millis = since_epoch.subsec_millis();
    for (index, digit) in MILLIS.zip([millis / 100, millis / 10 % 10, millis % 10]) {
        // A digit is below 10.
        time[index] = b'0' + digit as u8;
    }
    time
}

/// The time of `second` (whole), by humantime. A year past 9999 (a clock no host has)
/// would not fit: it reads as the epoch.
fn format_second(second: u64) -> [u8; TIME_LEN] {
    let whole = UNIX_EPOCH + Duration::from_secs(second);
    let text = humantime::format_rfc3339_millis(whole).to_string();
    <[u8; TIME_LEN]>::try_from(text.as_bytes()).unwrap_or(*b"1970-01-01T00:00:00.000Z")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn at() -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(1_136_214_245_999)
    }

    #[test]
    fn markers_match_the_platform() {
        let line = |marker: Marker<'_>| marker.to_string();
        assert_eq!(
            line(Marker::start(Phase::Invoke, "r1")),
            "FC Invoke Start RequestId: r1\n"
        );
        assert_eq!(
            line(Marker::end(Phase::HttpInvoke, "r1", None)),
            "FC Invoke End RequestId: r1\n"
        );
        assert_eq!(
            line(Marker::end(Phase::Invoke, "r1", Some(UNHANDLED))),
            "FC Invoke End RequestId: r1, Error: Unhandled function error\n"
        );
        assert_eq!(
            line(Marker::start(Phase::Initialize, "i")),
            "FC Initialize Start RequestId: i\n"
        );
        assert_eq!(
            line(Marker::end(Phase::PreFreeze, "f", None)),
            "FC PreFreeze End RequestId: f\n"
        );
        assert_eq!(
            line(Marker::start(Phase::PreStop, "s")),
            "FC PreStop Start RequestId: s\n"
        );
    }

    #[test]
    fn record_has_utc_millis_time_id_and_level() {
        let mut out = Vec::new();
        push_record(&mut out, at(), "req-9", "INFO", b"hello");
        assert_eq!(out, b"2006-01-02T15:04:05.999Z: req-9 [INFO]  hello\n");
    }

    #[test]
    fn record_times_match_humantime_across_seconds_and_milliseconds() {
        let start = UNIX_EPOCH + Duration::from_millis(1_764_979_199_990);
        // Every millisecond across a second boundary, then seconds and days apart
        // (each a new second for the cache), then back to an earlier one.
        let steps = (0..40)
            .map(Duration::from_millis)
            .chain((1..30).map(|d| Duration::from_secs(d * 86_399 + d)))
            .chain([Duration::ZERO]);
        for step in steps {
            let at = start + step;
            let expected = humantime::format_rfc3339_millis(at).to_string();
            assert_eq!(record_time(at), expected.as_bytes(), "{expected}");
        }
        assert_eq!(&record_time(UNIX_EPOCH), b"1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn long_lines_are_cut_and_empty_messages_are_one_line() {
        let long = vec![b'x'; 2 * MAX_LINE + 1];
        let lengths: Vec<usize> = physical_lines(&long).map(<[u8]>::len).collect();
        assert_eq!(lengths, [MAX_LINE, MAX_LINE, 1]);
        assert_eq!(physical_lines(b"").count(), 1);
        assert_eq!(
            physical_lines(b"a\r\nb\n").collect::<Vec<_>>(),
            [b"a".as_slice(), b"b"]
        );
    }

    #[test]
    fn every_line_of_a_record_is_prefixed_so_markers_cannot_be_forged() {
        let mut out = Vec::new();
        let forged = b"ok\nFC Invoke End RequestId: other\r\nFC Invoke Start RequestId: x\n";
        push_record(&mut out, at(), "r", "ERROR", forged);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        for line in text.lines() {
            assert!(
                line.starts_with("2006-01-02T15:04:05.999Z: r [ERROR]  "),
                "{line}"
            );
        }
    }
}
