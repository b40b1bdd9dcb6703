//! Guest ELF tests over real images from GNU as/ld (test_elves), with
//! readelf, objcopy and nm as the oracle for what the images contain.

use super::error::DynamicKind;
use super::test_elves::{build, make_bad_elves, two_segment_script, Build, Linked, ScratchDir, GUEST_SOURCE};
use super::*;
use crate::uasm::Endian;
use core::ops::Range;

const BOTH: [Endian; 2] = [Endian::Big, Endian::Little];
const RAM_BYTES: u32 = 64 << 20;
const BASE: u32 = 0x4010_0000;

fn expect(endian: Endian) -> GuestExpectations {
    let board = match endian {
        Endian::Big => "malta",
        Endian::Little => "malta-el",
    };
    GuestExpectations { board, endian, isa: GuestIsa::Mips32r2, ram_bytes: RAM_BYTES }
}

fn refusal(linked: &Linked) -> ImageError {
    GuestImage::parse(&linked.bytes, expect(linked.endian)).expect_err("image should be refused")
}

fn two_segments(endian: Endian) -> Linked {
    build(&Build::guest(endian, &two_segment_script(BASE)))
}

// ELF32 field offsets (System V gABI, "ELF Header" and "Program Header").
const EI_DATA: usize = 5;
const E_MACHINE: usize = 18;
const E_PHOFF: usize = 28;
const PHDR_BYTES: usize = 32;
const P_TYPE: usize = 0;
const P_MEMSZ: usize = 20;

fn get_u32(bytes: &[u8], at: usize, endian: Endian) -> u32 {
    let word: [u8; 4] = bytes[at..at + 4].try_into().unwrap();
    match endian {
        Endian::Big => u32::from_be_bytes(word),
        Endian::Little => u32::from_le_bytes(word),
    }
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32, endian: Endian) {
    bytes[at..at + 4].copy_from_slice(&endian.word_bytes(value));
}

fn put_u16(bytes: &mut [u8], at: usize, value: u16, endian: Endian) {
    let half = match endian {
        Endian::Big => value.to_be_bytes(),
        Endian::Little => value.to_le_bytes(),
    };
    bytes[at..at + 2].copy_from_slice(&half);
}

/// File offset of program header `index`.
fn phdr(bytes: &[u8], endian: Endian, index: usize) -> usize {
    get_u32(bytes, E_PHOFF, endian) as usize + index * PHDR_BYTES
}

#[test]
fn segments_and_entry_are_what_readelf_reports() {
    for endian in BOTH {
        // The kernel-like script, and GNU ld's default layout which adds
        // ABIFLAGS/REGINFO headers, plus a GNU_STACK header (vaddr 0, empty).
        let scripted = two_segments(endian);
        let default_layout = build(&Build {
            script: None,
            ld_flags: &["-Ttext-segment=0x40100000", "-e", "start", "-z", "noexecstack"],
            ..Build::guest(endian, "")
        });
        let kinds: Vec<_> = default_layout.readelf().segments.into_iter().map(|s| s.kind).collect();
        for kind in ["ABIFLAGS", "REGINFO", "GNU_STACK"] {
            assert!(kinds.iter().any(|k| k == kind), "no {kind} header to ignore: {kinds:?}");
        }
        for linked in [scripted, default_layout] {
            let image = GuestImage::parse(&linked.bytes, expect(endian)).unwrap();
            let readelf = linked.readelf();
            let loads: Vec<_> = readelf
                .segments
                .iter()
                .enumerate()
                .filter(|(_, s)| s.kind == "LOAD" && s.mem_bytes > 0)
                .collect();
            assert_eq!(image.segments().len(), loads.len());
            for (segment, (index, oracle)) in image.segments().iter().zip(loads) {
                assert_eq!(segment.index as usize, index);
                assert_eq!(segment.vaddr, oracle.vaddr);
                // Guest KSEG0: physical = address - 0x40000000.
                assert_eq!(segment.phys, oracle.vaddr - 0x4000_0000);
                assert_eq!(segment.file_offset, oracle.offset);
                assert_eq!(segment.file_bytes, oracle.file_bytes);
                assert_eq!(segment.mem_bytes, oracle.mem_bytes);
                assert_eq!(segment.executable, oracle.flags.contains('E'));
            }
            assert_eq!(image.entry(), readelf.entry);
            assert_eq!(image.entry(), linked.symbol("start"));
        }
    }
}

/// Guest RAM filled with a byte no segment holds, to see every write.
const UNTOUCHED: u8 = 0xa5;

#[test]
fn load_copies_contents_zeroes_bss_and_writes_nothing_else() {
    for endian in BOTH {
        let linked = two_segments(endian);
        let image = GuestImage::parse(&linked.bytes, expect(endian)).unwrap();
        let mut ram = vec![UNTOUCHED; 2 << 20];
        let loaded = image.load_into(&mut ram).unwrap();

        // objcopy's flat binary starts at the lowest section address, 0x40100000.
        let flat = linked.flat_binary();
        let mut expected = vec![UNTOUCHED; ram.len()];
        for segment in image.segments() {
            let from = (segment.vaddr - BASE) as usize;
            for i in 0..segment.mem_bytes as usize {
                let byte = if i < segment.file_bytes as usize { flat[from + i] } else { 0 };
                expected[segment.phys as usize + i] = byte;
            }
        }
        assert!(ram == expected, "{endian:?}: guest RAM differs from the objcopy image");

        // Independently of objcopy: the source's data word in the guest's
        // byte order, and its 0x100-byte bss zeroed over the fill.
        let value = (linked.symbol("value") - 0x4000_0000) as usize;
        assert_eq!(ram[value..value + 4], endian.word_bytes(0x1122_3344));
        assert_eq!(&ram[value + 4..value + 8], b"DATA");
        let buf = (linked.symbol("buf") - 0x4000_0000) as usize;
        assert!(ram[buf..buf + 0x100].iter().all(|&b| b == 0));

        assert_eq!(loaded.entry, linked.symbol("start"));
        // Four instructions of code: guest physical 0x100000..0x100010.
        let code: Vec<Range<u32>> = loaded.executable_ranges().map(|r| r.phys.clone()).collect();
        assert_eq!(code, vec![0x10_0000..0x10_0010]);
        assert_eq!(loaded.ranges.len(), 2);
    }
}

#[test]
fn load_into_a_short_slice_is_refused_and_writes_nothing() {
    let linked = two_segments(Endian::Big);
    let image = GuestImage::parse(&linked.bytes, expect(Endian::Big)).unwrap();
    let mut ram = vec![UNTOUCHED; 0x10_1000];
    let error = image.load_into(&mut ram).unwrap_err();
    assert!(matches!(error, ImageError::GuestRamSliceTooSmall { segment: SegmentId { index: 1, .. }, .. }));
    assert!(ram.iter().all(|&b| b == UNTOUCHED));
}

#[test]
fn a_linux_style_single_rwx_segment_with_a_note_loads() {
    // arch/mips/kernel/vmlinux.lds.S: PHDRS { text PT_LOAD FLAGS(7); note PT_NOTE FLAGS(4); }
    let script = "ENTRY(start)
PHDRS { text PT_LOAD FLAGS(7); note PT_NOTE FLAGS(4); }
SECTIONS {
  . = 0x40100000;
  .text : { *(.text*) } :text
  .notes : { *(.note*) } :text :note
  .data : { *(.data*) } :text
  .bss : { *(.bss*) } :text
  /DISCARD/ : { *(.MIPS.abiflags) *(.reginfo) *(.pdr) *(.gnu.attributes) }
}";
    let source = format!("{GUEST_SOURCE}\n .section .note.mipsvisor,\"a\",%note\n .balign 4\n .word 4, 0, 1\n .asciz \"MVS\"\n");
    let linked = build(&Build { source: &source, ..Build::guest(Endian::Little, script) });
    let readelf = linked.readelf();
    assert_eq!(readelf.segments.iter().map(|s| s.kind.as_str()).collect::<Vec<_>>(), ["LOAD", "NOTE"]);
    let image = GuestImage::parse(&linked.bytes, expect(Endian::Little)).unwrap();
    assert_eq!(image.segments().len(), 1);
    let segment = image.segments()[0];
    assert!(segment.executable && segment.mem_bytes > segment.file_bytes);
}

#[test]
fn physical_addresses_are_accepted_where_qemu_would_place_the_same() {
    let script = |at: &str| {
        format!(
            "ENTRY(start)
PHDRS {{ text PT_LOAD FLAGS(7); }}
SECTIONS {{
  .text 0x40100000 : AT({at}) {{ *(.text*) *(.data*) *(.bss*) }} :text
  /DISCARD/ : {{ *(.MIPS.abiflags) *(.reginfo) *(.pdr) *(.gnu.attributes) }}
}}"
        )
    };
    // Plain physical, and the real-KSEG0 alias: QEMU's loader takes
    // p_paddr & 0x1FFFFFFF, 0x100000 both times.
    for (at, paddr) in [("0x100000", 0x0010_0000), ("0x80100000", 0x8010_0000)] {
        let linked = build(&Build::guest(Endian::Big, &script(at)));
        assert_eq!(linked.readelf().segments[0].paddr, paddr);
        let image = GuestImage::parse(&linked.bytes, expect(Endian::Big)).unwrap();
        assert_eq!(image.segments()[0].phys, 0x10_0000);
    }
    let linked = build(&Build::guest(Endian::Big, &script("0x200000")));
    let error = refusal(&linked);
    assert!(matches!(error, ImageError::PhysicalAddressDisagrees { paddr: 0x20_0000, .. }), "{error:?}");
    assert!(error
        .to_string()
        .contains("not where its guest KSEG0 address places it (guest physical 0x100000)"));
}

#[test]
fn truncated_images_name_the_missing_bytes() {
    let linked = two_segments(Endian::Big);
    let code = &linked.readelf().segments[0];
    let cut =
        |len: usize| GuestImage::parse(&linked.bytes[..len], expect(Endian::Big)).unwrap_err().to_string();
    assert_eq!(cut(20), "guest ELF truncated: 20 bytes is shorter than the 52-byte ELF header");
    // Two 32-byte program headers follow the 52-byte header.
    assert_eq!(cut(60), "guest ELF truncated: program headers need bytes 0x34..0x74 of a 0x3c-byte file");
    let len = code.offset as usize + 8;
    assert_eq!(
        cut(len),
        format!(
            "guest ELF truncated: segment 0 needs bytes {:#x}..{:#x} of a {len:#x}-byte file",
            code.offset,
            code.offset + code.file_bytes
        )
    );
}

#[test]
fn the_wrong_byte_order_is_named() {
    let little = two_segments(Endian::Little);
    assert_eq!(
        GuestImage::parse(&little.bytes, expect(Endian::Big)).unwrap_err().to_string(),
        "guest ELF is little-endian but board malta is big-endian"
    );
    let big = two_segments(Endian::Big);
    assert_eq!(
        GuestImage::parse(&big.bytes, expect(Endian::Little)).unwrap_err().to_string(),
        "guest ELF is big-endian but board malta-el is little-endian"
    );
    // EI_DATA flipped to ELFDATA2LSB (1) on a big-endian image.
    let mut flipped = big.bytes.clone();
    flipped[EI_DATA] = 1;
    assert!(matches!(
        GuestImage::parse(&flipped, expect(Endian::Big)),
        Err(ImageError::WrongEndian { image: Endian::Little, .. })
    ));
    flipped[EI_DATA] = 7;
    assert_eq!(GuestImage::parse(&flipped, expect(Endian::Big)), Err(ImageError::UnknownByteOrder(7)));
}

#[test]
fn segments_must_lie_in_guest_ram_and_guest_kseg0() {
    // Linked high in guest KSEG0: guest physical 0x1f000000, past 64 MiB of RAM.
    let high = build(&Build::guest(Endian::Big, &two_segment_script(0x5f00_0000)));
    assert_eq!(
        refusal(&high).to_string(),
        "guest ELF segment 0 (vaddr 0x5f000000, 0x10 bytes) ends past guest RAM (64 MiB)"
    );
    // The good image with RAM ending inside its code segment.
    let linked = two_segments(Endian::Big);
    let small = GuestExpectations { ram_bytes: 0x10_0008, ..expect(Endian::Big) };
    assert_eq!(
        GuestImage::parse(&linked.bytes, small),
        Err(ImageError::PastGuestRam {
            segment: SegmentId { index: 0, vaddr: BASE, mem_bytes: 0x10 },
            ram_bytes: 0x10_0008
        })
    );
    // Linked at real KSEG0, as a kernel without CONFIG_KVM_GUEST is.
    let native = build(&Build::guest(Endian::Big, &two_segment_script(0x8010_0000)));
    assert_eq!(
        refusal(&native).to_string(),
        "guest ELF segment 0 (vaddr 0x80100000, 0x10 bytes) lies outside guest KSEG0 0x40000000..0x60000000; \
         link the guest at 0x40100000 (Linux: CONFIG_KVM_GUEST)"
    );
    // Code in the last page of guest KSEG0, data on the page after it; guest
    // RAM as large as guest KSEG0 so only the segment's address is wrong.
    let straddle = build(&Build::guest(Endian::Big, &two_segment_script(0x5fff_f000)));
    let all_of_kseg0 = GuestExpectations { ram_bytes: 512 << 20, ..expect(Endian::Big) };
    let error = GuestImage::parse(&straddle.bytes, all_of_kseg0).unwrap_err();
    assert!(
        matches!(
            error,
            ImageError::OutsideGuestKseg0 { segment: SegmentId { index: 1, vaddr: 0x6000_0000, .. } }
        ),
        "{error:?}"
    );
}

#[test]
fn overlapping_segments_are_refused() {
    // GNU ld accepts the overlap only when told not to check.
    let script = "ENTRY(start)
PHDRS { text PT_LOAD FLAGS(5); data PT_LOAD FLAGS(6); }
SECTIONS {
  .text 0x40100000 : { *(.text*) } :text
  .data 0x40100008 : { *(.data*) } :data
  .bss : { *(.bss*) } :data
  /DISCARD/ : { *(.MIPS.abiflags) *(.reginfo) *(.pdr) *(.gnu.attributes) }
}";
    let linked = build(&Build::guest(Endian::Big, script).flags(&["--no-check-sections"]));
    let data_bytes = linked.readelf().segments[1].mem_bytes;
    assert_eq!(
        refusal(&linked).to_string(),
        format!(
            "guest ELF segment 1 (vaddr 0x40100008, {data_bytes:#x} bytes) overlaps \
             segment 0 (vaddr 0x40100000, 0x10 bytes) in guest memory"
        )
    );
}

#[test]
fn the_entry_point_must_be_aligned_code_in_guest_kseg0() {
    let script = two_segment_script(BASE);
    let with_entry = |entry: &str| {
        let flags = ["-e", entry];
        refusal(&build(&Build::guest(Endian::Big, &script).flags(&flags)))
    };
    assert_eq!(with_entry("0x40000000"), ImageError::EntryNotInCode { entry: 0x4000_0000 });
    assert_eq!(
        with_entry("0x80100000").to_string(),
        "guest ELF entry point 0x80100000 lies outside guest KSEG0 0x40000000..0x60000000"
    );
    assert_eq!(with_entry("0x40100002"), ImageError::EntryMisaligned { entry: 0x4010_0002 });
    // The data word: inside the image but not executable.
    let error = with_entry("value");
    assert!(matches!(error, ImageError::EntryNotExecutable { entry: 0x4010_1000, .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "guest ELF entry point 0x40101000 lies in segment 1 (vaddr 0x40101000, 0x110 bytes), which is not executable"
    );
}

#[test]
fn dynamic_linking_is_refused() {
    let script = |phdrs: &str, placement: &str| {
        format!(
            "ENTRY(start)
PHDRS {{ {phdrs} }}
SECTIONS {{
  . = 0x40100000;
  .interp : {{ BYTE(0x2f) BYTE(0) }} {placement}
  .text : {{ *(.text*) *(.data*) *(.bss*) }} :text
  /DISCARD/ : {{ *(.MIPS.abiflags) *(.reginfo) *(.pdr) *(.gnu.attributes) }}
}}"
        )
    };
    let interp = build(&Build::guest(
        Endian::Big,
        &script("interp PT_INTERP; text PT_LOAD FLAGS(7);", ":interp :text"),
    ));
    assert_eq!(refusal(&interp), ImageError::DynamicLinking { index: 0, kind: DynamicKind::Interpreter });
    let dynamic =
        build(&Build::guest(Endian::Big, &script("text PT_LOAD FLAGS(7); dyn PT_DYNAMIC;", ":text :dyn")));
    assert_eq!(
        refusal(&dynamic).to_string(),
        "guest ELF segment 1 asks for dynamic linking information (PT_DYNAMIC); a guest kernel must be static"
    );
    // A shared object (ET_DYN) from code with no relocations.
    let shared = build(&Build {
        source: ".text\n.globl start\nstart: nop\n",
        script: None,
        ld_flags: &["-shared"],
        ..Build::guest(Endian::Big, "")
    });
    assert_eq!(refusal(&shared), ImageError::NotExecutable { e_type: 3 });
}

#[test]
fn an_image_without_a_load_segment_is_refused() {
    let script = "ENTRY(start)
PHDRS { note PT_NOTE; }
SECTIONS {
  . = 0x40100000;
  .text : { *(.text*) *(.data*) *(.bss*) } :note
  /DISCARD/ : { *(.MIPS.abiflags) *(.reginfo) *(.pdr) *(.gnu.attributes) }
}";
    let linked = build(&Build::guest(Endian::Little, script));
    assert_eq!(refusal(&linked).to_string(), "guest ELF has no loadable (PT_LOAD) segment");
}

#[test]
fn class_machine_and_isa_must_fit_the_guest_cpu() {
    // MIPS64 as ELFCLASS64 (n64).
    let source64 = ".text\n.globl start\nstart: daddu $2, $3, $4\n";
    let n64 = build(&Build {
        march: "mips64r2",
        mabi: "64",
        source: source64,
        script: None,
        ld_flags: &["-e", "start"],
        ..Build::guest(Endian::Big, "")
    });
    assert_eq!(refusal(&n64), ImageError::Not32Bit);

    let script = two_segment_script(BASE);
    // MIPS64r2 code in an ELFCLASS32 (o32) image: GNU as sets EF_MIPS_ARCH_64R2.
    let mips64_o32 = build(&Build { march: "mips64r2", ..Build::guest(Endian::Big, &script) });
    assert_eq!(
        refusal(&mips64_o32).to_string(),
        "guest ELF is built for MIPS64r2, a 64-bit ISA, but the guest CPU is MIPS32r2"
    );
    let r6 = build(&Build { march: "mips32r6", ..Build::guest(Endian::Little, &script) });
    assert_eq!(
        refusal(&r6).to_string(),
        "guest ELF is built for MIPS32r6, which a MIPS32r2 guest CPU cannot run"
    );
    let r6_guest = GuestExpectations { isa: GuestIsa::Mips32r6, ..expect(Endian::Little) };
    assert!(GuestImage::parse(&r6.bytes, r6_guest).is_ok());
    let r2_on_r6 = two_segments(Endian::Little);
    assert!(matches!(
        GuestImage::parse(&r2_on_r6.bytes, r6_guest),
        Err(ImageError::WrongIsa { image: IsaLevel::Mips32r2, guest: GuestIsa::Mips32r6 })
    ));
    // Older MIPS32 code runs on a MIPS32r2 guest.
    let mips32 = build(&Build { march: "mips32", ..Build::guest(Endian::Big, &script) });
    assert!(GuestImage::parse(&mips32.bytes, expect(Endian::Big)).is_ok());

    let mut x86 = two_segments(Endian::Big).bytes;
    put_u16(&mut x86, E_MACHINE, 62, Endian::Big);
    assert_eq!(
        GuestImage::parse(&x86, expect(Endian::Big)).unwrap_err().to_string(),
        "guest ELF is for machine 62, not MIPS (EM_MIPS = 8)"
    );
    assert_eq!(
        GuestImage::parse(b"#!/bin/sh\necho not a kernel\n", expect(Endian::Big)),
        Err(ImageError::NotElf { magic: *b"#!/b" })
    );
}

#[test]
fn header_fields_poked_into_nonsense_are_refused() {
    let good = two_segments(Endian::Little);
    let endian = Endian::Little;
    // Program header 1 (data and bss) claiming less memory than file bytes.
    let mut shrunk = good.bytes.clone();
    put_u32(&mut shrunk, phdr(&good.bytes, endian, 1) + P_MEMSZ, 4, endian);
    let file_bytes = good.readelf().segments[1].file_bytes;
    assert_eq!(
        GuestImage::parse(&shrunk, expect(endian)).unwrap_err().to_string(),
        format!(
            "guest ELF segment 1 (vaddr 0x40101000, 0x4 bytes) has {file_bytes:#x} bytes in the file, \
             more than its size in memory"
        )
    );
    // Both loads turned into PT_NULL.
    let mut unloaded = good.bytes.clone();
    for index in 0..2 {
        put_u32(&mut unloaded, phdr(&good.bytes, endian, index) + P_TYPE, 0, endian);
    }
    assert_eq!(GuestImage::parse(&unloaded, expect(endian)), Err(ImageError::NoLoadSegment));
}

/// The files qemu-tests/make-bad-elves writes are refused for the reasons
/// their names give, on the board they were made for (guest RAM as the
/// board files give it: 256 MiB less the monitor's 32).
#[test]
fn the_smoke_suites_bad_elves_are_refused_for_their_reasons() {
    for (board, endian) in [("malta", Endian::Big), ("malta-el", Endian::Little)] {
        let dir = ScratchDir::new("bad-elves");
        make_bad_elves(dir.path(), board);
        let expect = GuestExpectations { board, endian, isa: GuestIsa::Mips32r2, ram_bytes: 224 << 20 };
        let parse = |name: &str| {
            let bytes = std::fs::read(dir.file(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            GuestImage::parse(&bytes, expect).map(|_| ())
        };
        assert!(matches!(parse("truncated.elf"), Err(ImageError::SegmentTruncated { .. })), "{board}");
        assert!(matches!(parse("wrong-endian.elf"), Err(ImageError::WrongEndian { .. })), "{board}");
        assert!(matches!(parse("outside-ram.elf"), Err(ImageError::PastGuestRam { .. })), "{board}");
        assert_eq!(parse("good.elf"), Ok(()), "{board}: the script's control image must load");
    }
}
