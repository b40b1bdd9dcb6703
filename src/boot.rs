//! Boot sequence in Rust: find the board, bring up the console, install
//! the vectors and the heap, read the loader's arguments, print the banner.

use mipsvisor::board::{self, Board, BOARDS};
use mipsvisor::bootargs::{BootInfo, BootProtocol, LoaderMemory};
use mipsvisor::cp0::{self, fields::Status};
use mipsvisor::cpu::CpuInfo;
use mipsvisor::memmap::MemoryMap;
use mipsvisor::mmu::gva::NativeGvaTable;

use crate::arch;

/// Everything the rest of the monitor needs from boot.
pub struct Boot {
    /// A GVA table with nothing mapped: the refill root while no guest runs.
    pub empty_table: NativeGvaTable,
    pub board: &'static Board,
    pub cpu: CpuInfo,
    pub info: BootInfo,
    pub memory: MemoryMap,
}

/// The loader's tables, read through KSEG0 within low RAM only.
struct Kseg0Loader {
    ram_bytes: u64,
}

impl Kseg0Loader {
    /// `addr` is sign-extended (as BootProtocol keeps it); only KSEG0 is read.
    fn address(&self, addr: u64, len: u64) -> Option<usize> {
        let low = addr as u32;
        if addr != low as i32 as i64 as u64 || !(0x8000_0000..0xa000_0000).contains(&low) {
            return None;
        }
        let offset = (low - 0x8000_0000) as u64;
        (offset.checked_add(len)? <= self.ram_bytes).then(|| arch::kseg0(offset))
    }
}

impl LoaderMemory for Kseg0Loader {
    fn read_u32(&self, addr: u64) -> Option<u32> {
        let p = self.address(addr, 4)?;
        // SAFETY: inside low RAM through KSEG0 (checked above); aligned reads only.
        (p % 4 == 0).then(|| unsafe { core::ptr::read_volatile(p as *const u32) })
    }

    fn read_u8(&self, addr: u64) -> Option<u8> {
        let p = self.address(addr, 1)?;
        // SAFETY: inside low RAM through KSEG0 (checked above).
        Some(unsafe { core::ptr::read_volatile(p as *const u8) })
    }

    fn slice(&self, addr: u64, len: u32) -> Option<&[u8]> {
        let p = self.address(addr, len as u64)?;
        // SAFETY: inside low RAM (checked above); the loader's data is not
        // written while the monitor reads it.
        Some(unsafe { core::slice::from_raw_parts(p as *const u8, len as usize) })
    }
}

extern "C" {
    static __image_start: u8;
    static __image_end: u8;
}

fn known_board_names() -> impl core::fmt::Display {
    struct Names;
    impl core::fmt::Display for Names {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            for (i, b) in BOARDS.iter().enumerate() {
                write!(f, "{}{}", if i == 0 { "" } else { ", " }, b.name)?;
            }
            Ok(())
        }
    }
    Names
}

/// Points EBase at the monitor's vector page and leaves boot-time vectors.
fn install_vectors() {
    mtc0!(cp0::EBASE, arch::trap::vector_base() as u32);
    let status = Status::from_bits_retain(mfc0!(cp0::STATUS));
    mtc0!(cp0::STATUS, status.difference(Status::BEV).bits());
}

pub fn boot(a0: usize, a1: usize, a2: usize, a3: usize) -> Boot {
    let protocol = BootProtocol::from_registers(a0 as u64, a1 as u64, a2 as u64, a3 as u64);
    let platform = protocol.platform();
    let snapshot = arch::cp0::snapshot();
    let cpu = CpuInfo::probe(&snapshot);
    let Some(board) = board::identify(platform, cpu.model, arch::TARGET) else {
        // Speak on the platform's usual console, if any board of it is known.
        if let Some(any) = BOARDS.iter().find(|b| b.platform == platform) {
            crate::console::init(any.console);
        }
        println!(
            "mipsvisor: no board for platform {platform}, CPU {} and target {}; known boards: {}",
            cpu.model,
            arch::TARGET,
            known_board_names()
        );
        println!("mipsvisor: halted");
        crate::halt::end(mipsvisor::exit_status::HaltKind::MonitorStop);
    };
    crate::console::init(board.console);
    if let Some(log) = board.log {
        crate::console::init_log(log);
    }
    install_vectors();

    // Link-script symbols: only their addresses are used.
    let (image_start, image_end) =
        (core::ptr::addr_of!(__image_start) as usize, core::ptr::addr_of!(__image_end) as usize);
    let loader_ram = match protocol {
        BootProtocol::Yamon { ram_bytes, .. } if ram_bytes > 0 => ram_bytes,
        _ => (board.ram_mib as u64) << 20,
    };
    let loader_memory = Kseg0Loader { ram_bytes: loader_ram.min(mipsvisor::memmap::MAX_LOW_RAM) };
    // The device tree must outlive the heap's start; a bad one is reported below.
    let loader_data_end = match protocol {
        BootProtocol::Uhi { fdt } => mipsvisor::bootargs::fdt_size(&loader_memory, fdt)
            .map_or(0, |bytes| arch::phys_of(fdt as usize) + u64::from(bytes)),
        BootProtocol::Yamon { .. } => 0,
    };
    let memory = match MemoryMap::new(
        loader_ram,
        (board.monitor_mib as u64) << 20,
        arch::phys_of(image_start),
        arch::phys_of(image_end),
    )
    .and_then(|map| map.keeping_loader_data(loader_data_end))
    {
        Ok(map) => map,
        Err(e) => {
            println!("mipsvisor: bad memory layout on {}: {e}", board.name);
            println!("mipsvisor: halted");
            crate::halt::end(mipsvisor::exit_status::HaltKind::MonitorStop);
        }
    };
    // SAFETY: the heap range lies between the image and the guest window (MemoryMap's invariant).
    unsafe { crate::heap::init(arch::kseg0(memory.heap_start), memory.heap_bytes() as usize) };

    let info = BootInfo::parse(protocol, &Kseg0Loader { ram_bytes: memory.ram_end }).unwrap_or_else(|e| {
        println!("mipsvisor: ignoring unreadable boot arguments: {e:?}");
        BootInfo::default()
    });
    crate::halt::configure(info.option("on_halt"), board.platform);

    println!("mipsvisor {} on {}: {}", env!("CARGO_PKG_VERSION"), board.name, cpu);
    println!("cp0: {snapshot}");
    println!("memory: {memory}");
    println!("cmdline: \"{}\"", info.cmdline);
    arch::flash::contain_sdbbp(&cpu);

    arch::tlb::init(cpu.tlb_entries);
    let empty_table =
        NativeGvaTable::new().unwrap_or_else(|e| fatal(format_args!("no memory for a GVA table: {e:?}")));
    match arch::refill::install(&cpu, &empty_table) {
        Ok(report) => println!("{report}"),
        Err(e) => fatal(format_args!("cannot generate the refill handler for this CPU: {e:?}")),
    }
    Boot { empty_table, board, cpu, info, memory }
}

fn fatal(what: core::fmt::Arguments) -> ! {
    println!("mipsvisor: {what}");
    println!("mipsvisor: halted");
    crate::halt::end(mipsvisor::exit_status::HaltKind::MonitorStop)
}
