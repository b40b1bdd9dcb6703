//! `check=isolation`: after guest exits, the monitor checks the isolation
//! invariant ([`mipsvisor::isolation`]) on the real machine state: the host
//! TLB every [`HOST_TLB_EVERY`] exits, the vectors a 64-word slice per exit, a rotating slice of the monitor's image
//! every exit (the whole image within [`FULL_TABLE_WALK_EVERY`] exits), and
//! every GVA table every [`FULL_TABLE_WALK_EVERY`] exits.

use alloc::format;
use alloc::string::String;

use mipsvisor::cp0;
use mipsvisor::isolation::{Plant, Rules, SlicedChecksum, Violation, FULL_TABLE_WALK_EVERY};
use mipsvisor::mmu::entrylo::{Access, EntryLo};
use mipsvisor::vcpu::mmu::GuestMmu;

use crate::arch;
use crate::boot::Boot;

extern "C" {
    static __text_start: u32;
    static __text_end: u32;
    static __rodata_start: u32;
    static __rodata_end: u32;
    static __vectors_end: u32;
}

/// The exit at which `isolation_plant=` breaks something: a multiple of
/// [`FULL_TABLE_WALK_EVERY`], so the full walk runs on that very exit.
const PLANT_AT_EXIT: u64 = 2 * FULL_TABLE_WALK_EVERY;

/// The vector page is checked a slice per exit, the whole page every 16 exits:
/// checksumming all 1024 words on every exit cost more than the exit itself.
const VECTOR_SLICE_WORDS: usize = 64;

/// Exits between read-backs of the whole host TLB. Every exit cost 7x in
/// Linux fork-heavy work under QEMU, which flushes its own TLB on each TLBR
/// of another ASID; the monitor is the only writer of the host TLB anyway.
const HOST_TLB_EVERY: u64 = 16;

/// A word `isolation_plant=rodata` overwrites; never read.
static RODATA_PLANT_TARGET: [u32; 4] = [0x150_c4ec, 0x150_c4ec, 0x150_c4ec, 0x150_c4ec];

/// One word range of the monitor's own memory, with its name for reports.
struct Region {
    name: &'static str,
    start: usize,
    end: usize,
    slice_words: usize,
    checksum: SlicedChecksum,
}

impl Region {
    fn new(name: &'static str, start: usize, end: usize, slice_words: usize) -> Self {
        let mut region = Region { name, start, end, slice_words, checksum: SlicedChecksum::record(&[], 1) };
        region.checksum = SlicedChecksum::record(region.words(), slice_words);
        region
    }

    fn words(&self) -> &'static [u32] {
        // SAFETY: a link-script range of the monitor's own loaded image, word aligned.
        unsafe { core::slice::from_raw_parts(self.start as *const u32, (self.end - self.start) / 4) }
    }

    fn report(&self, word_offset: usize) -> String {
        let at = self.start + word_offset * 4;
        let end = at.saturating_add(self.slice_words.saturating_mul(4)).min(self.end);
        format!("the monitor's {} changed within {at:#x}..{end:#x} (checksum)", self.name)
    }

    fn step(&mut self) -> Result<(), String> {
        self.checksum.step(self.words()).map_err(|offset| self.report(offset))
    }
}

/// The check's state across exits.
pub struct IsolationCheck {
    rules: Rules,
    tlb_entries: u32,
    mmids_on: bool,
    ebase: u32,
    vectors: Region,
    image: [Region; 2],
    exits: u64,
    plant: Option<Plant>,
}

fn symbol(address: &u32) -> usize {
    address as *const u32 as usize
}

impl IsolationCheck {
    /// `None` unless the monitor words ask for it (`check=isolation`).
    pub fn from_boot(boot: &Boot, guest_ram_phys: u64, guest_ram_bytes: u64, mmids_on: bool) -> Option<Self> {
        match boot.info.option("check") {
            None | Some("off") => return None,
            Some("isolation") => {}
            Some(other) => crate::run::stop(format_args!("check={other}: say check=isolation or check=off")),
        }
        let plant = boot.info.option("isolation_plant").map(|word| {
            Plant::parse(word).unwrap_or_else(|| {
                crate::run::stop(format_args!("isolation_plant={word}: say tlb, pte, rodata or vectors"))
            })
        });
        // SAFETY: link-script symbols; only their addresses are taken.
        let (text, rodata, vectors_end) = unsafe {
            (
                (symbol(&__text_start), symbol(&__text_end)),
                (symbol(&__rodata_start), symbol(&__rodata_end)),
                symbol(&__vectors_end),
            )
        };
        let image_words = (text.1 - text.0 + rodata.1 - rodata.0) / 4;
        // The whole image once per full-walk period.
        let image_slice_words = image_words.div_ceil(FULL_TABLE_WALK_EVERY as usize);
        let vector_base = arch::trap::vector_base();
        let check = IsolationCheck {
            rules: Rules {
                guest_ram: guest_ram_phys..guest_ram_phys + guest_ram_bytes,
                device_page_allowed: mipsvisor::devices::guest_may_map_page,
            },
            tlb_entries: boot.cpu.tlb_entries,
            mmids_on,
            ebase: mfc0!(cp0::EBASE),
            vectors: Region::new("exception vectors", vector_base, vectors_end, VECTOR_SLICE_WORDS),
            image: [
                Region::new(".text", text.0, text.1, image_slice_words),
                Region::new(".rodata", rodata.0, rodata.1, image_slice_words),
            ],
            exits: 0,
            plant,
        };
        println!(
            "mipsvisor: isolation check on: host TLB ({} entries) every {} exits, the vectors every 16 exits, a {}-word slice \
             of .text and of .rodata ({} words) every exit, GVA tables every {} exits{}",
            check.tlb_entries,
            HOST_TLB_EVERY,
            image_slice_words,
            image_words,
            FULL_TABLE_WALK_EVERY,
            match plant {
                Some(plant) => format!("; planting a {plant:?} violation at exit {PLANT_AT_EXIT}"),
                None => String::new(),
            }
        );
        Some(check)
    }

    /// Checks the invariant after one guest exit; `Err` is the report.
    pub fn after_exit(&mut self, mmu: &GuestMmu) -> Result<(), String> {
        self.exits += 1;
        let full = self.exits.is_multiple_of(FULL_TABLE_WALK_EVERY);
        if self.exits == PLANT_AT_EXIT {
            if let Some(plant) = self.plant.take() {
                self.plant(plant, mmu);
            }
        }
        let ebase = mfc0!(cp0::EBASE);
        if ebase != self.ebase {
            return Err(format!("EBase changed from {:#x} to {ebase:#x}", self.ebase));
        }
        self.vectors.step()?;
        if full || self.exits.is_multiple_of(HOST_TLB_EVERY) {
            self.check_host_tlb()?;
        }
        for region in &mut self.image {
            region.step()?;
        }
        if full {
            self.check_gva_tables(mmu)?;
        }
        Ok(())
    }

    fn check_host_tlb(&self) -> Result<(), String> {
        let mut first = Ok(());
        arch::tlb::read_entries(0..self.tlb_entries, self.mmids_on, |index, entry| {
            if first.is_err() {
                return;
            }
            let lo = [entry.lo0 as u64, entry.lo1 as u64];
            // Its address space: the MMID TLBR read, else EntryHi.ASID.
            let space = entry.mmid.unwrap_or(entry.entry_hi as u32 & 0xff);
            first = self
                .rules
                .check_tlb_entry(entry.entry_hi as u64, entry.page_mask.into(), lo)
                .and_then(|()| self.rules.check_tlb_space(entry.entry_hi as u64, lo, space))
                .map_err(|v| {
                    format!(
                        "host TLB entry {index} (EntryHi {:#x}, PageMask {:#x}, EntryLo0 {:#x}, EntryLo1 {:#x}, {} {space}) {}",
                        entry.entry_hi,
                        entry.page_mask,
                        entry.lo0,
                        entry.lo1,
                        if entry.mmid.is_some() { "MMID" } else { "ASID" },
                        describe(&v)
                    )
                });
        });
        first
    }

    fn check_gva_tables(&self, mmu: &GuestMmu) -> Result<(), String> {
        for (number, table) in mmu.gva_tables().enumerate() {
            let mut first = Ok(());
            table.for_each_pte(|gva, word, address| {
                if first.is_ok() {
                    first = self.rules.check_pte(gva, word).map_err(|v| {
                        format!("GVA table {number} PTE at {address:#x} (word {word:#x}) {}", describe(&v))
                    });
                }
            });
            first?;
        }
        Ok(())
    }

    /// Breaks the invariant on purpose, so a test can see the check fire.
    fn plant(&mut self, plant: Plant, mmu: &GuestMmu) {
        let monitor_page = arch::phys_of(self.image[0].start) & !0xfff;
        let monitor_pte =
            EntryLo::new(monitor_page, cp0::fields::cca::CACHEABLE_NONCOHERENT_WB, Access::ReadOnly)
                .expect("the monitor's page has an EntryLo");
        let target = match plant {
            Plant::Tlb => {
                let index = self.tlb_entries - 1;
                arch::tlb::write_entry(index, 0x1000_0000, monitor_pte.bits() as usize, 0);
                format!("host TLB entry {index}")
            }
            Plant::Pte => {
                let mut planted = None;
                for table in mmu.gva_tables() {
                    table.for_each_pte(|_, _, address| {
                        planted.get_or_insert(address);
                    });
                }
                let Some(address) = planted else {
                    println!("mipsvisor: isolation_plant=pte: no PTE to overwrite yet");
                    return;
                };
                // SAFETY: a live PTE word of the guest's tables: the test
                // deliberately points it at the monitor.
                unsafe { core::ptr::write_volatile(address as *mut usize, monitor_pte.bits() as usize) };
                format!("the PTE at {address:#x}")
            }
            Plant::Rodata => {
                let address = core::ptr::addr_of!(RODATA_PLANT_TARGET[1]) as usize;
                // SAFETY: a word of the monitor's .rodata nothing reads; the
                // test deliberately changes it (KSEG0 is writable).
                unsafe { core::ptr::write_volatile(address as *mut u32, !RODATA_PLANT_TARGET[0]) };
                format!(".rodata at {address:#x}")
            }
            Plant::Vectors => {
                let address = self.vectors.end - 4;
                // SAFETY: the vector page's last word is padding no vector reaches.
                unsafe { core::ptr::write_volatile(address as *mut u32, 0x0000_000d) };
                format!("the vectors at {address:#x}")
            }
        };
        println!("mipsvisor: isolation_plant: changed {target} at exit {}", self.exits);
    }
}

fn describe(v: &Violation) -> String {
    format!("maps VA {:#x} to PA {:#x}: it {}", v.va, v.pa, v.why)
}
