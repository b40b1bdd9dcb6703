//! The Malta flash image the monitor boots from (`tools/mkflash.rs` builds
//! it, `arch::flash` is the code at its start).
//!
//! Booting as the board's firmware makes the reset vector (0xBFC00000) and
//! the EJTAG debug vector (0xBFC00480) the monitor's own, so a guest's SDBBP
//! lands in monitor code instead of whatever the flash held.
//!
//! Layout, as offsets from the flash base (seen by the CPU at 0x1FC00000):
//! - 0x000: the reset stub (`__flash_stub_start`..`__flash_stub_end` of the
//!   monitor ELF), at most `STUB_BYTES`; its debug vector sits at 0x480. The
//!   word at 0x10 stays zero: QEMU writes the board ID there.
//! - `HEADER_OFFSET`: the header (`HEADER_WORDS` words), then payloads from
//!   `PAYLOAD_OFFSET`, each 4-byte aligned: the monitor image, the YAMON boot
//!   block for the monitor (its command line), and optionally a guest image.
//!   The stub copies each segment to RAM, checks its sum, and enters the
//!   monitor with YAMON's a0-a3, so the monitor boots exactly as it does
//!   under QEMU's `-kernel`; a guest segment is named to it by the
//!   `rd_start=`/`rd_size=` words QEMU's `-initrd` uses.
//!
//! Byte order: QEMU's Malta stores its flash as big-endian words on every
//! target (a little-endian QEMU byte-swaps each word of the first 0x3E0000
//! bytes at load, so one image serves both endiannesses). The image is built
//! as the bytes the CPU should see, then each word is stored big-endian, and
//! the stub copies whole words: a string or an instruction arrives in RAM in
//! the target's byte order.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use crate::loader::{BootBlock, BOOT_BLOCK_BYTES, BOOT_BLOCK_PHYS};
use crate::uasm::Endian;

/// QEMU's Malta flash is 4 MiB; a little-endian QEMU swaps only its first
/// 0x3E0000 bytes (the rest is YAMON's environment), so the image must end there.
pub const MAX_IMAGE_BYTES: usize = 0x3e_0000;
/// The reset stub's room, debug vector included.
pub const STUB_BYTES: usize = 0x800;
/// The debug exception vector's offset (EJTAG, ProbEn = 0: 0xBFC00480).
pub const DEBUG_VECTOR_OFFSET: usize = 0x480;
/// The word QEMU overwrites with the Malta board ID (0x420, CoreLV).
pub const BOARD_ID_OFFSET: usize = 0x10;
pub const HEADER_OFFSET: usize = 0x800;
pub const PAYLOAD_OFFSET: usize = 0x1000;
/// "MVFL".
pub const MAGIC: u32 = 0x4d56_464c;
pub const VERSION: u32 = 1;
/// Segments: the monitor, its boot block, the guest.
pub const SEGMENTS: usize = 3;
/// magic, version, argc, argv, envp, ram bytes, entry, then four words per
/// segment (flash offset, bytes, load address, sum), then the header sum.
pub const HEADER_WORDS: usize = 7 + 4 * SEGMENTS + 1;
/// Header word indices the stub reads (`arch::flash` uses them too).
pub mod word {
    pub const MAGIC: usize = 0;
    pub const ARGC: usize = 2;
    pub const ARGV: usize = 3;
    pub const ENVP: usize = 4;
    pub const RAM_BYTES: usize = 5;
    pub const ENTRY: usize = 6;
    pub const FIRST_SEGMENT: usize = 7;
    pub const SEGMENT_WORDS: usize = 4;
}
/// Where a guest in flash is copied, and where a board loader puts one too
/// big for the flash: 64 MiB, inside the guest's RAM window (above the
/// monitor's 32 MiB), which the monitor copies it out of before loading.
pub const GUEST_LOAD_PHYS: u32 = 0x0400_0000;
/// QEMU's Malta gives at most 256 MiB of low RAM (ram_low_size).
pub const MAX_LOW_RAM_BYTES: u64 = 256 << 20;

const KSEG0_BASE: u32 = 0x8000_0000;

/// A payload the stub copies to RAM.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Segment {
    pub offset: u32,
    pub bytes: u32,
    /// KSEG0 address (low 32 bits).
    pub load: u32,
    pub sum: u32,
}

/// The decoded header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub argc: u32,
    pub argv: u32,
    pub envp: u32,
    pub ram_bytes: u32,
    pub entry: u32,
    pub segments: [Segment; SEGMENTS],
}

/// Where the guest comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuestPlacement<'a> {
    None,
    /// Stored in the flash and copied to `GUEST_LOAD_PHYS` by the stub.
    InFlash(&'a [u8]),
    /// Put at `GUEST_LOAD_PHYS` by the board's loader (QEMU `-device loader`).
    InRam {
        bytes: u32,
    },
}

/// What goes into an image.
pub struct ImageSpec<'a> {
    pub endian: Endian,
    pub stub: &'a [u8],
    /// The monitor's loadable bytes, from `monitor_load` on.
    pub monitor: &'a [u8],
    pub monitor_load: u32,
    pub entry: u32,
    pub ram_bytes: u64,
    /// The monitor's own words (and `--` and the guest's).
    pub cmdline: &'a str,
    pub guest: GuestPlacement<'a>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlashError {
    StubTooLarge {
        bytes: usize,
    },
    /// The stub uses the word QEMU overwrites with the board ID.
    StubUsesBoardIdWord,
    TooLarge {
        bytes: usize,
    },
    BadMonitorLoad {
        load: u32,
    },
    BootBlock(String),
    /// Reading an image back.
    Truncated {
        bytes: usize,
    },
    BadMagic {
        found: u32,
    },
    BadVersion {
        found: u32,
    },
    HeaderChecksum,
    SegmentOutsideImage {
        index: usize,
    },
    SegmentChecksum {
        index: usize,
        expected: u32,
        found: u32,
    },
}

impl fmt::Display for FlashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlashError::StubTooLarge { bytes } => {
                write!(f, "reset stub is {bytes} bytes; the flash layout has room for {STUB_BYTES}")
            }
            FlashError::StubUsesBoardIdWord => {
                write!(f, "reset stub uses the word at {BOARD_ID_OFFSET:#x}, which QEMU overwrites with the board ID")
            }
            FlashError::TooLarge { bytes } => write!(
                f,
                "image needs {bytes} bytes, the flash holds {MAX_IMAGE_BYTES}: put the guest in RAM instead (--guest-in-ram)"
            ),
            FlashError::BadMonitorLoad { load } => write!(f, "monitor load address {load:#x} is not in KSEG0"),
            FlashError::BootBlock(e) => write!(f, "boot arguments: {e}"),
            FlashError::Truncated { bytes } => write!(f, "image of {bytes} bytes is too short for a header"),
            FlashError::BadMagic { found } => write!(f, "no mipsvisor flash header (magic {found:#010x})"),
            FlashError::BadVersion { found } => write!(f, "flash header version {found}, expected {VERSION}"),
            FlashError::HeaderChecksum => write!(f, "flash header checksum mismatch"),
            FlashError::SegmentOutsideImage { index } => write!(f, "segment {index} lies outside the image"),
            FlashError::SegmentChecksum { index, expected, found } => {
                write!(f, "segment {index} sum {found:#010x}, header says {expected:#010x}")
            }
        }
    }
}

/// The sum the stub checks: the wrapping sum of the bytes as words in the
/// target's order (zero-padded to a word).
pub use crate::loader::bundle::word_checksum as checksum;

fn round_up4(n: usize) -> usize {
    (n + 3) & !3
}

/// The guest-loading words the monitor reads (as QEMU's `-initrd` writes them).
pub fn initrd_words(bytes: u32) -> String {
    format!("rd_start={:#x} rd_size={bytes}", KSEG0_BASE | GUEST_LOAD_PHYS)
}

impl Header {
    fn words(&self) -> [u32; HEADER_WORDS] {
        let mut w = [0u32; HEADER_WORDS];
        w[word::MAGIC] = MAGIC;
        w[1] = VERSION;
        w[word::ARGC] = self.argc;
        w[word::ARGV] = self.argv;
        w[word::ENVP] = self.envp;
        w[word::RAM_BYTES] = self.ram_bytes;
        w[word::ENTRY] = self.entry;
        for (i, s) in self.segments.iter().enumerate() {
            let at = word::FIRST_SEGMENT + i * word::SEGMENT_WORDS;
            w[at..at + 4].copy_from_slice(&[s.offset, s.bytes, s.load, s.sum]);
        }
        // The last word makes the header's words sum to zero.
        let sum = w[..HEADER_WORDS - 1].iter().fold(0u32, |a, b| a.wrapping_add(*b));
        w[HEADER_WORDS - 1] = sum.wrapping_neg();
        w
    }
}

/// Builds the flash image: the bytes of the file QEMU's `-bios` takes.
pub fn build(spec: &ImageSpec) -> Result<Vec<u8>, FlashError> {
    if spec.stub.len() > STUB_BYTES {
        return Err(FlashError::StubTooLarge { bytes: spec.stub.len() });
    }
    if spec.stub.get(BOARD_ID_OFFSET..BOARD_ID_OFFSET + 4).is_some_and(|w| w != [0; 4]) {
        return Err(FlashError::StubUsesBoardIdWord);
    }
    if !(KSEG0_BASE..0xa000_0000).contains(&spec.monitor_load) {
        return Err(FlashError::BadMonitorLoad { load: spec.monitor_load });
    }
    let cmdline = match spec.guest {
        GuestPlacement::None => String::from(spec.cmdline),
        GuestPlacement::InFlash(bytes) => format!("{} {}", initrd_words(bytes.len() as u32), spec.cmdline),
        GuestPlacement::InRam { bytes } => format!("{} {}", initrd_words(bytes), spec.cmdline),
    };
    // The monitor's boot block, laid out as QEMU's loader lays the guest's.
    let mut low_ram = vec![0u8; (BOOT_BLOCK_PHYS + BOOT_BLOCK_BYTES) as usize];
    let registers = BootBlock { image_name: "mipsvisor", cmdline: cmdline.trim() }
        .write_into(&mut low_ram, spec.endian, &[])
        .map_err(|e| FlashError::BootBlock(format!("{e}")))?;
    let boot_block = &low_ram[BOOT_BLOCK_PHYS as usize..];

    let guest: &[u8] = match spec.guest {
        GuestPlacement::InFlash(bytes) => bytes,
        _ => &[],
    };
    let payloads: [(&[u8], u32); SEGMENTS] = [
        (spec.monitor, spec.monitor_load),
        (boot_block, KSEG0_BASE | BOOT_BLOCK_PHYS),
        (guest, KSEG0_BASE | GUEST_LOAD_PHYS),
    ];
    let mut image = vec![0u8; PAYLOAD_OFFSET];
    image[..spec.stub.len()].copy_from_slice(spec.stub);
    let mut segments = [Segment::default(); SEGMENTS];
    for (segment, (bytes, load)) in segments.iter_mut().zip(payloads) {
        if bytes.is_empty() {
            continue;
        }
        let offset = image.len();
        image.extend_from_slice(bytes);
        image.resize(round_up4(image.len()), 0);
        *segment = Segment {
            offset: offset as u32,
            bytes: round_up4(bytes.len()) as u32,
            load,
            sum: checksum(bytes, spec.endian),
        };
        if image.len() > MAX_IMAGE_BYTES {
            return Err(FlashError::TooLarge { bytes: image.len() });
        }
    }
    let header = Header {
        argc: registers.a0,
        argv: registers.a1,
        envp: registers.a2,
        ram_bytes: spec.ram_bytes.min(MAX_LOW_RAM_BYTES) as u32,
        entry: spec.entry,
        segments,
    };
    for (i, w) in header.words().iter().enumerate() {
        let at = HEADER_OFFSET + 4 * i;
        image[at..at + 4].copy_from_slice(&spec.endian.word_bytes(*w));
    }
    // Each word big-endian: a little-endian target's bytes reversed per word.
    if spec.endian == Endian::Little {
        image.chunks_mut(4).for_each(|w| w.reverse());
    }
    Ok(image)
}

/// Reads an image back and checks everything the stub checks: what a
/// flash-booted board would accept.
pub fn parse(image: &[u8], endian: Endian) -> Result<Header, FlashError> {
    let memory_word = |at: usize| -> Option<u32> {
        let mut bytes: [u8; 4] = image.get(at..at + 4)?.try_into().ok()?;
        if endian == Endian::Little {
            bytes.reverse();
        }
        Some(endian.read_word(bytes))
    };
    let mut w = [0u32; HEADER_WORDS];
    for (i, slot) in w.iter_mut().enumerate() {
        *slot = memory_word(HEADER_OFFSET + 4 * i).ok_or(FlashError::Truncated { bytes: image.len() })?;
    }
    if w[word::MAGIC] != MAGIC {
        return Err(FlashError::BadMagic { found: w[word::MAGIC] });
    }
    if w.iter().fold(0u32, |a, b| a.wrapping_add(*b)) != 0 {
        return Err(FlashError::HeaderChecksum);
    }
    if w[1] != VERSION {
        return Err(FlashError::BadVersion { found: w[1] });
    }
    let mut segments = [Segment::default(); SEGMENTS];
    for (index, s) in segments.iter_mut().enumerate() {
        let at = word::FIRST_SEGMENT + index * word::SEGMENT_WORDS;
        *s = Segment { offset: w[at], bytes: w[at + 1], load: w[at + 2], sum: w[at + 3] };
        let range = s.offset as usize..s.offset as usize + s.bytes as usize;
        if s.bytes == 0 {
            continue;
        }
        if range.end > image.len() || s.offset % 4 != 0 || s.bytes % 4 != 0 {
            return Err(FlashError::SegmentOutsideImage { index });
        }
        let found = range.step_by(4).fold(0u32, |sum, at| sum.wrapping_add(memory_word(at).unwrap_or(0)));
        if found != s.sum {
            return Err(FlashError::SegmentChecksum { index, expected: s.sum, found });
        }
    }
    Ok(Header {
        argc: w[word::ARGC],
        argv: w[word::ARGV],
        envp: w[word::ENVP],
        ram_bytes: w[word::RAM_BYTES],
        entry: w[word::ENTRY],
        segments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stub() -> Vec<u8> {
        let mut stub = vec![0u8; 0x500];
        stub[0..4].copy_from_slice(&[0x10, 0x00, 0x00, 0x07]);
        stub[DEBUG_VECTOR_OFFSET..DEBUG_VECTOR_OFFSET + 4].copy_from_slice(&[1, 2, 3, 4]);
        stub
    }

    fn spec<'a>(endian: Endian, stub: &'a [u8], guest: GuestPlacement<'a>) -> ImageSpec<'a> {
        ImageSpec {
            endian,
            stub,
            monitor: b"monitor bytes, not a word multiple",
            monitor_load: 0x8010_0000,
            entry: 0x8010_0000,
            ram_bytes: 512 << 20,
            cmdline: "selftest=refill -- console=ttyS0",
            guest,
        }
    }

    #[test]
    fn stub_sits_at_the_reset_vector_and_big_endian_words_on_every_target() {
        let stub = stub();
        let be = build(&spec(Endian::Big, &stub, GuestPlacement::None)).unwrap();
        let le = build(&spec(Endian::Little, &stub, GuestPlacement::None)).unwrap();
        assert_eq!(&be[..4], &stub[..4]);
        assert_eq!(&be[DEBUG_VECTOR_OFFSET..DEBUG_VECTOR_OFFSET + 4], &[1, 2, 3, 4]);
        // A little-endian QEMU swaps every word back: the CPU sees the stub's bytes.
        assert_eq!(&le[DEBUG_VECTOR_OFFSET..DEBUG_VECTOR_OFFSET + 4], &[4, 3, 2, 1]);
        assert_eq!(&be[BOARD_ID_OFFSET..BOARD_ID_OFFSET + 4], &[0; 4]);
        // The magic reads as a big-endian word from the file either way.
        for image in [&be, &le] {
            assert_eq!(image[HEADER_OFFSET..HEADER_OFFSET + 4], MAGIC.to_be_bytes());
            assert_eq!(image.len() % 4, 0);
        }
    }

    #[test]
    fn header_round_trips_with_boot_arguments_the_monitor_parses() {
        let stub = stub();
        for endian in [Endian::Big, Endian::Little] {
            let image = build(&spec(endian, &stub, GuestPlacement::None)).unwrap();
            let header = parse(&image, endian).unwrap();
            assert_eq!((header.argc, header.argv, header.envp), (2, 0x8000_2000, 0x8000_2008));
            // QEMU's Malta has at most 256 MiB of low RAM.
            assert_eq!(header.ram_bytes, 256 << 20);
            assert_eq!(header.segments[0].load, 0x8010_0000);
            assert_eq!(header.segments[2].bytes, 0);
            // The boot block, as the stub leaves it in RAM, holds the command line.
            let block = header.segments[1];
            let mut ram: Vec<u8> =
                image[block.offset as usize..(block.offset + block.bytes) as usize].to_vec();
            if endian == Endian::Little {
                ram.chunks_mut(4).for_each(|w| w.reverse());
            }
            let text = String::from_utf8_lossy(&ram);
            assert!(text.contains("selftest=refill -- console=ttyS0"), "{endian:?}");
        }
    }

    #[test]
    fn guest_in_flash_or_ram_is_named_by_initrd_words() {
        let stub = stub();
        let guest = [7u8; 10];
        let image = build(&spec(Endian::Big, &stub, GuestPlacement::InFlash(&guest))).unwrap();
        let header = parse(&image, Endian::Big).unwrap();
        assert_eq!(header.segments[2].load, 0x8400_0000);
        assert_eq!(header.segments[2].bytes, 12);
        let text = String::from_utf8_lossy(&image);
        assert!(text.contains("rd_start=0x84000000 rd_size=10 selftest=refill"));
        let in_ram = build(&spec(Endian::Big, &stub, GuestPlacement::InRam { bytes: 9_000_000 })).unwrap();
        assert_eq!(parse(&in_ram, Endian::Big).unwrap().segments[2].bytes, 0);
        assert!(String::from_utf8_lossy(&in_ram).contains("rd_start=0x84000000 rd_size=9000000"));
    }

    #[test]
    fn corrupt_images_are_refused_with_the_reason() {
        let stub = stub();
        let image = build(&spec(Endian::Little, &stub, GuestPlacement::None)).unwrap();
        let mut bad = image.clone();
        bad[HEADER_OFFSET] ^= 1;
        assert!(matches!(parse(&bad, Endian::Little), Err(FlashError::BadMagic { .. })));
        let mut bad = image.clone();
        bad[HEADER_OFFSET + 4 * word::ENTRY] ^= 1;
        assert_eq!(parse(&bad, Endian::Little), Err(FlashError::HeaderChecksum));
        let mut bad = image.clone();
        bad[PAYLOAD_OFFSET + 1] ^= 0x40;
        assert!(matches!(parse(&bad, Endian::Little), Err(FlashError::SegmentChecksum { index: 0, .. })));
        assert_eq!(parse(&image[..0x840], Endian::Little), Err(FlashError::Truncated { bytes: 0x840 }));
    }

    #[test]
    fn what_does_not_fit_is_refused() {
        let mut stub = stub();
        stub[BOARD_ID_OFFSET] = 1;
        assert_eq!(
            build(&spec(Endian::Big, &stub, GuestPlacement::None)),
            Err(FlashError::StubUsesBoardIdWord)
        );
        let big = vec![0u8; STUB_BYTES + 4];
        assert!(matches!(
            build(&spec(Endian::Big, &big, GuestPlacement::None)),
            Err(FlashError::StubTooLarge { .. })
        ));
        let stub = self::stub();
        let guest = vec![0u8; MAX_IMAGE_BYTES];
        assert!(matches!(
            build(&spec(Endian::Big, &stub, GuestPlacement::InFlash(&guest))),
            Err(FlashError::TooLarge { .. })
        ));
    }
}
