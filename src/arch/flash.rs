//! The code at the start of the Malta flash (`mipsvisor::flash` has the
//! layout): the reset stub and the EJTAG debug exception vector.
//!
//! It is assembled into the monitor image (`__flash_stub_start`..`_end`) and
//! copied to flash offset 0 by mkflash; it runs there from 0xBFC00000, so it
//! uses only branches, absolute constants and absolute monitor addresses
//! (never `j`/`jal`, whose target region would be the flash's). Keeping it
//! out of a segment at 0xBFC00000 means QEMU's `-kernel` never loads it over
//! QEMU's own boot stub.
//!
//! Reset: KSEG0 uncached (the monitor's `arch_cache_init` initialises the
//! caches and turns it cached), the GT-64120 as QEMU's `-kernel` stub and
//! YAMON leave it (registers at 0x1BE00000, PCI I/O at 0x18000000, PCI
//! memory at 0x10000000 and 0x18200000: the monitor's device map relies on
//! exactly that), the header and every segment checked while copied to RAM,
//! then the monitor's `_start` with YAMON's a0-a3. A bad image stops here
//! with a line on the console UART.
//!
//! Debug vector (0xBFC00480): a guest kernel runs in user mode, but SDBBP
//! enters Debug Mode with kernel privilege here. The handler leaves Debug
//! Mode with DERET (ERET would not) into `arch_debug_exit_slot`, an exception
//! slot of the monitor, as a kernel-mode exception with EXL set and EPC =
//! DEPC; the monitor takes it as a guest exit (`DEBUG_EXIT_VECTOR`).

use mipsvisor::flash::{self, word, HEADER_OFFSET, HEADER_WORDS, MAGIC, SEGMENTS};

use super::start::{asm_word_macros, asm_word_macros_end};

/// The `vector` value of a debug exit in the trap frame.
pub const DEBUG_EXIT_VECTOR: usize = mipsvisor::trapframe::Vector::Debug as usize;
/// The flash as the CPU sees it after reset (sign-extended on MIPS64).
const FLASH_BASE: u32 = 0xbfc0_0000;

/// The GT-64120 register value QEMU's boot stub writes for `value`: the
/// GT's bus is little-endian, its decode registers hold address >> 21 in
/// the low bits; the store puts those bytes in the right lanes on either CPU.
const fn gt_word(value: u32) -> u32 {
    let shifted = value.wrapping_shl(3);
    if cfg!(target_endian = "big") {
        shifted
    } else {
        shifted.swap_bytes()
    }
}

#[cfg(target_endian = "big")]
macro_rules! first_byte_of_word {
    () => {
        "srl $t3, $t1, 24\n sll $t1, $t1, 8"
    };
}
#[cfg(target_endian = "little")]
macro_rules! first_byte_of_word {
    () => {
        "andi $t3, $t1, 0xff\n srl $t1, $t1, 8"
    };
}

core::arch::global_asm!(
    asm_word_macros!(),
    r#"
    # Registers named alike in o32 and n64 only ($t4-$t7 are not).
    # A 32-bit constant, sign-extended on MIPS64 (KSEG0/KSEG1 addresses).
    .macro LI32 reg, value
        lui     \reg, ((\value) >> 16) & 0xffff
        ori     \reg, \reg, (\value) & 0xffff
    .endm
    .macro GT_WRITE phys, value
        LI32    $t0, 0xa0000000 | (\phys)
        LI32    $t1, \value
        sw      $t1, 0($t0)
    .endm

    .section .text.flash_stub, "ax"
    .globl __flash_stub_start
    .set noreorder
    .set noat
__flash_stub_start:
    b       flash_reset
    nop
    # 0x10 is QEMU's board-ID word: nothing of ours from 0x08 to 0x20.
    .org 0x20
flash_reset:
    # Kernel mode, ERL and BEV as at reset, interrupts off.
    LI32    $t0, {status_reset}
    mtc0    $t0, $12, 0
    mtc0    $zero, $13, 0
    # KSEG0 uncached (Config.K0 = 2) until the caches are initialised.
    mfc0    $t0, $16, 0
    ori     $t0, $t0, 7
    xori    $t0, $t0, 5
    mtc0    $t0, $16, 0
    ehb
    # The GT-64120 as QEMU's -kernel stub and YAMON leave it: registers
    # moved from 0x14000000 to 0x1BE00000, then the PCI windows.
    GT_WRITE 0x14000068, {gt_isd}
    GT_WRITE 0x1be00048, {gt_io_low}
    GT_WRITE 0x1be00050, {gt_io_high}
    GT_WRITE 0x1be00058, {gt_mem0_low}
    GT_WRITE 0x1be00060, {gt_mem0_high}
    GT_WRITE 0x1be00080, {gt_mem1_low}
    GT_WRITE 0x1be00088, {gt_mem1_high}

    LI32    $s0, {header}
    lw      $t0, 0($s0)
    LI32    $t1, {magic}
    bne     $t0, $t1, flash_bad_magic
    nop
    # The header's words sum to zero.
    move    $t0, $zero
    move    $t1, $s0
    li      $t2, {header_words}
1:  lw      $t3, 0($t1)
    addu    $t0, $t0, $t3
    addiu   $t2, $t2, -1
    bnez    $t2, 1b
    addiu   $t1, $t1, 4
    bnez    $t0, flash_bad_header
    nop
    # Each segment: copy its words to the KSEG1 alias of its load address,
    # summing them; a sum that differs stops the boot.
    addiu   $s1, $s0, {first_segment}
    li      $s2, {segments}
2:  lw      $t0, 0($s1)
    lw      $t1, 4($s1)
    lw      $t2, 8($s1)
    beqz    $t1, 4f
    lw      $t8, 12($s1)
    LI32    $v0, {flash_base}
    addu    $t0, $t0, $v0
    LI32    $v0, 0x1fffffff
    and     $t2, $t2, $v0
    LI32    $v0, 0xa0000000
    or      $t2, $t2, $v0
    move    $v1, $zero
3:  lw      $v0, 0($t0)
    sw      $v0, 0($t2)
    addu    $v1, $v1, $v0
    addiu   $t0, $t0, 4
    addiu   $t1, $t1, -4
    bnez    $t1, 3b
    addiu   $t2, $t2, 4
    bne     $v1, $t8, flash_bad_segment
    nop
4:  addiu   $s2, $s2, -1
    bnez    $s2, 2b
    addiu   $s1, $s1, 16
    # The monitor's _start, with YAMON's argc, argv, envp and RAM size.
    lw      $a0, {argc}($s0)
    lw      $a1, {argv}($s0)
    lw      $a2, {envp}($s0)
    lw      $a3, {ram_bytes}($s0)
    lw      $t0, {entry}($s0)
    jr      $t0
    nop

    .org {debug_vector}
    # Debug exception (SDBBP): leave Debug Mode into the monitor's debug-exit
    # slot with EXL set and EPC = DEPC; k1 is back as it was.
    MTC0_WORD $k1, $31, 0
    MFC0_WORD $k1, $24, 0
    MTC0_WORD $k1, $14, 0
    mfc0    $k1, $12, 0
    ori     $k1, $k1, {status_exl}
    mtc0    $k1, $12, 0
    PTR_LA  $k1, arch_debug_exit_slot
    MTC0_WORD $k1, $24, 0
    MFC0_WORD $k1, $31, 0
    ehb
    deret
    .globl __flash_debug_vector_end
__flash_debug_vector_end:

    # A bad image: say why on the console UART and stop. `bal` leaves the
    # message's address (just past its delay slot) in ra.
flash_bad_magic:
    bal     flash_fail
    nop
    .asciz  "mipsvisor flash: no mipsvisor image header (bad magic); halted\r\n"
    .balign 4
flash_bad_header:
    bal     flash_fail
    nop
    .asciz  "mipsvisor flash: image header checksum mismatch; halted\r\n"
    .balign 4
flash_bad_segment:
    bal     flash_fail
    nop
    .asciz  "mipsvisor flash: image segment checksum mismatch (corrupt image); halted\r\n"
    .balign 4
flash_fail:
    # Words, not bytes: a little-endian QEMU stores the flash word-swapped.
    LI32    $t0, {console_uart}
5:  lw      $t1, 0($ra)
    li      $t2, 4
6:
    "#,
    first_byte_of_word!(),
    r#"
    beqz    $t3, 8f
    nop
7:  lbu     $v0, 5($t0)
    andi    $v0, $v0, 0x20
    beqz    $v0, 7b
    nop
    sb      $t3, 0($t0)
    addiu   $t2, $t2, -1
    bnez    $t2, 6b
    nop
    b       5b
    addiu   $ra, $ra, 4
8:  wait
    b       8b
    nop
    .globl __flash_stub_end
__flash_stub_end:
    .set at
    .set reorder
    .purgem LI32
    .purgem GT_WRITE
    "#,
    asm_word_macros_end!(),
    status_reset = const (1 << 22) | (1 << 2),
    status_exl = const 1 << 1,
    gt_isd = const gt_word(0x1be0_0000),
    gt_io_low = const gt_word(0x1800_0000),
    gt_io_high = const gt_word(0x0800_0000),
    gt_mem0_low = const gt_word(0x1000_0000),
    gt_mem0_high = const gt_word(0x07e0_0000),
    gt_mem1_low = const gt_word(0x1820_0000),
    gt_mem1_high = const gt_word(0x0bc0_0000),
    header = const FLASH_BASE as usize + HEADER_OFFSET,
    magic = const MAGIC,
    header_words = const HEADER_WORDS,
    first_segment = const 4 * word::FIRST_SEGMENT,
    segments = const SEGMENTS,
    flash_base = const FLASH_BASE,
    argc = const 4 * word::ARGC,
    argv = const 4 * word::ARGV,
    envp = const 4 * word::ENVP,
    ram_bytes = const 4 * word::RAM_BYTES,
    entry = const 4 * word::ENTRY,
    debug_vector = const flash::DEBUG_VECTOR_OFFSET,
    console_uart = const 0xa000_0000u32 | 0x1800_03f8,
);

extern "C" {
    static __flash_stub_start: u8;
    static __flash_debug_vector_end: u8;
}

/// Whether the debug vector the CPU uses (0xBFC00480) holds this monitor's
/// handler, i.e. the monitor booted from its own flash image.
pub fn debug_vector_is_ours() -> bool {
    let ours = core::ptr::addr_of!(__flash_stub_start) as usize + flash::DEBUG_VECTOR_OFFSET;
    let end = core::ptr::addr_of!(__flash_debug_vector_end) as usize;
    let live = super::kseg1(0x1fc0_0000 + flash::DEBUG_VECTOR_OFFSET as u64);
    (0..end - ours).step_by(4).all(|at| {
        // SAFETY: aligned word reads of the monitor's image and of the boot
        // flash (always mapped on Malta, read uncached through KSEG1).
        unsafe {
            core::ptr::read_volatile((ours + at) as *const u32)
                == core::ptr::read_volatile((live + at) as *const u32)
        }
    })
}

/// Makes a guest's SDBBP reach the monitor where the CPU allows it, and says
/// in one line whether it does. Release 6: Config5.SBRI makes SDBBP outside
/// kernel mode a Reserved Instruction exception. Release 2 has no SBRI; only
/// owning the debug vector (a flash boot) contains it.
pub fn contain_sdbbp(cpu: &mipsvisor::cpu::CpuInfo) {
    use mipsvisor::cp0::{self as regs, fields::Config5};
    let sbri = cpu.isa.release >= 6 && {
        let config5 = Config5::from_bits_retain(mfc0!(regs::CONFIG5));
        mtc0!(regs::CONFIG5, (config5 | Config5::SBRI).bits());
        Config5::from_bits_retain(mfc0!(regs::CONFIG5)).contains(Config5::SBRI)
    };
    let ours = debug_vector_is_ours();
    let whose = if ours { "the monitor's (flash boot)" } else { "not the monitor's" };
    if sbri {
        println!("sdbbp: contained: Config5.SBRI set, a guest SDBBP raises Reserved Instruction; debug vector 0xbfc00480 is {whose}");
    } else if ours {
        println!("sdbbp: contained: debug vector 0xbfc00480 is {whose}; a guest SDBBP is delivered to it as Reserved Instruction");
    } else {
        println!(
            "sdbbp: NOT contained: debug vector 0xbfc00480 is not the monitor's (started by a loader such as QEMU -kernel or YAMON go, not from its flash image), and a guest SDBBP there gets kernel privilege; boot the flash image (scripts/image)"
        );
    }
}
