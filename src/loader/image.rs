//! Parsing a guest ELF with the `elf` crate, checking it against the
//! monitor's expectations, and copying it into guest RAM.

use alloc::vec::Vec;
use core::ops::Range;

use elf::abi;
use elf::endian::{AnyEndian, EndianParse};
use elf::file::{Class, FileHeader};
use elf::parse::ParseError;
use elf::segment::{ProgramHeader, SegmentTable};

use super::error::{DynamicKind, ImageError, SegmentId};
use super::expect::{GuestExpectations, IsaLevel};
use crate::uasm::Endian;
use crate::vcpu::guest_layout::{GUEST_KSEG0, UNMAPPED_PHYS_MASK};

/// e_ident plus the ELFCLASS32 header tail.
const ELF32_HEADER_BYTES: usize = abi::EI_NIDENT + elf::file::ELF32_EHDR_TAILSIZE;
const ELF32_PROGRAM_HEADER_BYTES: u16 = 32;
/// Kernels have two or three; the bound keeps a corrupt count from costing heap.
const MAX_PROGRAM_HEADERS: u16 = 64;

/// One PT_LOAD segment that passed every check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadSegment {
    /// Program-header number, as `readelf -l` counts.
    pub index: u16,
    /// Guest KSEG0 address.
    pub vaddr: u32,
    /// Guest physical address (vaddr - 0x40000000).
    pub phys: u32,
    pub file_offset: u32,
    pub file_bytes: u32,
    /// Bytes in memory; those past `file_bytes` are zeroed (bss).
    pub mem_bytes: u32,
    pub executable: bool,
}

impl LoadSegment {
    pub fn id(&self) -> SegmentId {
        SegmentId { index: self.index, vaddr: self.vaddr, mem_bytes: self.mem_bytes }
    }

    /// Guest-physical bytes the segment occupies.
    pub fn phys_range(&self) -> Range<u32> {
        self.phys..self.phys + self.mem_bytes
    }

    fn contains_vaddr(&self, vaddr: u32) -> bool {
        vaddr >= self.vaddr && vaddr - self.vaddr < self.mem_bytes
    }
}

/// A guest ELF that the monitor can run: header and segments checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuestImage<'a> {
    bytes: &'a [u8],
    entry: u32,
    /// Non-empty, sorted by guest physical address, not overlapping.
    segments: Vec<LoadSegment>,
}

/// One segment as placed by `load_into`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedRange {
    pub vaddr: u32,
    pub phys: Range<u32>,
    pub executable: bool,
}

/// What `load_into` did: where to start the guest and what to cache-sync.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedImage {
    /// Guest virtual (guest KSEG0) entry point.
    pub entry: u32,
    pub ranges: Vec<LoadedRange>,
}

impl LoadedImage {
    /// The ranges holding code: these need a D-cache writeback and I-cache
    /// invalidate before the guest runs.
    pub fn executable_ranges(&self) -> impl Iterator<Item = &LoadedRange> {
        self.ranges.iter().filter(|range| range.executable)
    }
}

impl<'a> GuestImage<'a> {
    /// Parses and checks `bytes`; refuses anything the monitor cannot load
    /// and run as it is.
    pub fn parse(bytes: &'a [u8], expect: GuestExpectations) -> Result<Self, ImageError> {
        let header = parse_header(bytes, &expect)?;
        let mut segments = Vec::new();
        for (index, phdr) in program_headers(bytes, &header)?.iter().enumerate() {
            // Bounded by MAX_PROGRAM_HEADERS, so the index fits.
            let index = index as u16;
            match phdr.p_type {
                abi::PT_LOAD => {
                    if let Some(segment) = load_segment(index, &phdr, bytes.len(), &expect)? {
                        segments.push(segment);
                    }
                }
                abi::PT_INTERP => {
                    return Err(ImageError::DynamicLinking { index, kind: DynamicKind::Interpreter })
                }
                abi::PT_DYNAMIC => {
                    return Err(ImageError::DynamicLinking { index, kind: DynamicKind::Dynamic })
                }
                // Notes, GNU_STACK, MIPS ABI flags and register info: nothing to load.
                _ => {}
            }
        }
        if segments.is_empty() {
            return Err(ImageError::NoLoadSegment);
        }
        segments.sort_unstable_by_key(|segment| segment.phys);
        check_no_overlap(&segments)?;
        // ELFCLASS32: the crate widened a 32-bit field.
        let entry = header.e_entry as u32;
        check_entry(entry, &segments)?;
        Ok(GuestImage { bytes, entry, segments })
    }

    /// Guest virtual (guest KSEG0) entry point.
    pub fn entry(&self) -> u32 {
        self.entry
    }

    /// The segments to load, sorted by guest physical address.
    pub fn segments(&self) -> &[LoadSegment] {
        &self.segments
    }

    /// Copies every segment into `guest_ram` (guest physical 0 at index 0)
    /// and zeroes each segment's bss. Nothing outside the segments is
    /// written; nothing at all if a segment does not fit.
    pub fn load_into(&self, guest_ram: &mut [u8]) -> Result<LoadedImage, ImageError> {
        if let Some(segment) =
            self.segments.iter().find(|segment| segment.phys_range().end as u64 > guest_ram.len() as u64)
        {
            return Err(ImageError::GuestRamSliceTooSmall {
                segment: segment.id(),
                slice_bytes: guest_ram.len(),
            });
        }
        let mut ranges = Vec::with_capacity(self.segments.len());
        for segment in &self.segments {
            // Both ranges were checked: the file range in parse, RAM above.
            let file_start = segment.file_offset as usize;
            let contents = &self.bytes[file_start..file_start + segment.file_bytes as usize];
            let phys = segment.phys_range();
            let destination = &mut guest_ram[phys.start as usize..phys.end as usize];
            let (data, bss) = destination.split_at_mut(contents.len());
            data.copy_from_slice(contents);
            bss.fill(0);
            ranges.push(LoadedRange { vaddr: segment.vaddr, phys, executable: segment.executable });
        }
        Ok(LoadedImage { entry: self.entry, ranges })
    }
}

fn header_error(error: ParseError, file_bytes: usize) -> ImageError {
    match error {
        ParseError::BadMagic(magic) => ImageError::NotElf { magic },
        ParseError::UnsupportedVersion((version, _)) => ImageError::UnsupportedElfVersion(version as u8),
        ParseError::UnsupportedElfClass(class) => ImageError::UnknownClass(class),
        ParseError::UnsupportedElfEndianness(data) => ImageError::UnknownByteOrder(data),
        // The header slices are long enough, so only a short file gets here.
        _ => ImageError::TooShort { file_bytes, needed: ELF32_HEADER_BYTES },
    }
}

/// The file header: identity, class, byte order, machine, type and ISA.
fn parse_header(bytes: &[u8], expect: &GuestExpectations) -> Result<FileHeader<AnyEndian>, ImageError> {
    let too_short = ImageError::TooShort { file_bytes: bytes.len(), needed: ELF32_HEADER_BYTES };
    let ident_bytes = bytes.get(..abi::EI_NIDENT).ok_or(too_short.clone())?;
    let ident = elf::file::parse_ident::<AnyEndian>(ident_bytes).map_err(|e| header_error(e, bytes.len()))?;
    let (endian, class, _, _) = ident;
    if class != Class::ELF32 {
        return Err(ImageError::Not32Bit);
    }
    let image_endian = if endian.is_little() { Endian::Little } else { Endian::Big };
    if image_endian != expect.endian {
        return Err(ImageError::WrongEndian {
            image: image_endian,
            board: expect.board,
            board_endian: expect.endian,
        });
    }
    let tail = bytes.get(abi::EI_NIDENT..ELF32_HEADER_BYTES).ok_or(too_short)?;
    let header = FileHeader::parse_tail(ident, tail).map_err(|e| header_error(e, bytes.len()))?;
    if header.e_machine != abi::EM_MIPS {
        return Err(ImageError::WrongMachine { machine: header.e_machine });
    }
    if header.e_type != abi::ET_EXEC {
        return Err(ImageError::NotExecutable { e_type: header.e_type });
    }
    let level = IsaLevel::from_e_flags(header.e_flags);
    if !expect.isa.runs(level) {
        return Err(ImageError::WrongIsa { image: level, guest: expect.isa });
    }
    Ok(header)
}

/// The program-header table, located and bounds-checked here; the crate
/// parses the entries.
fn program_headers<'a>(
    bytes: &'a [u8],
    header: &FileHeader<AnyEndian>,
) -> Result<SegmentTable<'a, AnyEndian>, ImageError> {
    if header.e_phnum == 0 || header.e_phoff == 0 {
        return Err(ImageError::NoLoadSegment);
    }
    if header.e_phentsize != ELF32_PROGRAM_HEADER_BYTES {
        return Err(ImageError::BadProgramHeaderSize { entry_bytes: header.e_phentsize });
    }
    // Also refuses PN_XNUM (0xffff), the extended count kept in section 0.
    if header.e_phnum > MAX_PROGRAM_HEADERS {
        return Err(ImageError::TooManyProgramHeaders { count: header.e_phnum, limit: MAX_PROGRAM_HEADERS });
    }
    let start = header.e_phoff;
    let end = start + header.e_phnum as u64 * ELF32_PROGRAM_HEADER_BYTES as u64;
    if end > bytes.len() as u64 {
        return Err(ImageError::ProgramHeadersTruncated { start, end, file_bytes: bytes.len() });
    }
    // Within the slice, so both fit in usize.
    let table = &bytes[start as usize..end as usize];
    Ok(SegmentTable::new(header.endianness, Class::ELF32, table))
}

/// Checks one PT_LOAD header; `None` for an empty segment (nothing to load).
fn load_segment(
    index: u16,
    phdr: &ProgramHeader,
    file_bytes: usize,
    expect: &GuestExpectations,
) -> Result<Option<LoadSegment>, ImageError> {
    // ELFCLASS32 fields are 32-bit; the crate widens them to u64.
    let (vaddr, paddr) = (phdr.p_vaddr as u32, phdr.p_paddr as u32);
    let (file_size, mem_size) = (phdr.p_filesz as u32, phdr.p_memsz as u32);
    let segment = SegmentId { index, vaddr, mem_bytes: mem_size };

    let (start, end) = (phdr.p_offset, phdr.p_offset + phdr.p_filesz);
    if end > file_bytes as u64 {
        return Err(ImageError::SegmentTruncated { segment, start, end, file_bytes });
    }
    if file_size > mem_size {
        return Err(ImageError::FileLargerThanMemory { segment, file_bytes: file_size });
    }
    if mem_size == 0 {
        return Ok(None);
    }
    let vaddr_end = vaddr as u64 + mem_size as u64;
    if vaddr < GUEST_KSEG0.start || vaddr_end > GUEST_KSEG0.end as u64 {
        return Err(ImageError::OutsideGuestKseg0 { segment });
    }
    let phys = vaddr - GUEST_KSEG0.start;
    // QEMU's loader takes the physical address as p_paddr's low 29 bits
    // (its cpu_mips_kseg0_to_phys), the same for every unmapped view.
    if paddr & UNMAPPED_PHYS_MASK != phys {
        return Err(ImageError::PhysicalAddressDisagrees { segment, paddr });
    }
    if phys as u64 + mem_size as u64 > expect.ram_bytes as u64 {
        return Err(ImageError::PastGuestRam { segment, ram_bytes: expect.ram_bytes });
    }
    Ok(Some(LoadSegment {
        index,
        vaddr,
        phys,
        file_offset: phdr.p_offset as u32,
        file_bytes: file_size,
        mem_bytes: mem_size,
        executable: phdr.p_flags & abi::PF_X != 0,
    }))
}

/// `segments` sorted by start: any overlap shows between neighbours.
fn check_no_overlap(segments: &[LoadSegment]) -> Result<(), ImageError> {
    for pair in segments.windows(2) {
        if pair[1].phys < pair[0].phys_range().end {
            let (first, second) =
                if pair[0].index < pair[1].index { (pair[0], pair[1]) } else { (pair[1], pair[0]) };
            return Err(ImageError::Overlap { first: first.id(), second: second.id() });
        }
    }
    Ok(())
}

/// The entry must be a word-aligned guest KSEG0 address inside the file
/// contents of an executable segment.
fn check_entry(entry: u32, segments: &[LoadSegment]) -> Result<(), ImageError> {
    if !GUEST_KSEG0.contains(&entry) {
        return Err(ImageError::EntryOutsideGuestKseg0 { entry });
    }
    if !entry.is_multiple_of(4) {
        return Err(ImageError::EntryMisaligned { entry });
    }
    let Some(segment) = segments.iter().find(|segment| segment.contains_vaddr(entry)) else {
        return Err(ImageError::EntryNotInCode { entry });
    };
    if !segment.executable {
        return Err(ImageError::EntryNotExecutable { entry, segment: segment.id() });
    }
    if entry - segment.vaddr >= segment.file_bytes {
        return Err(ImageError::EntryNotInCode { entry });
    }
    Ok(())
}
