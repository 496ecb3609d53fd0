//! The copies, in SSE2 (every x86_64 CPU) and `rep movsb`.

use core::arch::asm;
use core::ptr::{read_unaligned, write_unaligned};

/// Copies of at least this many bytes use `rep movsb`.
pub(crate) const REP_MOVSB_FROM: usize = 512;

/// A 16-byte load (unaligned).
#[inline(always)]
unsafe fn load16(src: *const u8) -> u128 {
    unsafe { read_unaligned(src.cast::<u128>()) }
}

/// A 16-byte store (unaligned).
#[inline(always)]
unsafe fn store16(dst: *mut u8, value: u128) {
    unsafe { write_unaligned(dst.cast::<u128>(), value) }
}

/// Copies `n <= 64` bytes, loading all of them before storing any (so the two ranges
/// may overlap).
#[inline(always)]
unsafe fn copy_small(dst: *mut u8, src: *const u8, n: usize) {
    unsafe {
        if n >= 32 {
            let (a, b) = (load16(src), load16(src.add(16)));
            let (c, d) = (load16(src.add(n - 32)), load16(src.add(n - 16)));
            store16(dst, a);
            store16(dst.add(16), b);
            store16(dst.add(n - 32), c);
            store16(dst.add(n - 16), d);
        } else if n >= 16 {
            let (a, b) = (load16(src), load16(src.add(n - 16)));
            store16(dst, a);
            store16(dst.add(n - 16), b);
        } else if n >= 8 {
            let a = read_unaligned(src.cast::<u64>());
            let b = read_unaligned(src.add(n - 8).cast::<u64>());
            write_unaligned(dst.cast::<u64>(), a);
            write_unaligned(dst.add(n - 8).cast::<u64>(), b);
        } else if n >= 4 {
            let a = read_unaligned(src.cast::<u32>());
            let b = read_unaligned(src.add(n - 4).cast::<u32>());
            write_unaligned(dst.cast::<u32>(), a);
            write_unaligned(dst.add(n - 4).cast::<u32>(), b);
        } else if n >= 2 {
            let a = read_unaligned(src.cast::<u16>());
            let b = read_unaligned(src.add(n - 2).cast::<u16>());
            write_unaligned(dst.cast::<u16>(), a);
            write_unaligned(dst.add(n - 2).cast::<u16>(), b);
        } else if n == 1 {
            *dst = *src;
        }
    }
}

/// Copies `n > 64` bytes front to back in 32-byte steps; the last 32 bytes are loaded
/// first and stored last, so this is also right when `dst` is below an overlapping
/// `src`.
#[inline(always)]
unsafe fn copy_forward(dst: *mut u8, src: *const u8, n: usize) {
    unsafe {
        let (c, d) = (load16(src.add(n - 32)), load16(src.add(n - 16)));
        let mut done = 0;
        while done + 32 < n {
            let (a, b) = (load16(src.add(done)), load16(src.add(done + 16)));
            store16(dst.add(done), a);
            store16(dst.add(done + 16), b);
            done += 32;
        }
        store16(dst.add(n - 32), c);
        store16(dst.add(n - 16), d);
    }
}

/// Copies `n > 64` bytes back to front in 32-byte steps; the first 32 bytes are loaded
/// first and stored last, so this is right when `dst` is above an overlapping `src`.
#[inline(always)]
unsafe fn copy_backward(dst: *mut u8, src: *const u8, n: usize) {
    unsafe {
        let (a, b) = (load16(src), load16(src.add(16)));
        let mut left = n;
        while left > 32 {
            let (c, d) = (load16(src.add(left - 32)), load16(src.add(left - 16)));
            store16(dst.add(left - 32), c);
            store16(dst.add(left - 16), d);
            left -= 32;
        }
        store16(dst, a);
        store16(dst.add(16), b);
    }
}

/// `rep movsb`: front to back, byte by byte in effect.
#[inline(always)]
unsafe fn rep_movsb(dst: *mut u8, src: *const u8, n: usize) {
    unsafe {
        asm!(
            "rep movsb",
            inout("rcx") n => _,
            inout("rdi") dst => _,
            inout("rsi") src => _,
            options(nostack, preserves_flags)
        );
    }
}

/// Copies `n` bytes; `backward` when `dst` starts inside `src`'s range (only
/// `memmove` can ask: for `memcpy` it is a constant `false` and its branch goes).
#[inline(always)]
unsafe fn copy(dst: *mut u8, src: *const u8, n: usize, backward: bool) {
    unsafe {
        if n <= 64 {
            copy_small(dst, src, n);
        } else if backward {
            copy_backward(dst, src, n);
        } else if n < REP_MOVSB_FROM {
            copy_forward(dst, src, n);
        } else {
            rep_movsb(dst, src, n);
        }
    }
}

/// C's `memcpy`: copies `n` bytes from `src` to `dst`, which do not overlap.
///
/// # Safety
///
/// Both ranges are valid for `n` bytes and do not overlap.
#[unsafe(no_mangle)]
pub(crate) unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    unsafe { copy(dst, src, n, false) };
    dst
}

/// C's `memmove`: copies `n` bytes from `src` to `dst`, which may overlap.
///
/// # Safety
///
/// Both ranges are valid for `n` bytes.
#[unsafe(no_mangle)]
pub(crate) unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // Front to back is right unless `dst` starts inside `src`'s range.
    let backward = (dst as usize).wrapping_sub(src as usize) < n;
    unsafe { copy(dst, src, n, backward) };
    dst
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A buffer with every byte different from its neighbours.
    fn pattern() -> [u8; 2048] {
        core::array::from_fn(|i| (i * 7 + i / 251) as u8)
    }

    /// Every size to past the `rep movsb` threshold, at every alignment of both ends.
    fn cases() -> impl Iterator<Item = (usize, usize, usize)> {
        (0..=REP_MOVSB_FROM + 80)
            .flat_map(|n| (0..16).flat_map(move |from| (0..16).map(move |to| (n, from, to))))
    }

    #[test]
    fn memcpy_copies_every_size_at_every_alignment_and_nothing_else() {
        let source = pattern();
        for (n, from, to) in cases() {
            let mut target = [0xAAu8; 2048];
            let returned =
                unsafe { memcpy(target.as_mut_ptr().add(to), source.as_ptr().add(from), n) };
            assert_eq!(returned, unsafe { target.as_mut_ptr().add(to) });
            assert_eq!(
                &target[to..to + n],
                &source[from..from + n],
                "n={n} from={from} to={to}"
            );
            assert!(target[..to].iter().all(|&b| b == 0xAA), "before, n={n}");
            assert!(target[to + n..].iter().all(|&b| b == 0xAA), "after, n={n}");
        }
    }

    #[test]
    fn memmove_is_right_for_every_overlap_in_both_directions() {
        for n in (0..=REP_MOVSB_FROM + 80)
            .step_by(3)
            .chain([64, 65, 96, 97, 511, 512])
        {
            for shift in [
                1usize, 2, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 200, 600,
            ] {
                for up in [true, false] {
                    let mut buffer = pattern();
                    let expected = pattern();
                    let (from, to) = if up {
                        (40, 40 + shift)
                    } else {
                        (40 + shift, 40)
                    };
                    unsafe {
                        let base = buffer.as_mut_ptr();
                        memmove(base.add(to), base.add(from), n);
                    }
                    assert_eq!(
                        &buffer[to..to + n],
                        &expected[from..from + n],
                        "n={n} shift={shift} up={up}"
                    );
                    let untouched = |i: usize| i < to || i >= to + n;
                    assert!(
                        (0..buffer.len())
                            .filter(|&i| untouched(i))
                            .all(|i| buffer[i] == expected[i]),
                        "n={n} shift={shift} up={up}"
                    );
                }
            }
        }
    }

    #[test]
    fn memmove_onto_itself_changes_nothing() {
        let mut buffer = pattern();
        for n in [0, 1, 64, 65, 600] {
            unsafe { memmove(buffer.as_mut_ptr(), buffer.as_ptr(), n) };
        }
        assert_eq!(buffer, pattern());
    }
}
