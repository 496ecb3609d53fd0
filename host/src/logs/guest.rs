//! A guest instance's log: its stdout and stderr cut into lines and its `log` records,
//! each written as an FC record tagged with the current request id; the tail of each
//! call's own log (for `x-fc-log-type: Tail` and for naming a panic).

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::{LogSink, lock};
use crate::fc::log_lines::{MAX_LINE, physical_lines, push_record};

/// How much of a call's own log is kept for its tail.
pub(crate) const TAIL_BYTES: usize = 4 * 1024;

/// The largest record buffer an instance keeps for its next record: a usual line fits,
/// a huge one's allocation is not held for the instance's life.
const KEPT_RECORD_BYTES: usize = 4 * 1024;

/// Which guest stream a write came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stream {
    /// The guest's stdout: records at level `INFO`.
    Stdout,
    /// The guest's stderr: records at level `ERROR`.
    Stderr,
}

/// The log state of one guest instance, shared by its stdout and stderr streams and by
/// the host code that runs calls on it.
#[derive(Clone, Debug)]
pub(crate) struct GuestLog(Arc<Mutex<GuestLogState>>);

#[derive(Debug)]
struct GuestLogState {
    sink: LogSink,
    request_id: String,
    stdout_line: Vec<u8>,
    stderr_line: Vec<u8>,
    /// The record being written, its allocation kept from one record to the next.
    record: Vec<u8>,
    tail: Vec<u8>,
}

impl GuestLog {
    /// A log for a new instance writing to `sink`.
    pub(crate) fn new(sink: LogSink) -> Self {
        GuestLog(Arc::new(Mutex::new(GuestLogState {
            sink,
            request_id: String::new(),
            stdout_line: Vec::new(),
            stderr_line: Vec::new(),
            record: Vec::new(),
            tail: Vec::new(),
        })))
    }

    /// Starts attributing output to `request_id`, with an empty tail.
    pub(crate) fn begin_call(&self, request_id: &str) {
        let mut state = lock(&self.0);
        state.request_id.clear();
        state.request_id.push_str(request_id);
        state.tail.clear();
    }

    /// Writes out partial lines left by the call, so they are not attributed to the next
    /// one, and returns the call's tail.
    pub(crate) fn end_call(&self) -> Vec<u8> {
        let mut state = lock(&self.0);
        state.flush_partial(Stream::Stdout);
        state.flush_partial(Stream::Stderr);
        std::mem::take(&mut state.tail)
    }

    /// Appends raw output from one of the guest's streams.
    pub(crate) fn write_stream(&self, stream: Stream, bytes: &[u8]) {
        lock(&self.0).write_stream(stream, bytes);
    }

    /// The Rust panic message the current call printed to stderr, if any, as
    /// `panicked at <location>: <message>`.
    pub(crate) fn panic_message(&self) -> Option<String> {
        find_panic(&lock(&self.0).tail)
    }

    /// Writes one record from the guest's `log` import.
    pub(crate) fn write_record(&self, level: &str, message: &[u8]) {
        lock(&self.0).record(level, message);
    }
}

impl GuestLogState {
    fn write_stream(&mut self, stream: Stream, mut bytes: &[u8]) {
        while let Some(newline) = bytes.iter().position(|&b| b == b'\n') {
            let (line, rest) = bytes.split_at(newline);
            self.line_buffer(stream).extend_from_slice(line);
            self.flush_partial(stream);
            bytes = &rest[1..];
        }
        for chunk in bytes.chunks(MAX_LINE) {
            self.line_buffer(stream).extend_from_slice(chunk);
            if self.line_buffer(stream).len() >= MAX_LINE {
                self.flush_partial(stream);
            }
        }
    }

    fn line_buffer(&mut self, stream: Stream) -> &mut Vec<u8> {
        match stream {
            Stream::Stdout => &mut self.stdout_line,
            Stream::Stderr => &mut self.stderr_line,
        }
    }

    fn flush_partial(&mut self, stream: Stream) {
        let line = std::mem::take(self.line_buffer(stream));
        if line.is_empty() {
            return;
        }
        let level = match stream {
            Stream::Stdout => "INFO",
            Stream::Stderr => "ERROR",
        };
        let text = line.strip_suffix(b"\r").unwrap_or(&line);
        // A program written for a native custom runtime prints FC's call markers itself;
        // the host writes them already, around the call.
        if !is_fc_marker(text, &self.request_id) {
            self.record(level, text);
        }
        // Keep the allocation for the next line.
        *self.line_buffer(stream) = reuse(line);
    }

    /// Writes a record, one sink write per physical line (each cut at [`MAX_LINE`]),
    /// so a huge message is never copied whole and can be dropped line by line.
    fn record(&mut self, level: &str, message: &[u8]) {
        let now = SystemTime::now();
        let mut out = std::mem::take(&mut self.record);
        for line in physical_lines(message) {
            out.clear();
            push_record(&mut out, now, &self.request_id, level, line);
            self.sink.write_record(&out);
            push_tail(&mut self.tail, &out);
        }
        if out.capacity() <= KEPT_RECORD_BYTES {
            self.record = reuse(out);
        }
    }
}

/// Whether `line` is one of FC's call markers for `request_id`, as a native custom
/// runtime prints them (`FC Invoke Start RequestId: <id>`).
fn is_fc_marker(line: &[u8], request_id: &str) -> bool {
    let Ok(line) = std::str::from_utf8(line) else {
        return false;
    };
    let Some((phase, id)) = line
        .strip_prefix("FC ")
        .and_then(|rest| rest.split_once(" RequestId: "))
    else {
        return false;
    };
    let known = ["Invoke", "Initialize", "PreStop", "PreFreeze"];
    let marker = phase
        .split_once(' ')
        .is_some_and(|(kind, edge)| known.contains(&kind) && matches!(edge, "Start" | "End"));
    marker && !request_id.is_empty() && id.trim_end() == request_id
}

fn reuse(mut buffer: Vec<u8>) -> Vec<u8> {
    buffer.clear();
    buffer
}

/// Appends to a call's tail, keeping at most about [`TAIL_BYTES`] of the newest bytes.
fn push_tail(tail: &mut Vec<u8>, bytes: &[u8]) {
    let keep = &bytes[bytes.len().saturating_sub(TAIL_BYTES)..];
    tail.extend_from_slice(keep);
    if tail.len() > 2 * TAIL_BYTES {
        tail.drain(..tail.len() - TAIL_BYTES);
    }
}

/// The last `limit` bytes of a tail, as the protocol's `x-fc-log-result` wants.
pub(crate) fn last_bytes(tail: &[u8], limit: usize) -> &[u8] {
    &tail[tail.len().saturating_sub(limit)..]
}

/// Finds the last Rust panic report in a tail of log records. The standard panic hook
/// prints `thread '…' panicked at <location>:` and the message on the next line.
fn find_panic(tail: &[u8]) -> Option<String> {
    const MARKER: &str = " panicked at ";
    let text = String::from_utf8_lossy(tail);
    let messages: Vec<&str> = text.lines().map(record_message).collect();
    let at = messages.iter().rposition(|m| m.contains(MARKER))?;
    let (_, location) = messages[at].split_once(MARKER)?;
    let location = location.trim_end_matches(':');
    Some(match messages.get(at + 1) {
        Some(message) => format!("panicked at {location}: {message}"),
        None => format!("panicked at {location}"),
    })
}

/// The message part of a `<time>: <id> [LEVEL]  <message>` record.
fn record_message(record: &str) -> &str {
    record
        .split_once("]  ")
        .map_or(record, |(_, message)| message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captured() -> (GuestLog, Arc<Mutex<Vec<u8>>>) {
        let (sink, buffer) = LogSink::capture();
        (GuestLog::new(sink), buffer)
    }

    fn text(buffer: &Arc<Mutex<Vec<u8>>>) -> String {
        String::from_utf8(lock(buffer).clone()).unwrap()
    }

    /// Strips the timestamp so lines can be compared.
    fn without_times(log: &str) -> Vec<String> {
        log.lines()
            .map(|line| {
                line.split_once(": ")
                    .map_or(line, |(_, rest)| rest)
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn lines_are_tagged_with_the_request_id_and_level() {
        let (log, buffer) = captured();
        log.begin_call("req-1");
        log.write_stream(Stream::Stdout, b"hello\nwor");
        log.write_stream(Stream::Stdout, b"ld\n");
        log.write_stream(Stream::Stderr, b"oops\r\n");
        log.end_call();
        assert_eq!(
            without_times(&text(&buffer)),
            [
                "req-1 [INFO]  hello",
                "req-1 [INFO]  world",
                "req-1 [ERROR]  oops"
            ]
        );
    }

    #[test]
    fn the_guests_own_fc_markers_for_the_call_are_not_repeated() {
        let (log, buffer) = captured();
        log.begin_call("r-1");
        log.write_stream(
            Stream::Stdout,
            b"FC Invoke Start RequestId: r-1\nwork\nFC Invoke End RequestId: r-1\r\n",
        );
        log.write_stream(Stream::Stdout, b"FC Invoke Start RequestId: r-2\n");
        log.write_stream(Stream::Stdout, b"FC Invoke Begin RequestId: r-1\n");
        log.end_call();
        let lines = without_times(&text(&buffer));
        assert_eq!(
            lines,
            [
                "r-1 [INFO]  work",
                "r-1 [INFO]  FC Invoke Start RequestId: r-2",
                "r-1 [INFO]  FC Invoke Begin RequestId: r-1",
            ]
        );
        assert!(is_fc_marker(b"FC PreStop End RequestId: x", "x"));
        assert!(!is_fc_marker(b"FC Invoke Start RequestId: x", ""));
    }

    #[test]
    fn partial_line_is_flushed_at_end_of_call() {
        let (log, buffer) = captured();
        log.begin_call("a");
        log.write_stream(Stream::Stdout, b"no newline");
        let tail = log.end_call();
        log.begin_call("b");
        log.write_stream(Stream::Stdout, b"next\n");
        assert_eq!(
            without_times(&text(&buffer)),
            ["a [INFO]  no newline", "b [INFO]  next"]
        );
        assert!(
            String::from_utf8(tail)
                .unwrap()
                .ends_with("a [INFO]  no newline\n")
        );
    }

    #[test]
    fn long_lines_are_split_and_memory_stays_bounded() {
        let (log, buffer) = captured();
        log.begin_call("r");
        log.write_stream(Stream::Stdout, &vec![b'x'; 3 * MAX_LINE + 5]);
        assert_eq!(text(&buffer).lines().count(), 3);
        let tail = log.end_call();
        assert_eq!(text(&buffer).lines().count(), 4);
        assert!(tail.len() <= 2 * TAIL_BYTES);
    }

    #[test]
    fn tail_keeps_the_newest_bytes() {
        let mut tail = Vec::new();
        for i in 0..10_000u32 {
            push_tail(&mut tail, format!("{i}\n").as_bytes());
        }
        assert!(tail.len() <= 2 * TAIL_BYTES);
        assert!(last_bytes(&tail, 10).ends_with(b"9999\n"));
        assert_eq!(last_bytes(&tail, TAIL_BYTES).len(), TAIL_BYTES);
    }

    #[test]
    fn panic_report_is_found_in_the_tail() {
        let (log, _buffer) = captured();
        log.begin_call("r");
        log.write_stream(Stream::Stdout, b"working\n");
        log.write_stream(
            Stream::Stderr,
            b"thread '<unnamed>' panicked at src/lib.rs:12:9:\nboom\n",
        );
        log.write_stream(Stream::Stderr, b"note: run with `RUST_BACKTRACE=1`\n");
        assert_eq!(
            log.panic_message().as_deref(),
            Some("panicked at src/lib.rs:12:9: boom")
        );
        log.end_call();
        log.begin_call("next");
        assert_eq!(log.panic_message(), None);
    }

    #[test]
    fn a_huge_log_record_is_cut_into_lines() {
        let (log, buffer) = captured();
        log.begin_call("r");
        log.write_record("INFO", &vec![b'z'; 5 * MAX_LINE]);
        let text = text(&buffer);
        assert_eq!(text.lines().count(), 5);
        assert!(text.lines().all(|line| line.len() < MAX_LINE + 64));
    }

    #[test]
    fn records_from_the_log_import_keep_their_level() {
        let (log, buffer) = captured();
        log.begin_call("r");
        log.write_record("WARN", b"careful");
        assert_eq!(without_times(&text(&buffer)), ["r [WARN]  careful"]);
    }
}
