//! The process's stdout, written by one thread from a bounded buffer. A record costs a
//! copy into memory; the writer thread writes what gathered at most [`FLUSH_DELAY`]
//! later, in one `write(2)` rather than one per line. Under steady load the writer wakes
//! once per [`FLUSH_DELAY`] and callers never make a system call: only a writer parked
//! on an empty buffer is woken, or one gathering a batch once [`FULL_BATCH`] bytes wait
//! (a flood is written as fast as stdout takes it). Nobody else ever waits for stdout:
//! past [`MAX_PENDING`] bytes, records are dropped and counted (the count is written to
//! the log when stdout catches up); Start and End lines are always kept.
//!
//! The buffer is a queue of fixed-size chunks rather than one growing `Vec`: a flood
//! then holds what waits and nothing more, instead of each doubling's old copy too
//! (which the allocator keeps for a while) and a second buffer as large being written.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use super::lock;
use crate::fc::log_lines::{MAX_LINE, push_record};

/// How long a record may wait in memory before the writer thread writes it: long
/// enough that the writer's wake-ups cost nothing measurable on a busy core (each one
/// is a context switch on the core serving requests), short beside the seconds the
/// platform's log collection takes.
pub(crate) const FLUSH_DELAY: Duration = Duration::from_millis(10);
/// Most bytes waiting for stdout; records past it are dropped.
pub(crate) const MAX_PENDING: usize = 8 * 1024 * 1024;
/// How long the last flush before exit may wait for a stalled stdout.
const EXIT_FLUSH_LIMIT: Duration = Duration::from_secs(5);

/// What a write is, for the bound: records may be dropped, markers never.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// A Start or End line.
    Marker,
    /// Any other line.
    Record,
}

#[derive(Default)]
struct Pending {
    /// What waits, in chunks of [`CHUNK`] bytes (a chunk is closed once it holds
    /// [`FULL_BATCH`] or more).
    chunks: VecDeque<Vec<u8>>,
    /// Bytes in `chunks`.
    len: usize,
    dropped_records: u64,
    dropped_bytes: u64,
    /// Where a record being dropped is written, to be measured (reused).
    dropped: Vec<u8>,
    /// Bytes handed to the writer thread and not yet written.
    writing: usize,
    /// What the writer thread is doing, so a write wakes it only when it must.
    writer: Writer,
    /// Written chunks, emptied, to gather the next ones without allocating (at most
    /// [`MAX_SPARE_CHUNKS`]).
    spare: Vec<Vec<u8>>,
}

impl Pending {
    /// The chunk the next write goes to: the last one while it has room, else a new
    /// one.
    fn open_chunk(&mut self) -> &mut Vec<u8> {
        if self
            .chunks
            .back()
            .is_none_or(|chunk| chunk.len() >= FULL_BATCH)
        {
            let chunk = self
                .spare
                .pop()
                .unwrap_or_else(|| Vec::with_capacity(CHUNK));
            self.chunks.push_back(chunk);
        }
        self.chunks.back_mut().expect("a chunk was just opened")
    }

    /// Appends with `append`.
    fn append(&mut self, append: impl FnOnce(&mut Vec<u8>)) {
        let chunk = self.open_chunk();
        let before = chunk.len();
        append(chunk);
        self.len += chunk.len() - before;
    }
}

/// What the writer thread is doing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Writer {
    /// Writing (or about to look at the buffer): nobody needs to wake it.
    #[default]
    Busy,
    /// Waiting for bytes: the next write wakes it.
    Parked,
    /// Letting a batch gather for [`FLUSH_DELAY`]: woken when a full batch waits.
    Gathering,
}

/// Bytes that make a batch worth writing at once: a writer gathering for
/// [`FLUSH_DELAY`] is woken when this much waits, so a flood of output is written as
/// fast as stdout takes it rather than once per delay.
const FULL_BATCH: usize = 256 * 1024;

/// Capacity of a chunk: a batch, and room for one more line (and its prefix) past it,
/// so a line never makes a chunk grow.
const CHUNK: usize = FULL_BATCH + MAX_LINE + 1024;

/// Chunks kept for reuse (1 MiB): a burst of logging does not pin its memory.
const MAX_SPARE_CHUNKS: usize = 4;

/// Stdout and its writer thread.
pub(super) struct BatchedStdout {
    pending: Mutex<Pending>,
    wake: Condvar,
    drained: Condvar,
}

/// The one stdout of the process.
pub(super) fn shared() -> &'static BatchedStdout {
    static STDOUT: OnceLock<&'static BatchedStdout> = OnceLock::new();
    STDOUT.get_or_init(|| {
        let stdout: &'static BatchedStdout = Box::leak(Box::new(BatchedStdout {
            pending: Mutex::new(Pending::default()),
            wake: Condvar::new(),
            drained: Condvar::new(),
        }));
        let writer = std::thread::Builder::new()
            .name("stdout-writer".into())
            .spawn(|| stdout.run_writer(&mut std::io::stdout()));
        if writer.is_err() {
            tracing::warn!("cannot start the stdout writer thread: the FC log is not written");
        }
        stdout
    })
}

impl BatchedStdout {
    /// Appends with `append` and wakes the writer thread; a record is dropped instead
    /// when too much waits already.
    pub(super) fn write(&self, kind: Kind, append: impl FnOnce(&mut Vec<u8>)) {
        let mut pending = lock(&self.pending);
        if kind == Kind::Record && pending.len + pending.writing >= MAX_PENDING {
            let mut record = std::mem::take(&mut pending.dropped);
            append(&mut record);
            pending.dropped_records += 1;
            pending.dropped_bytes += record.len() as u64;
            record.clear();
            pending.dropped = record;
            return;
        }
        let before = pending.len;
        pending.append(append);
        let filled = before < FULL_BATCH && pending.len >= FULL_BATCH;
        let wake = match pending.writer {
            Writer::Parked => true,
            Writer::Gathering => filled,
            Writer::Busy => false,
        };
        if wake {
            pending.writer = Writer::Busy;
        }
        drop(pending);
        if wake {
            self.wake.notify_one();
        }
    }

    /// Writes batches to `out` for ever.
    fn run_writer(&self, out: &mut impl std::io::Write) {
        loop {
            let batch = self.next_batch();
            for chunk in &batch {
                let _ = out.write_all(chunk);
            }
            let _ = out.flush();
            let mut pending = lock(&self.pending);
            pending.writing = 0;
            for mut chunk in batch {
                if pending.spare.len() < MAX_SPARE_CHUNKS && chunk.capacity() <= CHUNK {
                    chunk.clear();
                    pending.spare.push(chunk);
                }
            }
            if pending.chunks.is_empty() {
                self.drained.notify_all();
            }
        }
    }

    /// Waits for something to write, lets more gather for [`FLUSH_DELAY`] (or until a
    /// full batch waits), and takes it (with a line counting what was dropped since the
    /// last batch).
    fn next_batch(&self) -> VecDeque<Vec<u8>> {
        let mut pending = lock(&self.pending);
        while pending.chunks.is_empty() && pending.dropped_records == 0 {
            pending.writer = Writer::Parked;
            pending = self
                .wake
                .wait(pending)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        let deadline = Instant::now() + FLUSH_DELAY;
        while pending.len < FULL_BATCH {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            pending.writer = Writer::Gathering;
            pending = self
                .wake
                .wait_timeout(pending, left)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        pending.writer = Writer::Busy;
        if pending.dropped_records > 0 {
            let note = format!(
                "{} log records ({} bytes) were dropped: stdout did not keep up",
                pending.dropped_records, pending.dropped_bytes
            );
            pending.append(|out| {
                push_record(out, SystemTime::now(), "bootstrap", "WARN", note.as_bytes());
            });
            pending.dropped_records = 0;
            pending.dropped_bytes = 0;
        }
        pending.writing = std::mem::take(&mut pending.len);
        std::mem::take(&mut pending.chunks)
    }

    /// Waits (at most [`EXIT_FLUSH_LIMIT`]) until everything pending is written.
    fn drain(&self) {
        let deadline = Instant::now() + EXIT_FLUSH_LIMIT;
        let mut pending = lock(&self.pending);
        while !pending.chunks.is_empty() || pending.writing > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            pending = self
                .drained
                .wait_timeout(pending, left)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }
}

/// Waits (a few seconds at most) until the log still in memory is written; call
/// before the process exits.
pub(crate) fn flush_stdout() {
    shared().drain();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh() -> &'static BatchedStdout {
        Box::leak(Box::new(BatchedStdout {
            pending: Mutex::new(Pending::default()),
            wake: Condvar::new(),
            drained: Condvar::new(),
        }))
    }

    #[test]
    fn a_stalled_stdout_drops_records_but_never_markers_and_never_blocks() {
        let stdout = fresh();
        let record = vec![b'r'; 1024];
        let started = Instant::now();
        // Nobody writes: everything past the bound is dropped at once.
        for _ in 0..(2 * MAX_PENDING / record.len()) {
            stdout.write(Kind::Record, |out| out.extend_from_slice(&record));
        }
        stdout.write(Kind::Marker, |out| {
            out.extend_from_slice(b"FC Invoke End RequestId: x\n")
        });
        assert!(started.elapsed() < Duration::from_secs(5));
        let pending = lock(&stdout.pending);
        assert!(pending.len <= MAX_PENDING + 64);
        let held: usize = pending.chunks.iter().map(Vec::len).sum();
        assert_eq!(held, pending.len);
        let last = pending.chunks.back().unwrap();
        assert!(last.ends_with(b"FC Invoke End RequestId: x\n"));
        assert_eq!(pending.dropped_records as usize, MAX_PENDING / record.len());
        assert!(
            pending.chunks.iter().all(|chunk| chunk.capacity() <= CHUNK),
            "no chunk grew"
        );
    }

    /// Polls `done` for at most five seconds.
    fn eventually(done: impl Fn() -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if done() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }

    /// A `Write` whose bytes the test can read while the writer thread owns it.
    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            lock(&self.0).extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A fresh stdout whose writer thread writes to the returned [`Shared`].
    fn with_writer() -> (&'static BatchedStdout, Shared) {
        let stdout = fresh();
        let out = Shared::default();
        let mut sink = out.clone();
        std::thread::spawn(move || stdout.run_writer(&mut sink));
        (stdout, out)
    }

    #[test]
    fn a_parked_writer_is_woken_by_the_next_write_and_writes_it() {
        let (stdout, out) = with_writer();
        let parked = || lock(&stdout.pending).writer == Writer::Parked;
        assert!(eventually(parked));
        stdout.write(Kind::Marker, |out| out.extend_from_slice(b"first\n"));
        assert!(!parked(), "the write unparks the writer");
        assert!(eventually(|| lock(&out.0).as_slice() == b"first\n"));
        // Parked again once it is drained; a second write wakes it again.
        assert!(eventually(parked));
        stdout.write(Kind::Record, |out| out.extend_from_slice(b"second\n"));
        assert!(eventually(|| lock(&out.0).as_slice() == b"first\nsecond\n"));
    }

    #[test]
    fn a_full_batch_wakes_a_gathering_writer_and_a_small_record_does_not() {
        let stdout = fresh();
        let gathering = || lock(&stdout.pending).writer == Writer::Gathering;
        lock(&stdout.pending).writer = Writer::Gathering;
        stdout.write(Kind::Record, |out| out.extend_from_slice(b"small\n"));
        assert!(gathering(), "a small record waits for the delay");
        stdout.write(Kind::Record, |out| out.resize(FULL_BATCH, b'x'));
        assert!(!gathering(), "a full batch wakes the writer");
    }

    #[test]
    fn records_over_many_chunks_are_written_whole_and_in_order() {
        let (stdout, out) = with_writer();
        let mut expected = Vec::new();
        for n in 0..3000 {
            let line = format!("{n:04} {}\n", "y".repeat(1000));
            expected.extend_from_slice(line.as_bytes());
            stdout.write(Kind::Record, |out| out.extend_from_slice(line.as_bytes()));
        }
        assert!(expected.len() > 2 * FULL_BATCH);
        assert!(eventually(|| lock(&out.0).len() == expected.len()));
        assert!(*lock(&out.0) == expected);
        assert!(lock(&stdout.pending).spare.len() <= MAX_SPARE_CHUNKS);
    }

    #[test]
    fn the_writer_says_how_much_was_dropped() {
        let stdout = fresh();
        lock(&stdout.pending).dropped_records = 3;
        lock(&stdout.pending).dropped_bytes = 30;
        stdout.write(Kind::Marker, |out| {
            out.extend_from_slice(b"FC Invoke Start RequestId: y\n")
        });
        let batch: Vec<u8> = stdout.next_batch().into_iter().flatten().collect();
        let batch = String::from_utf8(batch).unwrap();
        assert!(
            batch.starts_with("FC Invoke Start RequestId: y\n"),
            "{batch}"
        );
        assert!(
            batch.contains("bootstrap [WARN]  3 log records (30 bytes) were dropped"),
            "{batch}"
        );
    }
}
