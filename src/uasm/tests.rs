//! Emitter rules that need no oracle: range checks, ISA checks, labels.
//! Expected encodings come from the MIPS32/MIPS64 Volume II instruction pages.

use super::*;
use crate::cp0;

fn assemble(isa: Isa, emit: impl FnOnce(&mut Assembler)) -> Result<Vec<u32>, AsmError> {
    let mut a = Assembler::new(isa);
    emit(&mut a);
    a.finish()
}

#[test]
fn fixed_encodings_match_the_manual() {
    // Vol. II: ERET 0x42000018, TLBWR 0x42000006, EHB = SLL r0,r0,3, NOP = 0.
    let words = assemble(Isa::Mips32r2, |a| {
        a.eret();
        a.tlbwr();
        a.ehb();
        a.nop();
    });
    assert_eq!(words, Ok(vec![0x4200_0018, 0x4200_0006, 0x0000_00c0, 0]));
}

#[test]
fn jr_is_jalr_zero_on_r6() {
    // R6 removed JR (funct 8); `jr rs` is JALR with rd = 0 (funct 9).
    assert_eq!(assemble(Isa::Mips64r2, |a| a.jr(Gpr::Ra)), Ok(vec![0x03e0_0008]));
    assert_eq!(assemble(Isa::Mips64r6, |a| a.jr(Gpr::Ra)), Ok(vec![0x03e0_0009]));
}

#[test]
fn the_first_error_is_the_one_reported() {
    let result = assemble(Isa::Mips32r2, |a| {
        a.nop();
        a.ld(Gpr::T0, 0, Gpr::T1);
        a.sll(Gpr::T0, Gpr::T1, 32);
    });
    assert_eq!(result, Err(AsmError::NotInIsa { mnemonic: "ld", isa: Isa::Mips32r2 }));
}

#[test]
fn operands_beyond_their_fields_are_refused() {
    let out_of_range = |mnemonic, operand, value, min, max| {
        Err(AsmError::ImmediateOutOfRange { mnemonic, operand, value, min, max })
    };
    assert_eq!(
        assemble(Isa::Mips32r2, |a| a.sll(Gpr::T0, Gpr::T1, 32)),
        out_of_range("sll", "shift", 32, 0, 31)
    );
    assert_eq!(
        assemble(Isa::Mips64r2, |a| a.dsll32(Gpr::T0, Gpr::T1, 32)),
        out_of_range("dsll32", "shift", 32, 0, 31)
    );
    // EXT/INS: pos + size must not pass bit 32.
    assert_eq!(
        assemble(Isa::Mips32r2, |a| a.ext(Gpr::T0, Gpr::T1, 30, 3)),
        out_of_range("ext", "pos+size", 33, 1, 32)
    );
    assert_eq!(
        assemble(Isa::Mips32r2, |a| a.ins(Gpr::T0, Gpr::T1, 0, 0)),
        out_of_range("ins", "size", 0, 1, 32)
    );
    // DEXT allows pos + size up to 63 (wider fields need DEXTM/DEXTU).
    assert!(assemble(Isa::Mips64r2, |a| a.dext(Gpr::T0, Gpr::T1, 31, 32)).is_ok());
    assert_eq!(
        assemble(Isa::Mips64r2, |a| a.dext(Gpr::T0, Gpr::T1, 0, 33)),
        out_of_range("dext", "size", 33, 1, 32)
    );
    // LSA's 2-bit field holds shift - 1.
    assert_eq!(
        assemble(Isa::Mips64r6, |a| a.lsa(Gpr::T0, Gpr::T1, Gpr::T2, 5)),
        out_of_range("lsa", "shift", 5, 1, 4)
    );
    // R6 CACHE has a 9-bit offset; pre-R6 CACHE has 16 bits.
    assert_eq!(
        assemble(Isa::Mips64r6, |a| a.cache(0x15, 256, Gpr::A0)),
        out_of_range("cache", "offset", 256, -256, 255)
    );
    assert!(assemble(Isa::Mips64r2, |a| a.cache(0x15, 256, Gpr::A0)).is_ok());
    assert_eq!(assemble(Isa::Mips32r2, |a| a.cache(32, 0, Gpr::A0)), out_of_range("cache", "op", 32, 0, 31));
    // A Cp0Reg built by hand, bypassing Cp0Reg::new's check.
    let bogus = cp0::Cp0Reg { reg: 12, sel: 8 };
    assert_eq!(assemble(Isa::Mips32r2, |a| a.mfc0(Gpr::T0, bogus)), out_of_range("mfc0", "select", 8, 0, 7));
}

#[test]
fn sixty_four_bit_forms_are_refused_on_mips32() {
    assert_eq!(
        assemble(Isa::Mips32r2, |a| a.dmtc0(Gpr::K0, cp0::ENTRY_LO0)),
        Err(AsmError::NotInIsa { mnemonic: "dmtc0", isa: Isa::Mips32r2 })
    );
    assert_eq!(
        assemble(Isa::Mips64r2, |a| a.dlsa(Gpr::K0, Gpr::K1, Gpr::K0, 3)),
        Err(AsmError::NotInIsa { mnemonic: "dlsa", isa: Isa::Mips64r2 })
    );
}

#[test]
fn width_generic_helpers_pick_the_isa_word() {
    let (lw, ld) = (0x8f5a_0004, 0xdf5a_0004); // lw/ld $26, 4($26): opcodes 0x23 and 0x37
    assert_eq!(assemble(Isa::Mips32r2, |a| a.load_word(Gpr::K0, 4, Gpr::K0)), Ok(vec![lw]));
    assert_eq!(assemble(Isa::Mips64r6, |a| a.load_word(Gpr::K0, 4, Gpr::K0)), Ok(vec![ld]));
    // addu/daddu $26, $26, $27: funct 0x21 and 0x2d.
    assert_eq!(assemble(Isa::Mips32r2, |a| a.add_word(Gpr::K0, Gpr::K0, Gpr::K1)), Ok(vec![0x035b_d021]));
    assert_eq!(assemble(Isa::Mips64r2, |a| a.add_word(Gpr::K0, Gpr::K0, Gpr::K1)), Ok(vec![0x035b_d02d]));
}

#[test]
fn labels_must_be_bound_exactly_once() {
    let mut a = Assembler::new(Isa::Mips32r2);
    let nowhere = a.new_label();
    a.b(nowhere);
    assert_eq!(a.finish(), Err(AsmError::UnboundLabel(nowhere)));

    let mut a = Assembler::new(Isa::Mips32r2);
    let twice = a.new_label();
    a.bind(twice);
    a.bind(twice);
    assert_eq!(a.finish(), Err(AsmError::LabelBoundTwice(twice)));

    let mut other = Assembler::new(Isa::Mips32r2);
    let foreign = {
        let mut donor = Assembler::new(Isa::Mips32r2);
        donor.new_label();
        donor.new_label()
    };
    other.bgez(Gpr::T0, foreign);
    assert_eq!(other.finish(), Err(AsmError::UnboundLabel(foreign)));
}

#[test]
fn branch_offsets_count_words_from_the_delay_slot() {
    // BEQ: target = address of delay slot + (offset << 2).
    let words = assemble(Isa::Mips32r2, |a| {
        let back = a.new_label();
        let ahead = a.new_label();
        a.bind(back);
        a.beq(Gpr::T0, Gpr::T1, ahead); // word 0 -> word 3: offset 2
        a.nop();
        a.bne(Gpr::T0, Gpr::T1, back); // word 2 -> word 0: offset -3
        a.bind(ahead);
        a.nop();
    });
    assert_eq!(words, Ok(vec![0x1109_0002, 0, 0x1509_fffd, 0]));
}

#[test]
fn branches_past_sixteen_bits_are_refused() {
    let forward = |gap: usize| {
        assemble(Isa::Mips32r2, |a| {
            let far = a.new_label();
            a.b(far);
            for _ in 0..gap {
                a.nop();
            }
            a.bind(far);
        })
    };
    // With `gap` words between the branch and the label the offset is `gap`.
    assert!(forward(32767).is_ok());
    assert_eq!(forward(32768), Err(AsmError::BranchOutOfRange { at: 0, offset: 32768 }));

    let backward = |gap: usize| {
        assemble(Isa::Mips32r2, |a| {
            let far = a.new_label();
            a.bind(far);
            for _ in 0..gap {
                a.nop();
            }
            a.b(far);
        })
    };
    // The branch at word `gap` reaches back -(gap + 1).
    assert!(backward(32767).is_ok());
    assert_eq!(backward(32768), Err(AsmError::BranchOutOfRange { at: 32768, offset: -32769 }));
}

#[test]
fn jumps_stay_in_the_delay_slot_region() {
    // J: the target keeps the top 4 bits (MIPS32) of the delay slot's address.
    let jump = |origin: u64, isa: Isa, target: u64| {
        let mut a = Assembler::with_origin(isa, origin);
        a.j(target);
        a.finish()
    };
    assert_eq!(jump(0x8000_0000, Isa::Mips32r2, 0x8000_1230), Ok(vec![0x0800_048c]));
    assert_eq!(jump(0x8000_0000, Isa::Mips32r2, 0xffff_ffff_8000_1230), Ok(vec![0x0800_048c]));
    assert_eq!(
        jump(0x8000_0000, Isa::Mips32r2, 0x9000_0000),
        Err(AsmError::JumpOutOfRegion { at: 0, target: 0x9000_0000 })
    );
    // The delay slot of a jump at 0x8ffffffc is already in the next region.
    assert_eq!(
        jump(0x8fff_fffc, Isa::Mips32r2, 0x8000_0000),
        Err(AsmError::JumpOutOfRegion { at: 0, target: 0x8000_0000 })
    );
    assert_eq!(
        jump(0xffff_ffff_8000_0000, Isa::Mips64r6, 0x8000_1230),
        Err(AsmError::JumpOutOfRegion { at: 0, target: 0x8000_1230 })
    );
    assert_eq!(
        jump(0x8000_0000, Isa::Mips32r2, 0x8000_0002),
        Err(AsmError::MisalignedJumpTarget { at: 0, target: 0x8000_0002 })
    );
    assert_eq!(assemble(Isa::Mips32r2, |a| a.j(0x8000_0000)), Err(AsmError::JumpWithoutOrigin { at: 0 }));
}
