//! Loads and stores the monitor serves: a guest kernel's accesses to real
//! KSEG0/KSEG1 (host address errors) and to guest-physical addresses the MMU
//! leaves to emulation. Values per MD00086: LB/LH sign-extend, LBU/LHU
//! zero-extend, SB/SH store the low bytes of rt, LWL/LWR/SWL/SWR move the
//! bytes of an unaligned word in the guest's byte order.

use super::*;
use crate::isa::Gpr::*;
use crate::isa::Width;
use crate::vcpu::host::FaultResolution;

/// Guest KSEG1 address of guest physical 0x100.
const KSEG1_RAM: u32 = 0xa000_0100;
/// Malta's UART as a KVM-layout Linux reaches it: 0xB80003F8, physical 0x180003F8.
const UART: u32 = 0x1800_03f8;

/// Runs `source` at [`PC`] as the address error the host raises for it.
fn served(v: &mut TestVcpu, h: &mut FakeHost, source: &str, address: u32) -> ExitOutcome {
    let word = asm_one(source);
    let exc = if source.starts_with('s') { ExcCode::AdES } else { ExcCode::AdEL };
    v.mmu.code.insert(PC, word);
    v.handle_exit(&HostExit { bad_vaddr: address, ..exit(exc, PC) }, h)
}

fn big_endian() -> (TestVcpu, FakeHost) {
    machine(VcpuModel::kvm_24kc(Endianness::Big))
}

#[test]
fn lw_from_kseg1_reads_guest_ram_at_the_address_masked_to_29_bits() {
    let (mut v, mut h) = kernel();
    v.mmu.ram[0x110..0x114].copy_from_slice(&[0x44, 0x33, 0x22, 0x11]);
    set(&mut v, A0, KSEG1_RAM);
    assert_eq!(served(&mut v, &mut h, "lw $t0, 0x10($a0)", KSEG1_RAM + 0x10), ExitOutcome::Resume);
    assert_eq!((get(&v, T0), v.regs.pc), (u32::from_le_bytes([0x44, 0x33, 0x22, 0x11]), PC + 4));
    assert_eq!((v.stats.addrerr_ld, v.stats.phys_access, v.stats.mmio), (1, 1, 0));
}

#[test]
fn stores_to_kseg0_write_guest_ram_in_guest_byte_order() {
    let (mut v, mut h) = big_endian();
    set(&mut v, A0, 0x8000_0200);
    set(&mut v, T1, 0x1234_5678);
    served(&mut v, &mut h, "sw $t1, 0($a0)", 0x8000_0200);
    served(&mut v, &mut h, "sh $t1, 4($a0)", 0x8000_0204);
    served(&mut v, &mut h, "sb $t1, 7($a0)", 0x8000_0207);
    assert_eq!(v.mmu.ram[0x200..0x208], [0x12, 0x34, 0x56, 0x78, 0x56, 0x78, 0x00, 0x78]);
    assert_eq!((v.stats.addrerr_st, v.regs.pc), (3, PC + 4));
}

#[test]
fn device_loads_sign_or_zero_extend_by_opcode() {
    let cases = [
        ("lb $t0, 0($a0)", Width::Byte, 0xffff_fff1),
        ("lbu $t0, 0($a0)", Width::Byte, 0x0000_00f1),
        ("lh $t0, 0($a0)", Width::Half, 0xffff_80f1),
        ("lhu $t0, 0($a0)", Width::Half, 0x0000_80f1),
        ("lw $t0, 0($a0)", Width::Word, 0x5a5a_80f1),
    ];
    for (source, width, expected) in cases {
        let (mut v, mut h) = kernel();
        h.devices.insert(UART, 0x5a5a_80f1);
        set(&mut v, A0, 0xb800_03f8);
        served(&mut v, &mut h, source, 0xb800_03f8);
        assert_eq!(get(&v, T0), expected, "{source}");
        assert_eq!(h.device_accesses, [DeviceAccess { phys: UART, width, written: None }], "{source}");
        assert_eq!(v.stats.mmio, 1);
    }
}

#[test]
fn device_stores_pass_the_low_bytes_of_rt() {
    let cases = [
        ("sb $t1, 0($a0)", Width::Byte, 0x78),
        ("sh $t1, 0($a0)", Width::Half, 0x5678),
        ("sw $t1, 0($a0)", Width::Word, 0x1234_5678),
    ];
    for (source, width, value) in cases {
        let (mut v, mut h) = kernel();
        h.devices.insert(UART, 0);
        set(&mut v, A0, 0xb800_03f8);
        set(&mut v, T1, 0x1234_5678);
        served(&mut v, &mut h, source, 0xb800_03f8);
        assert_eq!(h.device_accesses, [DeviceAccess { phys: UART, width, written: Some(value) }], "{source}");
        assert_eq!(v.regs.pc, PC + 4);
    }
}

#[test]
fn lwr_then_lwl_load_an_unaligned_word_little_endian() {
    // The classic little-endian pair for the word at A: LWR at A, LWL at A + 3.
    let (mut v, mut h) = kernel();
    v.mmu.ram[0x100..0x108].copy_from_slice(&[0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]);
    set(&mut v, A0, KSEG1_RAM);
    set(&mut v, T0, 0xdead_beef);
    served(&mut v, &mut h, "lwr $t0, 1($a0)", KSEG1_RAM + 1);
    served(&mut v, &mut h, "lwl $t0, 4($a0)", KSEG1_RAM + 4);
    assert_eq!(get(&v, T0), u32::from_le_bytes([0x11, 0x22, 0x33, 0x44]));
}

#[test]
fn lwl_then_lwr_load_an_unaligned_word_big_endian() {
    // Big-endian: LWL at A, LWR at A + 3.
    let (mut v, mut h) = big_endian();
    v.mmu.ram[0x100..0x108].copy_from_slice(&[0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]);
    set(&mut v, A0, KSEG1_RAM);
    set(&mut v, T0, 0xdead_beef);
    served(&mut v, &mut h, "lwl $t0, 1($a0)", KSEG1_RAM + 1);
    served(&mut v, &mut h, "lwr $t0, 4($a0)", KSEG1_RAM + 4);
    assert_eq!(get(&v, T0), u32::from_be_bytes([0x11, 0x22, 0x33, 0x44]));
}

#[test]
fn swr_swl_and_swl_swr_store_an_unaligned_word_in_either_byte_order() {
    let before = [0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7];
    let (mut v, mut h) = kernel();
    v.mmu.ram[0x100..0x108].copy_from_slice(&before);
    set(&mut v, A0, KSEG1_RAM);
    set(&mut v, T1, 0xaabb_ccdd);
    served(&mut v, &mut h, "swr $t1, 1($a0)", KSEG1_RAM + 1);
    served(&mut v, &mut h, "swl $t1, 4($a0)", KSEG1_RAM + 4);
    assert_eq!(v.mmu.ram[0x100..0x108], [0xa0, 0xdd, 0xcc, 0xbb, 0xaa, 0xa5, 0xa6, 0xa7]);

    let (mut v, mut h) = big_endian();
    v.mmu.ram[0x100..0x108].copy_from_slice(&before);
    set(&mut v, A0, KSEG1_RAM);
    set(&mut v, T1, 0xaabb_ccdd);
    served(&mut v, &mut h, "swl $t1, 1($a0)", KSEG1_RAM + 1);
    served(&mut v, &mut h, "swr $t1, 4($a0)", KSEG1_RAM + 4);
    assert_eq!(v.mmu.ram[0x100..0x108], [0xa0, 0xaa, 0xbb, 0xcc, 0xdd, 0xa5, 0xa6, 0xa7]);
}

#[test]
fn unaligned_device_access_touches_only_the_bytes_it_moves() {
    // Little-endian LWR at word offset 2 uses the bytes at offsets 2 and 3.
    let (mut v, mut h) = kernel();
    for offset in 0..4 {
        h.devices.insert(0x1800_0100 + offset, 0x10 + offset);
    }
    set(&mut v, A0, 0xb800_0100);
    set(&mut v, T0, 0xdead_beef);
    served(&mut v, &mut h, "lwr $t0, 2($a0)", 0xb800_0102);
    assert_eq!(get(&v, T0), 0xdead_1312);
    let phys: Vec<u32> = h.device_accesses.iter().map(|a| a.phys).collect();
    assert_eq!(phys, [0x1800_0102, 0x1800_0103]);
    assert!(h.device_accesses.iter().all(|a| a.width == Width::Byte));
    // SWL at offset 1 (little-endian) writes offsets 0 and 1: rt's two high bytes.
    h.device_accesses.clear();
    set(&mut v, T1, 0xaabb_ccdd);
    served(&mut v, &mut h, "swl $t1, 1($a0)", 0xb800_0101);
    let writes: Vec<(u32, Option<u32>)> = h.device_accesses.iter().map(|a| (a.phys, a.written)).collect();
    assert_eq!(writes, [(0x1800_0100, Some(0xbb)), (0x1800_0101, Some(0xaa))]);
}

#[test]
fn ll_and_sc_use_an_llbit_that_eret_clears() {
    // MD00086 SC: stores and sets rt = 1 only if LLbit is set, else rt = 0 and
    // no store; ERET clears LLbit.
    let (mut v, mut h) = kernel();
    v.mmu.ram[0x100] = 0x11;
    set(&mut v, A0, KSEG1_RAM);
    served(&mut v, &mut h, "ll $t0, 0($a0)", KSEG1_RAM);
    assert_eq!(get(&v, T0), 0x11);
    set(&mut v, T1, 0x22);
    served(&mut v, &mut h, "sc $t1, 0($a0)", KSEG1_RAM);
    assert_eq!((get(&v, T1), v.mmu.ram[0x100]), (1, 0x22));
    set(&mut v, T1, 0x33);
    served(&mut v, &mut h, "sc $t1, 0($a0)", KSEG1_RAM);
    assert_eq!((get(&v, T1), v.mmu.ram[0x100]), (0, 0x22));

    served(&mut v, &mut h, "ll $t0, 0($a0)", KSEG1_RAM);
    change_status(&mut v, |s| s | Status::EXL);
    cop0_trap(&mut v, &mut h, "eret");
    set(&mut v, T1, 0x44);
    served(&mut v, &mut h, "sc $t1, 0($a0)", KSEG1_RAM);
    assert_eq!((get(&v, T1), v.mmu.ram[0x100]), (0, 0x22));
}

#[test]
fn an_address_nobody_answers_is_a_bus_error_logged_once() {
    let (mut v, mut h) = kernel();
    set(&mut v, A0, 0xbfc0_0000);
    served(&mut v, &mut h, "lw $t0, 0($a0)", 0xbfc0_0000);
    assert_eq!(delivered(&v), (ExcCode::Dbe, PC, false, GENERAL_VECTOR));
    change_status(&mut v, |s| s - Status::EXL);
    served(&mut v, &mut h, "lw $t0, 0($a0)", 0xbfc0_0000);
    assert_eq!(logged(&h).len(), 1);
    assert!(h.log[0].contains("1fc00000"), "{}", h.log[0]);
    assert_eq!(v.stats.bus_error, 2);
}

#[test]
fn a_misaligned_kseg1_access_is_the_guests_address_error() {
    // PRA: LW needs a word-aligned address; BadVAddr = the address.
    let (mut v, mut h) = kernel();
    set(&mut v, A0, KSEG1_RAM);
    served(&mut v, &mut h, "lw $t0, 2($a0)", KSEG1_RAM + 2);
    assert_eq!(delivered(&v), (ExcCode::AdEL, PC, false, GENERAL_VECTOR));
    assert_eq!(v.cp0.bad_vaddr(), KSEG1_RAM + 2);
}

#[test]
fn a_big_endian_lh_from_ram_sign_extends() {
    let (mut v, mut h) = big_endian();
    v.mmu.ram[0x120..0x122].copy_from_slice(&[0x80, 0x01]);
    set(&mut v, A0, 0xa000_0120);
    served(&mut v, &mut h, "lh $t0, 0($a0)", 0xa000_0120);
    assert_eq!(get(&v, T0), 0xffff_8001);
    served(&mut v, &mut h, "lw $zero, 0($a0)", 0xa000_0120);
    assert_eq!(v.regs.gpr[0], 0);
}

#[test]
fn an_access_the_mmu_leaves_to_emulate_uses_its_guest_physical_address() {
    // Guest KSEG0 beyond RAM (0x5F000010 = guest physical 0x1F000010) is a device.
    let (mut v, mut h) = kernel();
    h.devices.insert(0x1f00_0010, 0);
    v.mmu.fault_answer = FaultResolution::Emulate { guest_phys: 0x1f00_0010 };
    set(&mut v, A0, 0x5f00_0000);
    set(&mut v, T1, 0xcafe);
    v.mmu.code.insert(PC, asm_one("sw $t1, 0x10($a0)"));
    v.handle_exit(&HostExit { bad_vaddr: 0x5f00_0010, ..exit(ExcCode::TlbS, PC) }, &mut h);
    assert_eq!(
        h.device_accesses,
        [DeviceAccess { phys: 0x1f00_0010, width: Width::Word, written: Some(0xcafe) }]
    );
    assert_eq!((v.regs.pc, v.stats.tlbmiss_st), (PC + 4, 1));
}

#[test]
fn a_load_in_a_jal_delay_slot_links_loads_and_jumps() {
    let (mut v, mut h) = kernel();
    h.devices.insert(UART, 0x41);
    set(&mut v, A0, 0xb800_03f8);
    let [branch, slot] = asm(["jal 0x40200040", "lbu $t0, 0($a0)"]);
    v.mmu.code.insert(PC, branch);
    v.mmu.code.insert(PC + 4, slot);
    v.handle_exit(&HostExit { bad_vaddr: 0xb800_03f8, cause_bd: true, ..exit(ExcCode::AdEL, PC) }, &mut h);
    assert_eq!((get(&v, T0), get(&v, Ra), v.regs.pc), (0x41, PC + 8, 0x4020_0040));
}

/// LWL/LWR through a guest TLB entry with PFN 0xFFFFF: the last word of
/// guest-physical space, offsets 0xffd-0xfff (issue 9). Their byte span ends
/// at 2^32; with nothing there the guest gets a bus error, never merged zeros.
#[test]
fn partial_loads_at_the_top_of_guest_physical_space_without_a_device_are_bus_errors() {
    for endian in [Endianness::Little, Endianness::Big] {
        for (source, offset) in [("lwl", 0xffd), ("lwl", 0xfff), ("lwr", 0xffd), ("lwr", 0xfff)] {
            let (mut v, mut h) = machine(VcpuModel::kvm_24kc(endian));
            let gva = 0x0040_0000 + offset;
            v.mmu.fault_answer = FaultResolution::Emulate { guest_phys: 0xffff_f000 + offset };
            set(&mut v, A0, gva);
            set(&mut v, T0, 0x1234_5678);
            v.mmu.code.insert(PC, asm_one(&format!("{source} $t0, 0($a0)")));
            v.handle_exit(&HostExit { bad_vaddr: gva, ..exit(ExcCode::TlbL, PC) }, &mut h);
            let what = format!("{source} at {offset:#x}, {endian:?}");
            assert_eq!(delivered(&v), (ExcCode::Dbe, PC, false, GENERAL_VECTOR), "{what}");
            assert_eq!(get(&v, T0), 0x1234_5678, "{what}");
        }
    }
}

#[test]
fn partial_loads_at_the_top_of_guest_physical_space_read_the_device_bytes_there() {
    let (mut v, mut h) = big_endian();
    for byte in 0xffff_fffc..=0xffff_ffff_u32 {
        h.devices.insert(byte, byte & 0xff);
    }
    v.mmu.fault_answer = FaultResolution::Emulate { guest_phys: 0xffff_fffd };
    set(&mut v, A0, 0x0040_0ffd);
    set(&mut v, T0, 0x1122_3344);
    v.mmu.code.insert(PC, asm_one("lwl $t0, 0($a0)"));
    v.handle_exit(&HostExit { bad_vaddr: 0x0040_0ffd, ..exit(ExcCode::TlbL, PC) }, &mut h);
    // Big-endian LWL at offset 1 loads bytes 1..=3 into the top of rt (MD00086, LWL).
    assert_eq!((get(&v, T0), v.regs.pc), (0xfdfe_ff44, PC + 4));
    let read: Vec<u32> = h.device_accesses.iter().map(|a| a.phys).collect();
    assert_eq!(read, [0xffff_fffd, 0xffff_fffe, 0xffff_ffff]);
}

/// The word read back at the PC is not the one that trapped (the guest
/// rewrote it; BadInstr absent): its address lies in another page, which
/// the guest has not mapped. The resolved translation of the faulting
/// address must not be stretched to it: the guest takes its own TLB refill.
#[test]
fn an_emulated_access_outside_the_faulting_page_goes_through_the_guest_translation() {
    let (mut v, mut h) = kernel();
    h.devices.insert(0x1f00_1010, 0);
    v.mmu.fault_answer = FaultResolution::Emulate { guest_phys: 0x1f00_0010 };
    set(&mut v, A0, 0x0040_0000);
    v.mmu.code.insert(PC, asm_one("sw $t1, 0x1010($a0)"));
    v.handle_exit(&HostExit { bad_vaddr: 0x0040_0010, ..exit(ExcCode::TlbS, PC) }, &mut h);
    assert_eq!(delivered(&v), (ExcCode::TlbS, PC, false, REFILL_VECTOR));
    assert_eq!(read_cp0(&v, cp0::BAD_VADDR), 0x0040_1010);
    assert!(h.device_accesses.is_empty());
}
