//! Heap arrays of words aligned to their own size: the memory the refill
//! handler indexes with plain loads. This file holds the tables' only
//! allocation `unsafe`.

use alloc::alloc::{alloc_zeroed, dealloc, Layout};
use core::mem::size_of;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

mod sealed {
    pub trait Sealed {}
    impl Sealed for u32 {}
    impl Sealed for u64 {}
    impl Sealed for usize {}
}

/// A plain integer word: the all-zero bit pattern is a valid value.
pub trait ZeroableWord: Copy + sealed::Sealed {}
impl ZeroableWord for u32 {}
impl ZeroableWord for u64 {}
impl ZeroableWord for usize {}

/// The heap could not supply an allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfMemory;

/// An owned, zero-initialised `[T; len]` whose address is a multiple of its
/// byte size (a power of two). Like `Box<[T]>`, but with that alignment and
/// a fallible constructor.
pub struct SizeAlignedWords<T: ZeroableWord> {
    ptr: NonNull<T>,
    len: usize,
}

impl<T: ZeroableWord> SizeAlignedWords<T> {
    /// Allocates `len` zeroed words; `len * size_of::<T>()` must be a
    /// non-zero power of two (a programmer error otherwise).
    pub fn zeroed(len: usize) -> Result<Self, OutOfMemory> {
        let layout = Self::layout(len);
        // SAFETY: `layout` has a non-zero size (checked in `layout`).
        let raw = unsafe { alloc_zeroed(layout) };
        NonNull::new(raw.cast::<T>()).map(|ptr| SizeAlignedWords { ptr, len }).ok_or(OutOfMemory)
    }

    fn layout(len: usize) -> Layout {
        let bytes = len.checked_mul(size_of::<T>()).filter(|b| b.is_power_of_two());
        let bytes = bytes.expect("size-aligned words need a power-of-two byte size");
        Layout::from_size_align(bytes, bytes).expect("a power of two is a valid alignment")
    }

    /// The address of element 0 as the running CPU sees it (on the monitor,
    /// a KSEG0 heap address). Stable for the life of `self`.
    pub fn address(&self) -> usize {
        self.ptr.as_ptr() as usize
    }
}

impl<T: ZeroableWord> Deref for SizeAlignedWords<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        // SAFETY: `ptr` came from `alloc_zeroed` for `len` elements of `T`
        // (aligned at least as strictly as `T`, since the alignment is the
        // whole size), every bit pattern is a valid `T`, and the memory lives
        // until `drop`. `&self` rules out a live `&mut`.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: ZeroableWord> DerefMut for SizeAlignedWords<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as in `deref`; `&mut self` makes this the only reference.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: ZeroableWord> Drop for SizeAlignedWords<T> {
    fn drop(&mut self) {
        // SAFETY: `ptr` was returned by `alloc_zeroed` with exactly this
        // layout (same `len`) and is freed only here.
        unsafe { dealloc(self.ptr.as_ptr().cast(), Self::layout(self.len)) }
    }
}

// SAFETY: the allocation is uniquely owned, as in `Box<[T]>`, and `T` is a
// plain integer, so moving or sharing the owner across CPUs is as sound as
// for a box.
unsafe impl<T: ZeroableWord + Send> Send for SizeAlignedWords<T> {}
// SAFETY: shared access only hands out `&[T]`, as `Box<[T]>` does.
unsafe impl<T: ZeroableWord + Sync> Sync for SizeAlignedWords<T> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_fresh<T: ZeroableWord + PartialEq + Default + core::fmt::Debug>(len: usize) {
        let words = SizeAlignedWords::<T>::zeroed(len).unwrap();
        let bytes = len * size_of::<T>();
        assert_eq!(words.len(), len);
        assert_eq!(words.address() % bytes, 0, "start aligned to the whole size");
        assert!(words.iter().all(|w| *w == T::default()));
    }

    #[test]
    fn fresh_arrays_are_zero_and_aligned_to_their_size() {
        check_fresh::<u32>(1024);
        check_fresh::<u64>(1024);
        check_fresh::<usize>(512);
        check_fresh::<u32>(1);
    }

    #[test]
    fn writes_stay_in_place_and_are_seen_through_the_address() {
        let mut words = SizeAlignedWords::<u64>::zeroed(8).unwrap();
        words[7] = 0x1234_5678_9abc_def0;
        let address = words.address();
        // SAFETY: `address` is element 0 of the live 8-word array `words`,
        // which is not mutably borrowed during the read.
        let seen = unsafe { (address as *const u64).add(7).read() };
        assert_eq!(seen, 0x1234_5678_9abc_def0);
        let moved = words;
        assert_eq!(moved.address(), address, "moving the owner does not move the memory");
    }

    #[test]
    #[should_panic(expected = "power-of-two")]
    fn a_size_that_is_not_a_power_of_two_is_a_programmer_error() {
        let _ = SizeAlignedWords::<u32>::zeroed(3);
    }
}
