//! Running the guest: its RAM window, its image, the vCPU, and the loop
//! that enters the guest, takes its exits and hands them to the vCPU.

use core::fmt;
use core::ptr::NonNull;

use alloc::string::String;
use mipsvisor::cp0::{self, fields::Cause};
use mipsvisor::devices::{self, DeviceAccess};
use mipsvisor::exit_status::HaltKind;
use mipsvisor::isa::{FpuConditions, GuestIsa, Width};
use mipsvisor::loader::bundle::{self, Bundle};
use mipsvisor::loader::{
    BootBlock, GuestExpectations, GuestImage, LoadedRange, BOOT_BLOCK_BYTES, BOOT_BLOCK_PHYS,
};
use mipsvisor::uasm::Endian;
use mipsvisor::vcpu::fast_exit::host_hwrena;
use mipsvisor::vcpu::mmu::{GuestMmu, GuestRam, GuestRamWindow, HostTags, HostTlbFlush};
use mipsvisor::vcpu::timer;
use mipsvisor::vcpu::{
    CpuName, Endianness, ExitOutcome, GuestDump, GuestMemory, GuestMode, HostCapabilities, HostExit,
    HostServices, Vcpu, VcpuModel, WriteEffect,
};

use crate::arch;
use crate::boot::Boot;
use crate::console_session::GuestConsole;
use crate::guest_image::GuestSource;

/// Guest address spaces whose GVA tables stay cached across ASID switches.
const USER_TABLE_CACHE: usize = 8;

/// The hardware side of the vCPU.
struct Host {
    boot: &'static Boot,
    space_tags: arch::tlb::SpaceTags,
    guest_ram_phys: u64,
    reset_requested: bool,
    /// A soft-off write held back until the monitor has reported the run.
    power_off: Option<DeviceWrite>,
    /// The virtual GT-64120 and PCI configuration space (Malta only).
    chipset: Option<devices::Chipset>,
    /// Refused accesses where there is no chipset to count them (Boston).
    refusals: devices::RefusalLog,
    /// The guest's console input, filtered for the monitor console's escape.
    console: GuestConsole,
    /// The FPU was cleared for the guest (at its first FPU grant).
    fpu_reset_done: bool,
}

/// The real GT-64120's registers, for the virtual chipset only.
struct RealGt;

impl devices::GtHardware for RealGt {
    fn gt_read_raw(&mut self, offset: u32) -> u32 {
        device_load(devices::GT_BASE + offset, Width::Word)
    }

    fn gt_write_raw(&mut self, offset: u32, raw: u32) {
        device_store(devices::GT_BASE + offset, Width::Word, raw)
    }

    fn log(&mut self, message: fmt::Arguments<'_>) {
        crate::console::log_args(message);
    }
}

impl Host {
    /// Logs a refused access (bounded) for the guest's `what` of `width` at `phys`.
    fn refuse(&mut self, what: &str, phys: u32, width: Width, why: &str) {
        let refusals = match &mut self.chipset {
            Some(chipset) => &mut chipset.refusals,
            None => &mut self.refusals,
        };
        refusals.refuse_with(
            &mut |line| crate::console::log_args(line),
            what,
            width.bytes(),
            phys,
            format_args!("{why}"),
        );
    }
}

/// A guest device write, kept to be performed later.
#[derive(Clone, Copy)]
struct DeviceWrite {
    phys: u32,
    width: Width,
    value: u32,
}

impl HostServices for Host {
    fn host_count(&self) -> u32 {
        mfc0!(cp0::COUNT)
    }

    fn host_count_hz(&self) -> u64 {
        self.boot.board.timer_hz
    }

    fn arm_host_timer(&mut self, host_count: u32) {
        // A Compare that Count has already passed matches only after Count
        // wraps (26 s at 160 MHz): re-arm ahead, further each time, until it
        // is in the future. Never later than the monitor console's next look.
        let poll = self.console.poll_ticks;
        let now = mfc0!(cp0::COUNT);
        let far = host_count.wrapping_sub(now) as i32 > poll as i32;
        let mut target = if far { now.wrapping_add(poll) } else { host_count };
        for misses in 0.. {
            mtc0!(cp0::COMPARE, target);
            let now = mfc0!(cp0::COUNT);
            if target.wrapping_sub(now) as i32 > 0 {
                break;
            }
            target = timer::rearm_deadline(now, misses);
        }
    }

    fn flush_host_tlb(&mut self, flush: HostTlbFlush) {
        self.space_tags.flush(flush, self.boot.cpu.tlb_entries);
    }

    fn sync_icache_guest_phys(&mut self, start: u32, len: u32) {
        arch::cache::sync_icache(arch::kseg0(self.guest_ram_phys + start as u64), len as usize);
    }

    fn sync_icache_all(&mut self) {
        arch::cache::flush_all();
    }

    fn device_read(&mut self, phys: u32, width: Width) -> Option<u32> {
        let (access, what) = devices::classify(self.boot.board.platform, phys, width.bytes());
        match access {
            DeviceAccess::PassThrough => {
                Some(self.console.guest_read(phys, width).unwrap_or_else(|| device_load(phys, width)))
            }
            DeviceAccess::ReadOnly | DeviceAccess::PowerControl => Some(device_load(phys, width)),
            DeviceAccess::BoardReset | DeviceAccess::ResetControl => Some(0),
            DeviceAccess::Hidden => Some(devices::absent_device_value(width.bytes())),
            DeviceAccess::Refused => {
                self.refuse("read", phys, width, what);
                Some(devices::absent_device_value(width.bytes()))
            }
            DeviceAccess::Chipset => match &mut self.chipset {
                Some(chipset) => Some(chipset.read(&mut RealGt, phys - devices::GT_BASE, width.bytes())),
                None => None,
            },
            DeviceAccess::Unclaimed => None,
        }
    }

    fn device_write(&mut self, phys: u32, width: Width, value: u32) -> bool {
        let (access, what) = devices::classify(self.boot.board.platform, phys, width.bytes());
        match access {
            DeviceAccess::PassThrough => {
                device_store(phys, width, value);
                true
            }
            DeviceAccess::Chipset => match &mut self.chipset {
                Some(chipset) => {
                    chipset.write(&mut RealGt, phys - devices::GT_BASE, width.bytes(), value);
                    true
                }
                None => false,
            },
            DeviceAccess::Refused => {
                self.refuse("write", phys, width, what);
                true
            }
            DeviceAccess::ResetControl => {
                self.reset_requested |= devices::is_board_reset(value);
                true
            }
            DeviceAccess::PowerControl => {
                if devices::is_soft_off(phys, width.bytes(), value) {
                    self.power_off = Some(DeviceWrite { phys, width, value });
                } else {
                    device_store(phys, width, value);
                }
                true
            }
            DeviceAccess::ReadOnly | DeviceAccess::Hidden => true,
            DeviceAccess::BoardReset => {
                self.reset_requested |= devices::write_resets_board(self.boot.board.platform, value);
                true
            }
            DeviceAccess::Unclaimed => false,
        }
    }

    fn guest_interrupt_lines(&mut self) -> u8 {
        Cause::from_bits_retain(mfc0!(cp0::CAUSE)).ip() & DEVICE_LINES
    }

    fn fpu_conditions(&mut self, fr64: bool) -> FpuConditions {
        // Asked only while the guest owns the FPU, so the hardware holds its state.
        arch::fpu::conditions(fr64)
    }

    fn idle_until_interrupt(&mut self, guest_im: u8) {
        // A device line the guest masks (Malta's i8259 output stays up while
        // nobody services it) must not end the guest's WAIT.
        arch::wait_for_interrupt(TIMER_LINE | (guest_im & DEVICE_LINES));
    }

    fn log(&mut self, message: fmt::Arguments<'_>) {
        crate::console::log_args(message);
    }

    fn guest_cp0_changed(&mut self, effect: WriteEffect) {
        // With Config3.ULRI the hardware serves the guest's RDHWR $29 from the real UserLocal.
        if !self.boot.cpu.user_local {
            return;
        }
        match effect {
            WriteEffect::HwrEnaChanged { hwrena } => mtc0!(cp0::HW_RENA, host_hwrena(hwrena).bits()),
            WriteEffect::UserLocalChanged { value } => mtc0_word!(cp0::USER_LOCAL, sign_extend(value)),
            _ => {}
        }
    }
}

/// Cause.IP / Status.IM bits: IP7 is the CPU timer, IP2-IP6 the board's devices.
const TIMER_LINE: u8 = 1 << 7;
const DEVICE_LINES: u8 = 0x7c;

fn device_load(phys: u32, width: Width) -> u32 {
    let address = arch::kseg1(phys as u64);
    // SAFETY: `devices::classify` allowed this access to a real device
    // register; KSEG1 reaches it uncached with the guest's own width.
    unsafe {
        match width {
            Width::Byte => core::ptr::read_volatile(address as *const u8) as u32,
            Width::Half => core::ptr::read_volatile(address as *const u16) as u32,
            Width::Word => core::ptr::read_volatile(address as *const u32),
        }
    }
}

fn device_store(phys: u32, width: Width, value: u32) {
    let address = arch::kseg1(phys as u64);
    // SAFETY: as `device_load`.
    unsafe {
        match width {
            Width::Byte => core::ptr::write_volatile(address as *mut u8, value as u8),
            Width::Half => core::ptr::write_volatile(address as *mut u16, value as u16),
            Width::Word => core::ptr::write_volatile(address as *mut u32, value),
        }
    }
}

pub(crate) fn stop(what: fmt::Arguments) -> ! {
    println!("mipsvisor: {what}");
    println!("mipsvisor: halted");
    crate::halt::end(HaltKind::MonitorStop)
}

/// Status for a guest run: user mode (EXL until the ERET), the host timer
/// always, device lines only while the guest could take them (otherwise a
/// level-triggered line would exit the guest forever).
fn guest_run_status<M: GuestMemory>(vcpu: &Vcpu<M>) -> usize {
    use mipsvisor::cp0::fields::Status;
    let guest = vcpu.cp0.status();
    let takes_interrupts = guest.contains(Status::IE) && !guest.intersects(Status::EXL | Status::ERL);
    let devices = if takes_interrupts { guest.im() & DEVICE_LINES } else { 0 };
    (Status::UM | Status::EXL | Status::IE | vcpu.hardware_status_bits()).with_im(TIMER_LINE | devices).bits()
        as usize
}

/// Puts a bundle's initramfs at the top of guest RAM and returns the guest's
/// command line: the bundle's, the initramfs words, then the monitor's own
/// guest words (the last of a repeated word wins in Linux).
fn bundle_cmdline(bundle: Bundle, ram: &mut [u8], loaded: &[LoadedRange], words: &str) -> String {
    let mut parts: alloc::vec::Vec<String> = bundle.cmdline.map(String::from).into_iter().collect();
    if let Some(initramfs) = bundle.initramfs {
        let after =
            loaded.iter().map(|r| r.phys.end).chain([BOOT_BLOCK_PHYS + BOOT_BLOCK_BYTES]).max().unwrap_or(0);
        let range = u32::try_from(initramfs.len())
            .ok()
            .and_then(|bytes| bundle::initramfs_placement(after, bytes, ram.len() as u32))
            .unwrap_or_else(|| {
                stop(format_args!(
                    "refusing the guest bundle: its initramfs ({} bytes) does not fit in guest RAM above the kernel",
                    initramfs.len()
                ))
            });
        ram[range.start as usize..range.end as usize].copy_from_slice(initramfs);
        println!(
            "mipsvisor: guest initramfs at guest physical {:#x}, {} bytes",
            range.start,
            initramfs.len()
        );
        parts.push(bundle::initramfs_words(&range));
    }
    parts.push(String::from(words));
    parts.retain(|part| !part.is_empty());
    parts.join(" ")
}

/// The guest's CPU: `vcpu=NAME`, or the board's default model.
fn choose_vcpu_model(boot: &Boot, endianness: Endianness) -> VcpuModel {
    let host = HostCapabilities {
        release2: boot.cpu.isa.release != 6,
        fpu: boot.cpu.fpu,
        dsp: boot.cpu.dsp,
        dsp_r2: boot.cpu.dsp_r2,
        multithreading: boot.cpu.multithreading,
    };
    let name = match boot.info.option("vcpu").or(boot.board.vcpu) {
        None => mipsvisor::vcpu::model::default_model(boot.cpu.model, host),
        Some(word) => CpuName::parse(word).unwrap_or_else(|| {
            let known: alloc::vec::Vec<&str> = CpuName::ALL.iter().map(|name| name.name()).collect();
            stop(format_args!("vcpu={word}: no such model; say one of {}", known.join(", ")))
        }),
    };
    let model = VcpuModel::for_host(name, endianness, host).unwrap_or_else(|why| {
        stop(format_args!("vcpu={}: this {} cannot back it: {why}", name.name(), boot.cpu.model))
    });
    println!(
        "mipsvisor: virtual CPU {} (PRId {:#010x}, TLB {}, FPU {})",
        name.name(),
        model.prid(),
        model.tlb_entries(),
        if model.has_fpu() { "yes" } else { "no" }
    );
    if model.has_fpu() && arch::fpu::fir() != model.fir() {
        println!(
            "mipsvisor: vcpu={}: the guest reads this {}'s FIR {:#010x}, not the model's {:#010x} (CFC1 does not trap)",
            name.name(),
            boot.cpu.model,
            arch::fpu::fir(),
            model.fir()
        );
    }
    model
}

/// MemoryMapIDs where the CPU has them and GINVT to drop stale entries
/// (unless `mmid=off`), else ASIDs; says which on the console.
fn choose_space_tags(boot: &Boot) -> (arch::tlb::SpaceTags, HostTags) {
    use arch::tlb::SpaceTags;
    let wanted = match boot.info.option("mmid") {
        None | Some("on") => true,
        Some("off") => false,
        Some(other) => stop(format_args!("mmid={other}: say mmid=on or mmid=off")),
    };
    let asids = |why: &str| {
        println!("mipsvisor: guest address spaces are tagged with ASIDs ({why})");
        (SpaceTags::Asids, HostTags::ASIDS)
    };
    let (space_tags, host_tags) = if !(boot.cpu.mmid && boot.cpu.ginvt) {
        asids("this CPU has no MemoryMapIDs with GINVT")
    } else if !wanted {
        asids("mmid=off")
    } else if !arch::tlb::set_mmids(true) {
        asids("Config5.MI did not stick")
    } else {
        let read_back = arch::tlb::memory_map_id_mask();
        match HostTags::mmids(read_back) {
            Some(tags) => {
                println!(
                    "mipsvisor: guest address spaces are tagged with MemoryMapIDs ({} of the {} bits MemoryMapID keeps; \
                     MMID 0 is the monitor's)",
                    tags.bits,
                    read_back.trailing_ones()
                );
                (SpaceTags::Mmids, tags)
            }
            None => {
                arch::tlb::set_mmids(false);
                asids(&alloc::format!("MemoryMapID keeps only {read_back:#x}"))
            }
        }
    };
    // Nothing tagged before the choice may survive it.
    space_tags.invalidate_all(boot.cpu.tlb_entries);
    (space_tags, narrowed_for_tests(boot, host_tags))
}

/// `host_id_bits=N` (tests): only N bits of the host ids, so that their
/// generations roll over within a short run. 4 bits cover the guest MMU's
/// kernel table, its user-table cache and one id being replaced.
fn narrowed_for_tests(boot: &Boot, tags: HostTags) -> HostTags {
    let Some(word) = boot.info.option("host_id_bits") else {
        return tags;
    };
    match word.parse::<u8>() {
        Ok(bits) if (4..=tags.bits).contains(&bits) => {
            println!("mipsvisor: host ids narrowed to {bits} bits (host_id_bits=)");
            HostTags { bits, ..tags }
        }
        _ => stop(format_args!("host_id_bits={word}: say a width from 4 to {}", tags.bits)),
    }
}

/// The exit `arch::trap::enter_guest` just returned with, from the saved
/// frame and BadInstr/BadInstrP where the CPU has them.
fn host_exit(boot: &Boot) -> HostExit {
    let frame = &arch::trap::percpu().guest;
    let bad_instr = boot.cpu.bad_instr.then(|| mfc0!(cp0::BAD_INSTR));
    let bad_instr_p = boot.cpu.bad_instr_p.then(|| mfc0!(cp0::BAD_INSTR_P));
    HostExit::from_cause(frame.cause(), frame.epc as u32, frame.bad_vaddr as u32, bad_instr, bad_instr_p)
}

/// Charges the exit handled before this guest run (vector to ERET, in host
/// Count ticks) to its kind; remembers when the new exit began.
fn charge_last_exit<M: GuestMemory>(vcpu: &mut Vcpu<M>, last_exit_count: &mut Option<u32>) {
    let percpu = arch::trap::percpu();
    if let Some(exit_count) = *last_exit_count {
        vcpu.exit_costs.record(vcpu.exit_kind, exit_count, percpu.entry_count as u32);
    }
    *last_exit_count = Some(percpu.exit_count as u32);
}

/// The guest's registers as the saved frame holds them (host words).
struct FrameGprs<'a>(&'a [usize; 32]);

impl mipsvisor::isa::GprRead for FrameGprs<'_> {
    fn gpr(&self, reg: mipsvisor::isa::Gpr) -> u32 {
        if reg == mipsvisor::isa::Gpr::Zero {
            0
        } else {
            self.0[reg.number() as usize] as u32
        }
    }
}

fn sign_extend(value: u32) -> usize {
    value as i32 as isize as usize
}

/// Loads the guest and runs it until it stops; never returns.
pub fn run(boot: &'static Boot, source: GuestSource) -> ! {
    let requested = boot.info.option("guest_mem").map(|mib| match mib.parse::<u64>() {
        // A size too large for u64 bytes is too large for any window.
        Ok(m) => m.checked_mul(1 << 20).unwrap_or(u64::MAX),
        Err(_) => stop(format_args!("guest_mem={mib} is not a whole number of MiB (e.g. guest_mem=64)")),
    });
    let window = GuestRamWindow::in_memory_map(&boot.memory, requested)
        .unwrap_or_else(|e| stop(format_args!("no RAM window for the guest: {e}")));
    let ram_ptr = arch::kseg0(window.host_phys_base) as *mut u8;
    // SAFETY: the window is the MemoryMap's guest window, which nothing in
    // the monitor uses (the heap ends below it).
    let ram = unsafe { core::slice::from_raw_parts_mut(ram_ptr, window.bytes as usize) };
    ram.fill(0);

    let endian = Endian::native();
    let isa = if boot.cpu.isa.release == 6 { GuestIsa::Mips32r6 } else { GuestIsa::Mips32r2 };
    let expect = GuestExpectations { board: boot.board.name, endian, isa, ram_bytes: window.bytes };
    let bundle = bundle::is_bundle(&source.bytes).then(|| {
        Bundle::parse(&source.bytes)
            .unwrap_or_else(|e| stop(format_args!("refusing the {} guest bundle: {e}", source.origin)))
    });
    let kernel = bundle.map_or(&source.bytes[..], |bundle| bundle.kernel);
    let image = GuestImage::parse(kernel, expect)
        .unwrap_or_else(|e| stop(format_args!("refusing the {} guest image: {e}", source.origin)));
    let loaded = image.load_into(ram).unwrap_or_else(|e| stop(format_args!("cannot load the guest: {e}")));
    let mut cmdline = boot.info.guest_cmdline();
    if let Some(bundle) = bundle {
        cmdline = bundle_cmdline(bundle, ram, &loaded.ranges, &cmdline);
    }
    let boot_regs = BootBlock { image_name: source.origin, cmdline: &cmdline }
        .write_into(ram, endian, &loaded.ranges)
        .unwrap_or_else(|e| stop(format_args!("cannot write the guest's boot arguments: {e:?}")));
    arch::cache::flush_all();

    // SAFETY: as above; from here on only the guest MMU uses the window.
    let guest_ram =
        unsafe { GuestRam::from_raw(window.host_phys_base, NonNull::new(ram_ptr).unwrap(), window.bytes) }
            .unwrap_or_else(|e| stop(format_args!("bad guest RAM window: {e:?}")));
    let (space_tags, host_tags) = choose_space_tags(boot);
    let mmu = GuestMmu::new(guest_ram, USER_TABLE_CACHE, host_tags)
        .unwrap_or_else(|e| stop(format_args!("cannot build the guest MMU: {e:?}")));
    let endianness = if cfg!(target_endian = "big") { Endianness::Big } else { Endianness::Little };
    let model = choose_vcpu_model(boot, endianness);
    let timer_hz = match boot.info.option("guest_timer_hz").map(str::parse::<u64>) {
        Some(Ok(hz)) => hz,
        Some(Err(_)) => stop(format_args!("guest_timer_hz= takes a frequency in Hz")),
        // The native Count rate, so guest timings compare one to one with a native run.
        None => boot.board.timer_hz,
    };
    let mut host = Host {
        boot,
        space_tags,
        guest_ram_phys: window.host_phys_base,
        reset_requested: false,
        power_off: None,
        fpu_reset_done: false,
        chipset: (boot.board.platform == mipsvisor::board::Platform::Malta)
            .then(|| devices::Chipset::boot(&mut RealGt, Endian::native())),
        refusals: devices::RefusalLog::default(),
        console: GuestConsole::new(boot.board.console, boot.board.timer_hz),
    };
    if let Some(chipset) = &host.chipset {
        println!(
            "mipsvisor: virtual PCI host bridge: {} functions on bus 0, bus mastering off",
            chipset.function_count()
        );
        for (offset, found) in chipset.unexpected_windows() {
            println!("mipsvisor: GT-64120 register {offset:#05x} holds {found:#x}, not the layout the device allow-list assumes");
        }
    }
    let mut isolation = crate::isolation_check::IsolationCheck::from_boot(
        boot,
        window.host_phys_base,
        window.bytes.into(),
        space_tags == arch::tlb::SpaceTags::Mmids,
    );
    let mut vcpu = Vcpu::new(model, isa, mmu, timer_hz, &mut host)
        .unwrap_or_else(|e| stop(format_args!("cannot build the vCPU: {e:?}")));
    vcpu.dyntrans = match boot.info.option("dyntrans") {
        None | Some("on") => true,
        Some("off") => false,
        Some(other) => stop(format_args!("dyntrans={other}: say dyntrans=on or dyntrans=off")),
    };
    // The hardware's RDHWR registers start as the vCPU's reset state.
    host.guest_cp0_changed(WriteEffect::HwrEnaChanged { hwrena: vcpu.cp0.hwrena() });
    host.guest_cp0_changed(WriteEffect::UserLocalChanged { value: vcpu.cp0.user_local() });
    vcpu.fast_exits = match boot.info.option("fast_exit") {
        None | Some("on") => true,
        Some("off") => false,
        Some(other) => stop(format_args!("fast_exit={other}: say fast_exit=on or fast_exit=off")),
    };
    if !vcpu.dyntrans {
        println!("mipsvisor: dynamic translation off: every guest D-cache CACHE traps");
    }
    vcpu.regs.pc = loaded.entry;
    vcpu.regs.gpr[4..8].copy_from_slice(&[boot_regs.a0, boot_regs.a1, boot_regs.a2, boot_regs.a3]);
    println!(
        "mipsvisor: starting the {} guest at {:#010x} with {} MiB of RAM at host {:#x}, guest timer {} Hz",
        source.origin,
        loaded.entry,
        window.bytes >> 20,
        window.host_phys_base,
        timer_hz
    );

    // Host Count at the exit being handled, for `vcpu.exit_costs`.
    let mut last_exit_count: Option<u32> = None;
    let (kind, reason) = 'run: loop {
        vcpu.before_entry(&mut host);
        let mode: GuestMode = vcpu.guest_mode();
        let percpu = arch::trap::percpu();
        let frame = &mut percpu.guest;
        for (slot, value) in frame.gpr.iter_mut().zip(vcpu.regs.gpr) {
            *slot = sign_extend(value);
        }
        frame.hi = sign_extend(vcpu.regs.hi);
        frame.lo = sign_extend(vcpu.regs.lo);
        frame.epc = sign_extend(vcpu.regs.pc);
        percpu.guest_status = guest_run_status(&vcpu);
        arch::refill::set_root(vcpu.mmu.root(mode));
        space_tags.enter(vcpu.mmu.space_id(mode));

        let exit = loop {
            arch::trap::enter_guest();
            charge_last_exit(&mut vcpu, &mut last_exit_count);
            let mut exit = host_exit(boot);
            if arch::trap::percpu().guest.vector == arch::flash::DEBUG_EXIT_VECTOR {
                break exit;
            }
            // RDHWR, MFC0, plain MTC0, DI/EI the vCPU serves alone: straight back into the guest.
            let frame = &mut arch::trap::percpu().guest;
            let Some(resume) = vcpu.fast_exit(&mut exit, &FrameGprs(&frame.gpr), &mut host) else {
                break exit;
            };
            if resume.reg != mipsvisor::isa::Gpr::Zero {
                frame.gpr[resume.reg.number() as usize] = sign_extend(resume.value);
            }
            frame.epc = sign_extend(resume.pc);
            // DI/EI decide which device lines may end the guest's run.
            arch::trap::percpu().guest_status = guest_run_status(&vcpu);
            if let Some(Err(report)) = isolation.as_mut().map(|check| check.after_exit(&vcpu.mmu)) {
                break 'run (HaltKind::Isolation, alloc::format!("isolation check: {report}"));
            }
        };

        arch::refill::set_root(boot.empty_table.root_address());
        let frame = &arch::trap::percpu().guest;
        for (value, slot) in vcpu.regs.gpr.iter_mut().zip(frame.gpr) {
            *value = slot as u32;
        }
        vcpu.regs.gpr[0] = 0;
        vcpu.regs.hi = frame.hi as u32;
        vcpu.regs.lo = frame.lo as u32;
        let outcome = if frame.vector == arch::flash::DEBUG_EXIT_VECTOR {
            vcpu.handle_debug_exit(frame.epc as u32, &mut host)
        } else {
            vcpu.handle_exit(&exit, &mut host)
        };
        match outcome {
            ExitOutcome::Resume => {}
            ExitOutcome::GrantFpu => {
                if !host.fpu_reset_done {
                    // FCSR 0 is every model's reset value.
                    arch::fpu::reset(0);
                    host.fpu_reset_done = true;
                }
            }
            ExitOutcome::Halt(reason) => break (HaltKind::from(&reason), alloc::format!("{reason}")),
        }
        if let Some(stop) = host.console.after_exit(&vcpu) {
            break stop;
        }
        if let Some(Err(report)) = isolation.as_mut().map(|check| check.after_exit(&vcpu.mmu)) {
            break (HaltKind::Isolation, alloc::format!("isolation check: {report}"));
        }
        if host.reset_requested {
            break (HaltKind::BoardReset, "guest wrote the board reset register".into());
        }
        if host.power_off.is_some() {
            break (HaltKind::PowerOff, "guest powered off".into());
        }
    };
    println!("mipsvisor: {reason}");
    println!("{}", GuestDump(&vcpu));
    print!("{}", vcpu.stats);
    println!("mipsvisor: {}", vcpu.mmu.summary());
    print!("{}", vcpu.exit_costs);
    println!("mipsvisor: halted");
    crate::halt::end_with(kind, || {
        if let Some(write) = host.power_off {
            // Now the board may go: under QEMU this write ends the run (exit code 0).
            device_store(write.phys, write.width, write.value);
        }
    })
}
