//! FC's log line formats (fc-protocol.md §6): the Start/End markers the platform cuts
//! per-request logs by, and `<UTC time>: <request id> [<LEVEL>]  <message>` records.

use std::fmt::Write as _;
use std::time::SystemTime;

/// Which platform call a Start/End marker frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// `FC Invoke Start/End` (event and HTTP invocations).
    Invoke,
    /// `FC Initialize Start/End`.
    Initialize,
    /// `FC PreFreeze Start/End`.
    PreFreeze,
    /// `FC PreStop Start/End`.
    PreStop,
}

impl Phase {
    fn label(self) -> &'static str {
        match self {
            Phase::Invoke => "Invoke",
            Phase::Initialize => "Initialize",
            Phase::PreFreeze => "PreFreeze",
            Phase::PreStop => "PreStop",
        }
    }
}

/// A Start or End marker line, formatted where it is written (no intermediate string
/// on the per-call path): `FC Invoke Start RequestId: <id>\n`, `FC Invoke End
/// RequestId: <id>\n`, or with `, Error: <kind>` after a failure, as FC's Go runtime
/// writes it.
#[derive(Clone, Copy, Debug)]
pub struct Marker<'a> {
    phase: Phase,
    request_id: &'a str,
    end: Option<Option<&'a str>>,
}

impl<'a> Marker<'a> {
    /// The Start line of `phase`.
    pub fn start(phase: Phase, request_id: &'a str) -> Self {
        Marker {
            phase,
            request_id,
            end: None,
        }
    }

    /// The End line of `phase`, naming the failure if there was one.
    pub fn end(phase: Phase, request_id: &'a str, error: Option<&'a str>) -> Self {
        Marker {
            phase,
            request_id,
            end: Some(error),
        }
    }
}

impl Marker<'_> {
    /// Appends the line to `out` (plain byte copies: this runs twice per call).
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"FC ");
        out.extend_from_slice(self.phase.label().as_bytes());
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

/// `FC Invoke Start RequestId: <id>\n` and its siblings, as a string.
pub fn start_line(phase: Phase, request_id: &str) -> String {
    Marker::start(phase, request_id).to_string()
}

/// `FC Invoke End RequestId: <id>\n` (with `, Error: <kind>` after a failure).
pub fn end_line(phase: Phase, request_id: &str, error: Option<&str>) -> String {
    Marker::end(phase, request_id, error).to_string()
}

/// Appends one log record, `2006-01-02T15:04:05.999Z: <id> [INFO]  <message>\n`, to
/// `out`. Line breaks inside the message are kept: one record may span lines.
pub fn push_record(
    out: &mut Vec<u8>,
    at: SystemTime,
    request_id: &str,
    level: &str,
    message: &[u8],
) {
    let mut head = String::with_capacity(48 + request_id.len());
    // Writing into a String cannot fail.
    let _ = write!(
        head,
        "{}: {request_id} [{level}]  ",
        humantime::format_rfc3339_millis(at)
    );
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(message);
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn markers_match_the_platform() {
        assert_eq!(
            start_line(Phase::Invoke, "r1"),
            "FC Invoke Start RequestId: r1\n"
        );
        assert_eq!(
            end_line(Phase::Invoke, "r1", None),
            "FC Invoke End RequestId: r1\n"
        );
        assert_eq!(
            end_line(Phase::Invoke, "r1", Some("Unhandled function error")),
            "FC Invoke End RequestId: r1, Error: Unhandled function error\n"
        );
        assert_eq!(
            start_line(Phase::Initialize, "i"),
            "FC Initialize Start RequestId: i\n"
        );
        assert_eq!(
            end_line(Phase::PreFreeze, "f", None),
            "FC PreFreeze End RequestId: f\n"
        );
        assert_eq!(
            start_line(Phase::PreStop, "s"),
            "FC PreStop Start RequestId: s\n"
        );
    }

    #[test]
    fn record_has_utc_millis_time_id_and_level() {
        let at = UNIX_EPOCH + Duration::from_millis(1_136_214_245_999);
        let mut out = Vec::new();
        push_record(&mut out, at, "req-9", "INFO", b"hello");
        assert_eq!(out, b"2006-01-02T15:04:05.999Z: req-9 [INFO]  hello\n");
    }
}
