//! Tests of the decoder and display against GNU binutils, of branch
//! resolution and of the unaligned lane merges against MD00086.

mod branch_outcomes;
mod decode_r2;
mod decode_r6;
pub(crate) mod gnu;
mod unaligned_lanes;

use super::{decode, Endian, GuestIsa, Insn};
use gnu::Oracle;

/// Assemble every case's source line with GNU as in both byte orders; the
/// word must decode to the expected instruction (written here from the
/// source text), and our display must equal objdump's text for it.
fn check_against_gnu(oracle: Oracle, isa: GuestIsa, cases: &[(&str, Insn)]) {
    let lines: Vec<&str> = cases.iter().map(|(line, _)| *line).collect();
    let big = gnu::assemble(oracle, Endian::Big, &lines);
    let little = gnu::assemble(oracle, Endian::Little, &lines);
    let mut failures = Vec::new();
    for (((line, expected), be), le) in cases.iter().zip(&big).zip(&little) {
        assert_eq!(be.word, le.word, "`{line}` assembles to different words per byte order");
        let decoded = decode(be.word, isa);
        if decoded != *expected {
            failures.push(format!("`{line}` ({:08x}): decoded {decoded:?}, expected {expected:?}", be.word));
        }
        let shown = decoded.display_at(be.addr).to_string();
        if shown != be.text {
            failures.push(format!("`{line}` ({:08x}): displayed {shown:?}, objdump {:?}", be.word, be.text));
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
    check_display_reassembles(oracle, cases, &big);
}

/// The address-free display (PC-relative targets as `.+N`) is assembler
/// input once registers get their `$`: GNU as must rebuild the same words.
fn check_display_reassembles(oracle: Oracle, cases: &[(&str, Insn)], expected: &[gnu::Listing]) {
    let sources: Vec<String> =
        cases.iter().map(|(_, insn)| with_register_sigils(&insn.to_string())).collect();
    let lines: Vec<&str> = sources.iter().map(String::as_str).collect();
    let rebuilt = gnu::assemble(oracle, Endian::Big, &lines);
    for ((source, original), again) in lines.iter().zip(expected).zip(&rebuilt) {
        assert_eq!(again.word, original.word, "`{source}` does not reassemble to {:08x}", original.word);
    }
}

/// objdump prints `v0`; GNU as wants `$v0`. No mnemonic is a register name.
fn with_register_sigils(text: &str) -> String {
    let mut out = String::new();
    let mut token = String::new();
    for c in text.chars().chain(core::iter::once('\n')) {
        if c.is_ascii_alphanumeric() {
            token.push(c);
            continue;
        }
        if !out.ends_with('$') && Gpr::ALL.iter().any(|reg| reg.abi_name() == token) {
            out.push('$');
        }
        out.push_str(&token);
        token.clear();
        out.push(c);
    }
    out.trim_end().to_string()
}

/// Words objdump cannot decode for this ISA (it prints `.word`) must decode
/// as `Unknown`, displayed the same way.
fn check_reserved(oracle: Oracle, isa: GuestIsa, words: &[u32]) {
    let lines: Vec<String> = words.iter().map(|w| format!(".word 0x{w:08x}")).collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let mut failures = Vec::new();
    for listing in gnu::assemble(oracle, Endian::Big, &lines) {
        let word = listing.word;
        if !listing.text.starts_with(".word") {
            failures
                .push(format!("{word:08x}: objdump decodes it as {:?}; not a reserved word", listing.text));
            continue;
        }
        let decoded = decode(word, isa);
        if decoded != Insn::Unknown(word) {
            failures.push(format!("{word:08x}: decoded {decoded:?}, objdump says reserved"));
        }
        if decoded.to_string() != listing.text {
            failures.push(format!(
                "{word:08x}: displayed {:?}, objdump {:?}",
                decoded.to_string(),
                listing.text
            ));
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

// Short constructors for the expected values in the case tables.

use super::{Branch, CompareOp, Cop0Insn, Gpr, MemAccess, MemOp, ZeroOp};
use crate::cp0::Cp0Reg;

fn cop0(insn: Cop0Insn) -> Insn {
    Insn::Cop0(insn)
}

fn cp0(reg: u8, sel: u8) -> Cp0Reg {
    Cp0Reg::new(reg, sel)
}

fn mem(op: MemOp, rt: Gpr, base: Gpr, offset: i16) -> Insn {
    Insn::Mem(MemAccess { op, rt, base, offset })
}

fn compare(op: CompareOp, rs: Gpr, rt: Gpr, offset: i32) -> Insn {
    Insn::Branch(Branch::Compare { op, rs, rt, offset })
}

fn zero(op: ZeroOp, reg: Gpr, offset: i32) -> Insn {
    Insn::Branch(Branch::Zero { op, reg, offset })
}

fn branch(branch: Branch) -> Insn {
    Insn::Branch(branch)
}
