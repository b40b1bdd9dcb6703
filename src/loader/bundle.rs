//! A guest bundle: a guest kernel with an optional initramfs and guest
//! command line in one file, which the monitor takes wherever it takes a
//! guest image (QEMU's `-initrd`, the flash, the built-in guest). The
//! monitor loads the kernel as any guest image, puts the initramfs in guest
//! RAM above it, and names it to the guest as a Malta boot loader does:
//! `rd_start=` (its guest KSEG0 address) and `rd_size=` on the command line,
//! which Linux's MIPS setup code reads on every platform.
//!
//! Layout (all words little-endian, whatever the guest's byte order):
//! - 0: the magic `MVBUNDL1`; 8: the number of parts; 12: the file's length.
//! - 16: one entry per part: kind, offset, length, and the wrapping sum of
//!   the part as little-endian words (zero-padded), 16 bytes each.
//! - the parts, anywhere after the entries, inside the file.
//!
//! Kinds: 1 kernel (an ELF, exactly one), 2 initramfs (opaque bytes, at most
//! one), 3 guest command line (text without NUL, at most one). Anything else
//! is refused, naming the part.

use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;

use crate::uasm::Endian;
use crate::vcpu::guest_layout::GUEST_KSEG0_BASE;

pub const MAGIC: &[u8; 8] = b"MVBUNDL1";
const HEADER_BYTES: usize = 16;
const ENTRY_BYTES: usize = 16;
/// The initramfs's alignment in guest RAM: Linux's largest page size.
pub const INITRAMFS_ALIGN: u32 = 0x1_0000;
/// No bundle has more parts than kinds.
pub const MAX_PARTS: usize = 3;

/// What a part is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartKind {
    Kernel,
    Initramfs,
    CommandLine,
}

impl PartKind {
    const fn code(self) -> u32 {
        match self {
            PartKind::Kernel => 1,
            PartKind::Initramfs => 2,
            PartKind::CommandLine => 3,
        }
    }

    fn from_code(code: u32) -> Option<Self> {
        [PartKind::Kernel, PartKind::Initramfs, PartKind::CommandLine].into_iter().find(|k| k.code() == code)
    }

    pub const fn name(self) -> &'static str {
        match self {
            PartKind::Kernel => "kernel",
            PartKind::Initramfs => "initramfs",
            PartKind::CommandLine => "command line",
        }
    }
}

/// A parsed bundle: borrowed views of its parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bundle<'a> {
    pub kernel: &'a [u8],
    pub initramfs: Option<&'a [u8]>,
    pub cmdline: Option<&'a str>,
}

/// Why a bundle was refused; the part is named by its index and kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BundleError {
    /// Shorter than its header or its entry table, or its length word disagrees.
    Truncated {
        bytes: usize,
    },
    BadPartCount(u32),
    UnknownKind {
        part: usize,
        kind: u32,
    },
    /// The part's bytes are not inside the file.
    PartOutsideFile {
        part: usize,
        kind: PartKind,
    },
    BadChecksum {
        part: usize,
        kind: PartKind,
    },
    Duplicate {
        part: usize,
        kind: PartKind,
    },
    NoKernel,
    /// The command line is not UTF-8 or holds a NUL.
    BadCommandLine {
        part: usize,
    },
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            BundleError::Truncated { bytes } => write!(f, "the bundle is truncated ({bytes} bytes)"),
            BundleError::BadPartCount(n) => write!(f, "the bundle says it has {n} parts (1 to {MAX_PARTS})"),
            BundleError::UnknownKind { part, kind } => write!(f, "part {part} has unknown kind {kind}"),
            BundleError::PartOutsideFile { part, kind } => {
                write!(f, "part {part} ({}) lies outside the bundle", kind.name())
            }
            BundleError::BadChecksum { part, kind } => {
                write!(f, "part {part} ({}) fails its checksum (corrupt)", kind.name())
            }
            BundleError::Duplicate { part, kind } => {
                write!(f, "part {part} is a second {}", kind.name())
            }
            BundleError::NoKernel => write!(f, "the bundle has no kernel part"),
            BundleError::BadCommandLine { part } => {
                write!(f, "part {part} (command line) is not text without NUL bytes")
            }
        }
    }
}

/// Whether `bytes` starts like a bundle (anything else is taken as an ELF).
pub fn is_bundle(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

fn word(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// The wrapping sum of `bytes` as words in `endian` order, zero-padded to a
/// word: the integrity check of bundle parts and of flash segments.
pub fn word_checksum(bytes: &[u8], endian: Endian) -> u32 {
    bytes.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(endian.read_word(word))
    })
}

impl<'a> Bundle<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self, BundleError> {
        let truncated = BundleError::Truncated { bytes: bytes.len() };
        if bytes.len() < HEADER_BYTES || !is_bundle(bytes) {
            return Err(truncated);
        }
        let count = word(bytes, 8);
        if count == 0 || count as usize > MAX_PARTS {
            return Err(BundleError::BadPartCount(count));
        }
        let table_end = HEADER_BYTES + count as usize * ENTRY_BYTES;
        if word(bytes, 12) as usize != bytes.len() || bytes.len() < table_end {
            return Err(truncated);
        }
        let (mut kernel, mut initramfs, mut cmdline) = (None, None, None);
        for part in 0..count as usize {
            let entry = HEADER_BYTES + part * ENTRY_BYTES;
            let code = word(bytes, entry);
            let kind = PartKind::from_code(code).ok_or(BundleError::UnknownKind { part, kind: code })?;
            let (offset, length) = (word(bytes, entry + 4) as usize, word(bytes, entry + 8) as usize);
            let range: Range<usize> = offset..offset.checked_add(length).unwrap_or(usize::MAX);
            if range.start < table_end || range.end > bytes.len() {
                return Err(BundleError::PartOutsideFile { part, kind });
            }
            let data = &bytes[range];
            if word_checksum(data, Endian::Little) != word(bytes, entry + 12) {
                return Err(BundleError::BadChecksum { part, kind });
            }
            let slot_taken = match kind {
                PartKind::Kernel => kernel.replace(data).is_some(),
                PartKind::Initramfs => initramfs.replace(data).is_some(),
                PartKind::CommandLine => {
                    let text = core::str::from_utf8(data)
                        .ok()
                        .filter(|text| !text.contains('\0'))
                        .ok_or(BundleError::BadCommandLine { part })?;
                    cmdline.replace(text).is_some()
                }
            };
            if slot_taken {
                return Err(BundleError::Duplicate { part, kind });
            }
        }
        Ok(Bundle { kernel: kernel.ok_or(BundleError::NoKernel)?, initramfs, cmdline })
    }
}

/// Writes a bundle of `parts` (for the host tool and the tests).
pub fn write(parts: &[(PartKind, &[u8])]) -> Vec<u8> {
    let table_end = HEADER_BYTES + parts.len() * ENTRY_BYTES;
    let total = table_end + parts.iter().map(|(_, data)| data.len()).sum::<usize>();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(parts.len() as u32).to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    let mut offset = table_end;
    for (kind, data) in parts {
        for value in [kind.code(), offset as u32, data.len() as u32, word_checksum(data, Endian::Little)] {
            out.extend_from_slice(&value.to_le_bytes());
        }
        offset += data.len();
    }
    for (_, data) in parts {
        out.extend_from_slice(data);
    }
    out
}

/// Where the initramfs goes: at the top of guest RAM on a 64 KiB boundary
/// (Linux wants it page aligned, and its pages may be 4, 16 or 64 KiB), as
/// QEMU's Malta loader puts an initrd (far from what the kernel touches
/// before it reserves the initrd), if it fits above `after` (the end of the
/// kernel and of the boot block). Returns its guest physical range.
pub fn initramfs_placement(after: u32, bytes: u32, ram_bytes: u32) -> Option<Range<u32>> {
    let start = ram_bytes.checked_sub(bytes)? & !(INITRAMFS_ALIGN - 1);
    (start >= after).then_some(start..start + bytes)
}

/// The words that name an initramfs at guest physical `range` to the guest
/// kernel, by its guest KSEG0 address (Linux refuses one below PAGE_OFFSET).
pub fn initramfs_words(range: &Range<u32>) -> alloc::string::String {
    alloc::format!("rd_start={:#010x} rd_size={}", GUEST_KSEG0_BASE + range.start, range.end - range.start)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ELF: &[u8] = b"\x7fELF kernel bytes";

    #[test]
    fn round_trip_of_every_part() {
        let bytes = write(&[
            (PartKind::Kernel, ELF),
            (PartKind::Initramfs, b"070701 cpio"),
            (PartKind::CommandLine, b"console=ttyS0"),
        ]);
        let bundle = Bundle::parse(&bytes).unwrap();
        assert_eq!(bundle.kernel, ELF);
        assert_eq!(bundle.initramfs, Some(&b"070701 cpio"[..]));
        assert_eq!(bundle.cmdline, Some("console=ttyS0"));
        let kernel_only = write(&[(PartKind::Kernel, ELF)]);
        assert_eq!(
            Bundle::parse(&kernel_only).unwrap(),
            Bundle { kernel: ELF, initramfs: None, cmdline: None }
        );
    }

    #[test]
    fn each_fault_names_its_part() {
        let good = write(&[(PartKind::Kernel, ELF), (PartKind::Initramfs, b"ramdisk!")]);
        // A flipped byte in the initramfs (part 1).
        let mut corrupt = good.clone();
        *corrupt.last_mut().unwrap() ^= 1;
        assert_eq!(
            Bundle::parse(&corrupt),
            Err(BundleError::BadChecksum { part: 1, kind: PartKind::Initramfs })
        );
        // A part whose length runs past the end.
        let mut long = good.clone();
        long[16 + 16 + 8] = 0xff;
        assert_eq!(
            Bundle::parse(&long),
            Err(BundleError::PartOutsideFile { part: 1, kind: PartKind::Initramfs })
        );
        // An unknown kind.
        let mut unknown = good.clone();
        unknown[16] = 9;
        assert_eq!(Bundle::parse(&unknown), Err(BundleError::UnknownKind { part: 0, kind: 9 }));
        // Cut short, a wrong count, two kernels, none.
        assert_eq!(Bundle::parse(&good[..20]), Err(BundleError::Truncated { bytes: 20 }));
        let mut count = good.clone();
        count[8] = 7;
        assert_eq!(Bundle::parse(&count), Err(BundleError::BadPartCount(7)));
        let two = write(&[(PartKind::Kernel, ELF), (PartKind::Kernel, ELF)]);
        assert_eq!(Bundle::parse(&two), Err(BundleError::Duplicate { part: 1, kind: PartKind::Kernel }));
        let none = write(&[(PartKind::CommandLine, b"x")]);
        assert_eq!(Bundle::parse(&none), Err(BundleError::NoKernel));
        let nul = write(&[(PartKind::Kernel, ELF), (PartKind::CommandLine, b"a\0b")]);
        assert_eq!(Bundle::parse(&nul), Err(BundleError::BadCommandLine { part: 1 }));
        assert!(!is_bundle(ELF));
    }

    #[test]
    fn hostile_offsets_and_lengths_stay_inside_the_file() {
        let good = write(&[(PartKind::Kernel, ELF)]);
        for (offset, length) in [(0u32, 4u32), (u32::MAX, 4), (16, u32::MAX), (u32::MAX - 1, 2)] {
            let mut bad = good.clone();
            bad[20..24].copy_from_slice(&offset.to_le_bytes());
            bad[24..28].copy_from_slice(&length.to_le_bytes());
            assert_eq!(
                Bundle::parse(&bad),
                Err(BundleError::PartOutsideFile { part: 0, kind: PartKind::Kernel }),
                "{offset:#x}+{length:#x}"
            );
        }
    }

    #[test]
    fn initramfs_goes_to_the_top_of_ram_above_the_kernel() {
        assert_eq!(initramfs_placement(0x0050_0000, 0x2100, 0x0100_0000), Some(0x00ff_0000..0x00ff_2100));
        assert_eq!(initramfs_words(&(0x00ff_0000..0x00ff_2100)), "rd_start=0x40ff0000 rd_size=8448");
        // No room between the kernel's end and the top of RAM.
        assert_eq!(initramfs_placement(0x00ff_1000, 0x2100, 0x0100_0000), None);
        assert_eq!(initramfs_placement(0, 0x2000, 0x1000), None);
    }
}
