//! The FC log frame of one call: the Start line when the call begins, the End line
//! exactly once when it ends (on every path: success, failure, cancellation), an
//! `ERROR` record before it when the call failed, and the framed log for
//! `x-fc-log-type: Tail` when the client asked for it.

use std::time::SystemTime;

use crate::body::HostResponse;
use crate::call::Outcome;
use crate::error::HostError;
use crate::fc::Phase;
use crate::fc::headers::name;
use crate::fc::log_lines::{Marker, UNHANDLED, push_record};
use crate::logs::LogSink;

/// A call between its Start and End lines.
#[derive(Debug)]
pub(crate) struct Frame {
    sink: LogSink,
    phase: Phase,
    request_id: String,
    /// The framed log so far, kept only when the client asked for it.
    log: Option<Vec<u8>>,
    ended: bool,
}

impl Frame {
    /// Writes the Start line of `phase` for `request_id`; keeps the call's log when
    /// `wants_tail`.
    pub(crate) fn start(sink: &LogSink, phase: Phase, request_id: &str, wants_tail: bool) -> Self {
        let start = Marker::start(phase, request_id);
        sink.write_marker(|out| start.write_to(out));
        let log = wants_tail.then(|| {
            let mut log = Vec::with_capacity(256);
            start.write_to(&mut log);
            log
        });
        Frame {
            sink: sink.clone(),
            phase,
            request_id: request_id.to_string(),
            log,
            ended: false,
        }
    }

    /// The call's request id.
    pub(crate) fn request_id(&self) -> &str {
        &self.request_id
    }

    /// Adds the log an instance wrote during the call (already on the sink) to the
    /// framed log.
    pub(crate) fn add_guest_log(&mut self, tail: &[u8]) {
        if let Some(log) = &mut self.log {
            log.extend_from_slice(tail);
        }
    }

    /// Ends the call: an `ERROR` record if it failed, then the End line.
    pub(crate) fn finish(mut self, result: Result<HostResponse, HostError>) -> Outcome {
        let failed = match &result {
            Ok(response) => reports_failure(response),
            Err(error) => {
                self.record_failure(error);
                true
            }
        };
        self.end(failed);
        Outcome {
            phase: self.phase,
            result,
            log: self.log.take(),
        }
    }

    fn record_failure(&mut self, error: &HostError) {
        let mut record = Vec::new();
        let message = format!("{}: {error}", error.error_type());
        push_record(
            &mut record,
            SystemTime::now(),
            &self.request_id,
            "ERROR",
            message.as_bytes(),
        );
        self.sink.write_record(&record);
        if let Some(log) = &mut self.log {
            log.extend_from_slice(&record);
        }
    }

    fn end(&mut self, failed: bool) {
        let end = Marker::end(self.phase, &self.request_id, failed.then_some(UNHANDLED));
        self.sink.write_marker(|out| end.write_to(out));
        if let Some(log) = &mut self.log {
            end.write_to(log);
        }
        self.ended = true;
    }
}

impl Drop for Frame {
    /// A call dropped before it ended (its task cancelled) still gets its End line.
    fn drop(&mut self) {
        if !self.ended {
            self.end(true);
        }
    }
}

/// Whether a response the guest built reports failure (`x-fc-status` other than 200).
fn reports_failure(response: &HostResponse) -> bool {
    response
        .headers()
        .get(&name::STATUS)
        .is_some_and(|status| status != "200")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::full;

    fn lines(buffer: &std::sync::Arc<std::sync::Mutex<Vec<u8>>>) -> Vec<String> {
        let log = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
        log.lines()
            .map(|line| {
                line.split_once("Z: ")
                    .map_or(line, |(_, rest)| rest)
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn a_successful_call_is_framed_and_its_tail_kept() {
        let (sink, buffer) = LogSink::capture();
        let mut frame = Frame::start(&sink, Phase::Invoke, "r", true);
        frame.add_guest_log(b"guest line\n");
        let outcome = frame.finish(Ok(HostResponse::new(full("ok"))));
        assert_eq!(
            lines(&buffer),
            ["FC Invoke Start RequestId: r", "FC Invoke End RequestId: r"]
        );
        let log = String::from_utf8(outcome.log.unwrap()).unwrap();
        assert_eq!(
            log,
            "FC Invoke Start RequestId: r\nguest line\nFC Invoke End RequestId: r\n"
        );
    }

    #[test]
    fn a_failed_call_logs_the_error_and_says_so_in_the_end_line() {
        let (sink, buffer) = LogSink::capture();
        let frame = Frame::start(&sink, Phase::Initialize, "i", false);
        let outcome = frame.finish(Err(HostError::MissingExport("x")));
        assert!(outcome.log.is_none());
        assert_eq!(
            lines(&buffer),
            [
                "FC Initialize Start RequestId: i",
                "i [ERROR]  MissingExport: the module does not export `x`",
                "FC Initialize End RequestId: i, Error: Unhandled function error",
            ]
        );
    }

    #[test]
    fn a_dropped_frame_still_ends_once() {
        let (sink, buffer) = LogSink::capture();
        drop(Frame::start(&sink, Phase::Invoke, "gone", false));
        assert_eq!(
            lines(&buffer),
            [
                "FC Invoke Start RequestId: gone",
                "FC Invoke End RequestId: gone, Error: Unhandled function error",
            ]
        );
    }

    #[test]
    fn a_guest_response_with_x_fc_status_404_ends_as_a_failure() {
        let (sink, buffer) = LogSink::capture();
        let mut response = HostResponse::new(full("no"));
        response
            .headers_mut()
            .insert(&name::STATUS, "404".parse().unwrap());
        Frame::start(&sink, Phase::HttpInvoke, "h", false).finish(Ok(response));
        assert!(lines(&buffer)[1].ends_with(", Error: Unhandled function error"));
    }
}
