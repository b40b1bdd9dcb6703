//! Instruction words from GNU as (the `isa` tests' oracle), cached across
//! tests so each source line is assembled once per test run.

use std::collections::HashMap;
use std::string::{String, ToString};
use std::sync::{Mutex, OnceLock};
use std::vec::Vec;

use crate::isa::tests::gnu::{self, Oracle, MIPS32R2, MIPS32R6, MIPS64R2};
use crate::isa::Endian;

fn cache() -> &'static Mutex<HashMap<(&'static str, String), u32>> {
    static WORDS: OnceLock<Mutex<HashMap<(&'static str, String), u32>>> = OnceLock::new();
    WORDS.get_or_init(Default::default)
}

/// Assembles MIPS32r2 `lines` (one instruction each; `.+N` for branch
/// targets N bytes from the branch). The word does not depend on byte order.
pub fn asm<const N: usize>(lines: [&str; N]) -> [u32; N] {
    asm_for(MIPS32R2, lines)
}

pub fn asm_one(line: &str) -> u32 {
    asm([line])[0]
}

/// A MIPS64 instruction, for the ones a 32-bit guest must not get.
pub fn asm_mips64(line: &str) -> u32 {
    asm_for(MIPS64R2, [line])[0]
}

/// An instruction GNU as accepts only for Release 3 and later (TLBINV, ERETNC).
pub fn asm_r6(line: &str) -> u32 {
    asm_for(MIPS32R6, [line])[0]
}

fn asm_for<const N: usize>(oracle: Oracle, lines: [&str; N]) -> [u32; N] {
    let key = |line: &str| (oracle.machine, line.to_string());
    let missing: Vec<&str> = {
        let words = cache().lock().unwrap();
        lines.iter().copied().filter(|line| !words.contains_key(&key(line))).collect()
    };
    if !missing.is_empty() {
        let listings = gnu::assemble(oracle, Endian::Big, &missing);
        let mut words = cache().lock().unwrap();
        for (line, listing) in missing.iter().zip(listings) {
            words.insert(key(line), listing.word);
        }
    }
    let words = cache().lock().unwrap();
    lines.map(|line| words[&key(line)])
}
