//! The guest's physical RAM: one window of host RAM, guest physical 0 at
//! `host_phys_base`. This file holds the MMU's only `unsafe`: the accesses
//! the monitor itself makes to guest memory.
//!
//! Guest memory has the guest's endianness, which is the host's (the guest
//! runs natively in host user mode), so words are read and written in
//! native byte order.

use crate::memmap::MemoryMap;
use crate::mmu::entrylo::{Access, EntryLo, HOST_PHYS_LIMIT};
use crate::mmu::layout::PAGE_SIZE;
use core::fmt;
use core::ptr::NonNull;

/// Host PTEs for guest RAM are cacheable, noncoherent, write-back (CCA 3):
/// the guest's RAM is only ever touched by this CPU.
pub const GUEST_RAM_CCA: u8 = crate::cp0::fields::cca::CACHEABLE_NONCOHERENT_WB;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuestRamError {
    /// No bytes, or not a whole number of host pages.
    BadSize { bytes: u32 },
    /// The host physical base is not the start of a host page.
    MisalignedBase { host_phys_base: u64 },
    /// The window ends above what a host EntryLo can name.
    BeyondHostPhysLimit { host_phys_end: u64 },
    /// More RAM was asked for than the memory map leaves above the monitor.
    LargerThanWindow { requested: u64, available: u64 },
}

impl fmt::Display for GuestRamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            GuestRamError::BadSize { bytes } => {
                write!(f, "guest RAM of {bytes:#x} bytes is not a non-zero number of 4 KiB pages")
            }
            GuestRamError::MisalignedBase { host_phys_base } => {
                write!(f, "guest RAM base {host_phys_base:#x} is not page aligned")
            }
            GuestRamError::BeyondHostPhysLimit { host_phys_end } => {
                write!(f, "guest RAM ends at {host_phys_end:#x}, beyond {HOST_PHYS_LIMIT:#x}")
            }
            GuestRamError::LargerThanWindow { requested, available } => write!(
                f,
                "{} MiB of guest RAM asked for, {} MiB free above the monitor",
                requested >> 20,
                available >> 20
            ),
        }
    }
}

/// Where the guest's RAM sits in host physical memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuestRamWindow {
    pub host_phys_base: u64,
    pub bytes: u32,
}

impl GuestRamWindow {
    /// The guest's RAM at the start of the memory map's guest window, which
    /// lies above everything the monitor owns: `requested` bytes (from the
    /// board file or the command line), or the whole window when `None`.
    pub fn in_memory_map(map: &MemoryMap, requested: Option<u64>) -> Result<Self, GuestRamError> {
        let available = map.guest_bytes();
        let bytes = requested.unwrap_or(available);
        if bytes > available {
            return Err(GuestRamError::LargerThanWindow { requested: bytes, available });
        }
        let bytes = u32::try_from(bytes).map_err(|_| GuestRamError::BadSize { bytes: u32::MAX })?;
        if bytes == 0 || !bytes.is_multiple_of(PAGE_SIZE) {
            return Err(GuestRamError::BadSize { bytes });
        }
        Ok(GuestRamWindow { host_phys_base: map.guest_start, bytes })
    }
}

/// The window of host RAM that is the guest's physical memory
/// `[0, bytes)`.
pub struct GuestRam {
    host_phys_base: u64,
    bytes: u32,
    host_ptr: NonNull<u8>,
}

impl GuestRam {
    /// The window at host physical `host_phys_base`, which the monitor
    /// reaches at `host_ptr` (on the firmware, its KSEG0 or XKPHYS address).
    ///
    /// # Safety
    /// For as long as the returned value lives, `host_ptr .. host_ptr +
    /// bytes` must be valid for reads and writes, used by nothing but the
    /// guest and this value, and be the memory at host physical
    /// `host_phys_base ..`: the guest gets host TLB mappings of exactly
    /// those physical pages, so a wrong base would hand it other memory
    /// (the monitor's own, for instance).
    pub unsafe fn from_raw(
        host_phys_base: u64,
        host_ptr: NonNull<u8>,
        bytes: u32,
    ) -> Result<Self, GuestRamError> {
        if bytes == 0 || !bytes.is_multiple_of(PAGE_SIZE) {
            return Err(GuestRamError::BadSize { bytes });
        }
        if !host_phys_base.is_multiple_of(u64::from(PAGE_SIZE)) {
            return Err(GuestRamError::MisalignedBase { host_phys_base });
        }
        let host_phys_end = host_phys_base.saturating_add(u64::from(bytes));
        if host_phys_end > HOST_PHYS_LIMIT {
            return Err(GuestRamError::BeyondHostPhysLimit { host_phys_end });
        }
        Ok(GuestRam { host_phys_base, bytes, host_ptr })
    }

    pub fn host_phys_base(&self) -> u64 {
        self.host_phys_base
    }

    pub fn bytes(&self) -> u32 {
        self.bytes
    }

    pub fn contains(&self, guest_phys: u32) -> bool {
        guest_phys < self.bytes
    }

    /// The host PTE for the host page holding `guest_phys`, `None` outside RAM.
    pub fn host_pte(&self, guest_phys: u32, access: Access) -> Option<EntryLo> {
        if !self.contains(guest_phys) {
            return None;
        }
        let page = u64::from(guest_phys & !(PAGE_SIZE - 1));
        // Cannot fail: the base is page aligned and the window below the limit.
        EntryLo::new(self.host_phys_base + page, GUEST_RAM_CCA, access).ok()
    }

    /// Where `width` bytes at `guest_phys` are, if they are a naturally
    /// aligned access of 1, 2 or 4 bytes inside RAM.
    fn locate(&self, guest_phys: u32, width: u8) -> Option<*mut u8> {
        if !matches!(width, 1 | 2 | 4) || !guest_phys.is_multiple_of(u32::from(width)) {
            return None;
        }
        // Aligned and below a page-multiple size: the whole access is inside.
        self.contains(guest_phys).then(|| {
            // SAFETY: `guest_phys < bytes`, so the offset stays inside the
            // window `from_raw`'s contract makes valid.
            unsafe { self.host_ptr.as_ptr().add(guest_phys as usize) }
        })
    }

    /// A load of `width` (1, 2 or 4) bytes, zero-extended; `None` when the
    /// access is misaligned, of another width, or outside RAM.
    pub fn read(&self, guest_phys: u32, width: u8) -> Option<u32> {
        let at = self.locate(guest_phys, width)?;
        // SAFETY: `locate` checked the bytes lie in the window, which
        // `from_raw`'s contract makes valid for reads; the unaligned read
        // makes no assumption about where the host put the window.
        let value = unsafe {
            match width {
                1 => u32::from(at.read()),
                2 => u32::from(at.cast::<u16>().read_unaligned()),
                _ => at.cast::<u32>().read_unaligned(),
            }
        };
        Some(value)
    }

    /// A store of the low `width` (1, 2 or 4) bytes of `value`; false when
    /// the access is misaligned, of another width, or outside RAM.
    pub fn write(&mut self, guest_phys: u32, width: u8, value: u32) -> bool {
        let Some(at) = self.locate(guest_phys, width) else {
            return false;
        };
        // SAFETY: as in `read`, for writes; `&mut self` keeps the monitor's
        // own accesses from overlapping.
        unsafe {
            match width {
                1 => at.write(value as u8),
                2 => at.cast::<u16>().write_unaligned(value as u16),
                _ => at.cast::<u32>().write_unaligned(value),
            }
        }
        true
    }
}

// SAFETY: `from_raw`'s contract gives this value sole use of the window,
// as a `Box<[u8]>` owns its slice, so moving it to another CPU is as sound.
unsafe impl Send for GuestRam {}

impl fmt::Debug for GuestRam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GuestRam")
            .field("host_phys_base", &format_args!("{:#x}", self.host_phys_base))
            .field("bytes", &format_args!("{:#x}", self.bytes))
            .finish()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use alloc::boxed::Box;
    use alloc::vec;

    /// A window of `bytes` leaked host memory standing for host physical
    /// `host_phys_base` (the tests never use that address as memory).
    pub fn leaked_ram(host_phys_base: u64, bytes: u32) -> GuestRam {
        let memory: &'static mut [u8] = Box::leak(vec![0u8; bytes as usize].into_boxed_slice());
        let ptr = NonNull::new(memory.as_mut_ptr()).unwrap();
        // SAFETY: leaked, so valid forever and used by nothing else.
        unsafe { GuestRam::from_raw(host_phys_base, ptr, bytes) }.unwrap()
    }

    #[test]
    fn bad_windows_are_refused() {
        let ptr = NonNull::dangling();
        // SAFETY: every call fails validation, so no window is ever used.
        unsafe {
            assert_eq!(GuestRam::from_raw(0, ptr, 0).err(), Some(GuestRamError::BadSize { bytes: 0 }));
            assert_eq!(
                GuestRam::from_raw(0, ptr, 0x1800).err(),
                Some(GuestRamError::BadSize { bytes: 0x1800 })
            );
            assert_eq!(
                GuestRam::from_raw(0x800, ptr, 0x1000).err(),
                Some(GuestRamError::MisalignedBase { host_phys_base: 0x800 })
            );
            assert_eq!(
                GuestRam::from_raw(HOST_PHYS_LIMIT - 0x1000, ptr, 0x2000).err(),
                Some(GuestRamError::BeyondHostPhysLimit { host_phys_end: HOST_PHYS_LIMIT + 0x1000 })
            );
        }
    }

    #[test]
    fn the_window_starts_where_the_monitor_ends() {
        // 256 MiB of RAM, the monitor's first 32 MiB: the guest gets the rest.
        let map = MemoryMap::new(256 << 20, 32 << 20, 0x10_0000, 0x20_0000).unwrap();
        let whole = GuestRamWindow::in_memory_map(&map, None).unwrap();
        assert_eq!(whole, GuestRamWindow { host_phys_base: 32 << 20, bytes: 224 << 20 });
        assert!(whole.host_phys_base >= map.heap_end && whole.host_phys_base >= map.image_end);
        let asked = GuestRamWindow::in_memory_map(&map, Some(64 << 20)).unwrap();
        assert_eq!(asked, GuestRamWindow { host_phys_base: 32 << 20, bytes: 64 << 20 });
        assert_eq!(
            GuestRamWindow::in_memory_map(&map, Some(225 << 20)),
            Err(GuestRamError::LargerThanWindow { requested: 225 << 20, available: 224 << 20 })
        );
        assert_eq!(
            GuestRamWindow::in_memory_map(&map, Some(0x1800)),
            Err(GuestRamError::BadSize { bytes: 0x1800 })
        );
    }

    #[test]
    fn host_ptes_point_into_the_window_with_cca_3() {
        let ram = leaked_ram(0x0200_0000, 0x10_0000);
        let pte = ram.host_pte(0x1234, Access::ReadOnly).unwrap();
        assert_eq!(pte.host_phys(), 0x0200_1000);
        assert_eq!((pte.cca(), pte.access()), (3, Access::ReadOnly));
        assert_eq!(ram.host_pte(0xf_ffff, Access::ReadWrite).unwrap().host_phys(), 0x020f_f000);
        assert_eq!(ram.host_pte(0x10_0000, Access::ReadWrite), None);
    }

    #[test]
    fn words_are_native_endian_and_partial_writes_touch_only_their_bytes() {
        let mut ram = leaked_ram(0, 0x1000);
        assert!(ram.write(8, 4, 0x1122_3344));
        // The same bytes the host CPU (and so the guest) sees for that word.
        let lane = 0x1122_3344u32.to_ne_bytes();
        assert_eq!(ram.read(8, 1), Some(u32::from(lane[0])));
        assert_eq!(ram.read(10, 2), Some(u32::from(u16::from_ne_bytes([lane[2], lane[3]]))));
        assert!(ram.write(9, 1, 0xffff_ffaa));
        let mut expected = lane;
        expected[1] = 0xaa;
        assert_eq!(ram.read(8, 4), Some(u32::from_ne_bytes(expected)));
    }

    #[test]
    fn misaligned_odd_width_and_outside_accesses_are_refused() {
        let mut ram = leaked_ram(0, 0x1000);
        assert_eq!(ram.read(2, 4), None);
        assert_eq!(ram.read(1, 2), None);
        assert_eq!(ram.read(0, 3), None);
        assert_eq!(ram.read(0x1000, 1), None);
        assert_eq!(ram.read(0xffc, 4), Some(0));
        assert!(!ram.write(0x1000, 4, 1));
        assert!(!ram.write(0xffe, 4, 1));
        assert!(!ram.write(0, 8, 1));
    }
}
