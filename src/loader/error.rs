//! Why a guest image was refused, in words an operator can act on.

use core::fmt;

use super::expect::{GuestIsa, IsaLevel};
use crate::uasm::Endian;
use crate::vcpu::guest_layout::GUEST_KSEG0;

/// A segment as messages name it: its program-header number (what
/// `readelf -l` calls the segment number), address and size in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentId {
    pub index: u16,
    pub vaddr: u32,
    pub mem_bytes: u32,
}

impl fmt::Display for SegmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "segment {} (vaddr {:#010x}, {:#x} bytes)", self.index, self.vaddr, self.mem_bytes)
    }
}

/// The kind of program header that asks for dynamic linking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DynamicKind {
    Interpreter,
    Dynamic,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageError {
    /// Fewer bytes than the ELF header needs.
    TooShort {
        file_bytes: usize,
        needed: usize,
    },
    NotElf {
        magic: [u8; 4],
    },
    /// EI_VERSION is not EV_CURRENT.
    UnsupportedElfVersion(u8),
    /// EI_CLASS is neither ELFCLASS32 nor ELFCLASS64.
    UnknownClass(u8),
    /// An ELFCLASS64 image.
    Not32Bit,
    /// EI_DATA is neither ELFDATA2LSB nor ELFDATA2MSB.
    UnknownByteOrder(u8),
    WrongEndian {
        image: Endian,
        board: &'static str,
        board_endian: Endian,
    },
    WrongMachine {
        machine: u16,
    },
    /// Not ET_EXEC: a relocatable object, a shared object or PIE, a core file.
    NotExecutable {
        e_type: u16,
    },
    WrongIsa {
        image: IsaLevel,
        guest: GuestIsa,
    },
    BadProgramHeaderSize {
        entry_bytes: u16,
    },
    TooManyProgramHeaders {
        count: u16,
        limit: u16,
    },
    ProgramHeadersTruncated {
        start: u64,
        end: u64,
        file_bytes: usize,
    },
    NoLoadSegment,
    DynamicLinking {
        index: u16,
        kind: DynamicKind,
    },
    SegmentTruncated {
        segment: SegmentId,
        start: u64,
        end: u64,
        file_bytes: usize,
    },
    FileLargerThanMemory {
        segment: SegmentId,
        file_bytes: u32,
    },
    OutsideGuestKseg0 {
        segment: SegmentId,
    },
    PhysicalAddressDisagrees {
        segment: SegmentId,
        paddr: u32,
    },
    PastGuestRam {
        segment: SegmentId,
        ram_bytes: u32,
    },
    Overlap {
        first: SegmentId,
        second: SegmentId,
    },
    EntryOutsideGuestKseg0 {
        entry: u32,
    },
    EntryMisaligned {
        entry: u32,
    },
    EntryNotInCode {
        entry: u32,
    },
    EntryNotExecutable {
        entry: u32,
        segment: SegmentId,
    },
    /// `load_into` was handed a guest RAM slice smaller than the image needs.
    GuestRamSliceTooSmall {
        segment: SegmentId,
        slice_bytes: usize,
    },
}

fn endian_name(endian: Endian) -> &'static str {
    match endian {
        Endian::Big => "big-endian",
        Endian::Little => "little-endian",
    }
}

/// Sizes in messages: whole MiB where they are, bytes otherwise.
struct Size(u32);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 != 0 && self.0.is_multiple_of(1 << 20) {
            write!(f, "{} MiB", self.0 >> 20)
        } else {
            write!(f, "{:#x} bytes", self.0)
        }
    }
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kseg0_start, kseg0_end) = (GUEST_KSEG0.start, GUEST_KSEG0.end);
        match self {
            ImageError::TooShort { file_bytes, needed } => write!(
                f,
                "guest ELF truncated: {file_bytes} bytes is shorter than the {needed}-byte ELF header"
            ),
            ImageError::NotElf { magic } => {
                write!(f, "guest image is not an ELF file (starts {:02x?}, not 7f 45 4c 46)", magic)
            }
            ImageError::UnsupportedElfVersion(v) => write!(f, "guest ELF has unknown ELF version {v}"),
            ImageError::UnknownClass(c) => write!(f, "guest ELF has unknown class {c} (EI_CLASS)"),
            ImageError::Not32Bit => {
                f.write_str("guest ELF is 64-bit (ELFCLASS64) but the guest is a 32-bit MIPS (ELFCLASS32)")
            }
            ImageError::UnknownByteOrder(d) => write!(f, "guest ELF has unknown byte order {d} (EI_DATA)"),
            ImageError::WrongEndian { image, board, board_endian } => write!(
                f,
                "guest ELF is {} but board {board} is {}",
                endian_name(*image),
                endian_name(*board_endian)
            ),
            ImageError::WrongMachine { machine } => {
                write!(f, "guest ELF is for machine {machine}, not MIPS (EM_MIPS = 8)")
            }
            ImageError::NotExecutable { e_type } => {
                let kind = match *e_type {
                    elf::abi::ET_REL => "a relocatable object",
                    elf::abi::ET_DYN => "a shared object or position-independent executable",
                    elf::abi::ET_CORE => "a core dump",
                    _ => "not an executable",
                };
                write!(f, "guest ELF is {kind} (e_type {e_type}); link it as a static executable")
            }
            ImageError::WrongIsa { image, guest } => {
                if image.is_64bit() {
                    write!(f, "guest ELF is built for {image}, a 64-bit ISA, but the guest CPU is {guest}")
                } else {
                    write!(f, "guest ELF is built for {image}, which a {guest} guest CPU cannot run")
                }
            }
            ImageError::BadProgramHeaderSize { entry_bytes } => write!(
                f,
                "guest ELF program headers are {entry_bytes} bytes each, not the 32 of ELFCLASS32"
            ),
            ImageError::TooManyProgramHeaders { count, limit } => {
                write!(f, "guest ELF has {count} program headers; the monitor takes at most {limit}")
            }
            ImageError::ProgramHeadersTruncated { start, end, file_bytes } => write!(
                f,
                "guest ELF truncated: program headers need bytes {start:#x}..{end:#x} of a {file_bytes:#x}-byte file"
            ),
            ImageError::NoLoadSegment => f.write_str("guest ELF has no loadable (PT_LOAD) segment"),
            ImageError::DynamicLinking { index, kind } => {
                let what = match kind {
                    DynamicKind::Interpreter => "an interpreter (PT_INTERP)",
                    DynamicKind::Dynamic => "dynamic linking information (PT_DYNAMIC)",
                };
                write!(f, "guest ELF segment {index} asks for {what}; a guest kernel must be static")
            }
            ImageError::SegmentTruncated { segment, start, end, file_bytes } => write!(
                f,
                "guest ELF truncated: segment {} needs bytes {start:#x}..{end:#x} of a {file_bytes:#x}-byte file",
                segment.index
            ),
            ImageError::FileLargerThanMemory { segment, file_bytes } => write!(
                f,
                "guest ELF {segment} has {file_bytes:#x} bytes in the file, more than its size in memory"
            ),
            ImageError::OutsideGuestKseg0 { segment } => write!(
                f,
                "guest ELF {segment} lies outside guest KSEG0 {kseg0_start:#x}..{kseg0_end:#x}; \
                 link the guest at 0x40100000 (Linux: CONFIG_KVM_GUEST)"
            ),
            ImageError::PhysicalAddressDisagrees { segment, paddr } => write!(
                f,
                "guest ELF {segment} has physical address {paddr:#010x}, which is not where its \
                 guest KSEG0 address places it (guest physical {:#x})",
                segment.vaddr - kseg0_start
            ),
            ImageError::PastGuestRam { segment, ram_bytes } => {
                write!(f, "guest ELF {segment} ends past guest RAM ({})", Size(*ram_bytes))
            }
            ImageError::Overlap { first, second } => {
                write!(f, "guest ELF {second} overlaps {first} in guest memory")
            }
            ImageError::EntryOutsideGuestKseg0 { entry } => write!(
                f,
                "guest ELF entry point {entry:#010x} lies outside guest KSEG0 {kseg0_start:#x}..{kseg0_end:#x}"
            ),
            ImageError::EntryMisaligned { entry } => write!(
                f,
                "guest ELF entry point {entry:#010x} is not word-aligned (MIPS16/microMIPS entry is not supported)"
            ),
            ImageError::EntryNotInCode { entry } => write!(
                f,
                "guest ELF entry point {entry:#010x} is not in the loaded contents of any executable segment"
            ),
            ImageError::EntryNotExecutable { entry, segment } => {
                write!(f, "guest ELF entry point {entry:#010x} lies in {segment}, which is not executable")
            }
            ImageError::GuestRamSliceTooSmall { segment, slice_bytes } => write!(
                f,
                "guest RAM of {} cannot hold {segment}",
                Size(u32::try_from(*slice_bytes).unwrap_or(u32::MAX))
            ),
        }
    }
}
