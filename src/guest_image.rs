//! Finding the guest image: QEMU's `-initrd`, else the one built into the
//! monitor image (MIPSVISOR_GUEST_ELF at build time).

use alloc::borrow::Cow;
use alloc::vec::Vec;
use core::fmt;

use mipsvisor::bootargs::{BootArgsError, BootInfo};

use crate::arch;

static EMBEDDED_GUEST: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/guest.elf"));

pub struct GuestSource {
    /// An initrd sits in what becomes guest RAM, so it is copied out first;
    /// the built-in image is used where it is.
    pub bytes: Cow<'static, [u8]>,
    pub origin: &'static str,
}

#[derive(Debug)]
pub enum GuestSourceError {
    BadInitrdWords(BootArgsError),
    InitrdOutsideRam { address: u64, bytes: u64 },
    OutOfMemory(u64),
}

impl fmt::Display for GuestSourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GuestSourceError::BadInitrdWords(e) => write!(f, "unreadable rd_start/rd_size words: {e:?}"),
            GuestSourceError::InitrdOutsideRam { address, bytes } => {
                write!(f, "initrd at {address:#x} ({bytes} bytes) is not inside low RAM")
            }
            GuestSourceError::OutOfMemory(bytes) => write!(f, "no heap for a {bytes}-byte guest image"),
        }
    }
}

/// The guest to run, or `Ok(None)` when there is none.
pub fn find(info: &BootInfo, ram_end: u64) -> Result<Option<GuestSource>, GuestSourceError> {
    if let Some(initrd) = info.initrd().map_err(GuestSourceError::BadInitrdWords)? {
        let low = initrd.address as u32;
        let in_ram = initrd.address == low as i32 as i64 as u64
            && (0x8000_0000..0xa000_0000).contains(&low)
            && (low as u64 - 0x8000_0000).checked_add(initrd.bytes).is_some_and(|end| end <= ram_end);
        if !in_ram {
            return Err(GuestSourceError::InitrdOutsideRam { address: initrd.address, bytes: initrd.bytes });
        }
        let mut bytes = Vec::new();
        bytes
            .try_reserve_exact(initrd.bytes as usize)
            .map_err(|_| GuestSourceError::OutOfMemory(initrd.bytes))?;
        // SAFETY: checked above to lie in low RAM, reached through KSEG0;
        // nothing writes it while it is copied.
        let initrd_bytes = unsafe {
            core::slice::from_raw_parts(
                arch::kseg0((low - 0x8000_0000) as u64) as *const u8,
                initrd.bytes as usize,
            )
        };
        bytes.extend_from_slice(initrd_bytes);
        return Ok(Some(GuestSource { bytes: Cow::Owned(bytes), origin: "initrd" }));
    }
    if EMBEDDED_GUEST.is_empty() {
        return Ok(None);
    }
    Ok(Some(GuestSource { bytes: Cow::Borrowed(EMBEDDED_GUEST), origin: "built-in" }))
}
