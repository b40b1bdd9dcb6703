//! Test-only interpreter for the few instructions the refill handler uses,
//! decoded straight from the MIPS32/MIPS64 Volume II formats. It runs the
//! generated words against fake memory and a fake CP0, so wrong shifts,
//! masks or widths show up as wrong EntryLo values.
//!
//! Registers hold 64 bits; 32-bit operations sign-extend their result as
//! MIPS64 does, which is also exact for MIPS32 when addresses are taken
//! modulo 2^32. Anything unexpected (an unknown or out-of-ISA instruction,
//! reading memory or CP0 state the test did not set up) panics.

use std::collections::HashMap;

use crate::cp0::{self, Cp0Reg};
use crate::uasm::{Endian, Isa};

pub struct Machine {
    pub isa: Isa,
    pub endian: Endian,
    pub gpr: [u64; 32],
    pub cp0: HashMap<Cp0Reg, u64>,
    memory: HashMap<u64, u8>,
    /// EntryLo writes not yet separated from a TLB write by `ehb`.
    entry_lo_hazard: bool,
    pub tlb_writes: Vec<TlbWrite>,
}

/// What one `tlbwr` wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlbWrite {
    pub entry_lo0: u64,
    pub entry_lo1: u64,
    /// An EntryLo mtc0 was still in flight (no `ehb` since).
    pub hazard: bool,
}

fn sign_extend32(value: u64) -> u64 {
    value as u32 as i32 as i64 as u64
}

impl Machine {
    pub fn new(isa: Isa, endian: Endian) -> Self {
        Machine {
            isa,
            endian,
            gpr: [0; 32],
            cp0: HashMap::new(),
            memory: HashMap::new(),
            entry_lo_hazard: false,
            tlb_writes: Vec::new(),
        }
    }

    /// The physical key of a virtual address: MIPS32 addresses wrap at 2^32.
    fn address(&self, address: u64) -> u64 {
        if self.isa.is_64bit() {
            address
        } else {
            address as u32 as u64
        }
    }

    /// Stores a `bytes`-wide value in the machine's byte order.
    pub fn store(&mut self, address: u64, bytes: usize, value: u64) {
        let address = self.address(address);
        for i in 0..bytes {
            let shift = match self.endian {
                Endian::Big => 8 * (bytes - 1 - i),
                Endian::Little => 8 * i,
            };
            self.memory.insert(address + i as u64, (value >> shift) as u8);
        }
    }

    fn load(&self, address: u64, bytes: usize) -> u64 {
        let address = self.address(address);
        assert_eq!(address % bytes as u64, 0, "misaligned {bytes}-byte load at {address:#x}");
        (0..bytes).fold(0u64, |value, i| {
            let byte = *self
                .memory
                .get(&(address + i as u64))
                .unwrap_or_else(|| panic!("load from {address:#x}, which the test never filled"));
            match self.endian {
                Endian::Big => (value << 8) | byte as u64,
                Endian::Little => value | (byte as u64) << (8 * i),
            }
        })
    }

    fn read_cp0(&self, reg: Cp0Reg) -> u64 {
        *self.cp0.get(&reg).unwrap_or_else(|| panic!("read of CP0 {reg:?}, which nobody set"))
    }

    fn write_gpr(&mut self, n: u32, value: u64) {
        if n != 0 {
            self.gpr[n as usize] = value;
        }
    }

    fn require_64(&self, word: u32) {
        assert!(self.isa.is_64bit(), "{word:#010x} is a 64-bit instruction on {}", self.isa);
    }

    /// Runs `code` from its first word until `eret`; returns the steps taken.
    pub fn run(&mut self, code: &[u32]) -> usize {
        for (pc, &word) in code.iter().enumerate() {
            if self.step(word) {
                assert_eq!(pc + 1, code.len(), "eret before the end of the handler");
                return pc + 1;
            }
        }
        panic!("the handler ran off its end without eret");
    }

    /// Executes one instruction; true for `eret`.
    fn step(&mut self, word: u32) -> bool {
        let opcode = word >> 26;
        let rs = (word >> 21) & 31;
        let rt = (word >> 16) & 31;
        let rd = (word >> 11) & 31;
        let sa = (word >> 6) & 31;
        let funct = word & 0x3f;
        let imm = word as u16;
        let (vs, vt) = (self.gpr[rs as usize], self.gpr[rt as usize]);
        let offset_address = vs.wrapping_add(imm as i16 as i64 as u64);
        match (opcode, funct) {
            (0x00, 0x00) if word == 0x0000_00c0 => self.entry_lo_hazard = false, // ehb
            (0x00, 0x00) if rs == 0 => self.write_gpr(rd, sign_extend32(vt << sa)), // sll
            (0x00, 0x02) if rs == 0 => self.write_gpr(rd, sign_extend32((vt as u32 >> sa) as u64)), // srl
            (0x00, 0x05) if sa >> 2 == 0 => {
                // lsa: R6 only
                assert!(self.isa.is_r6(), "lsa on {}", self.isa);
                let sum = ((vs as u32) << ((sa & 3) + 1)).wrapping_add(vt as u32);
                self.write_gpr(rd, sign_extend32(sum as u64))
            }
            (0x00, 0x15) if sa >> 2 == 0 => {
                // dlsa: MIPS64 R6 only
                assert!(self.isa.is_r6(), "dlsa on {}", self.isa);
                self.require_64(word);
                self.write_gpr(rd, (vs << ((sa & 3) + 1)).wrapping_add(vt))
            }
            (0x00, 0x21) if sa == 0 => {
                self.write_gpr(rd, sign_extend32((vs as u32).wrapping_add(vt as u32) as u64))
            } // addu
            (0x00, 0x2d) if sa == 0 => {
                self.require_64(word); // daddu
                self.write_gpr(rd, vs.wrapping_add(vt))
            }
            (0x0c, _) => self.write_gpr(rt, vs & imm as u64), // andi
            (0x0f, _) if rs == 0 => self.write_gpr(rt, sign_extend32((imm as u64) << 16)), // lui
            (0x23, _) => {
                let value = self.load(offset_address, 4); // lw
                self.write_gpr(rt, sign_extend32(value))
            }
            (0x37, _) => {
                self.require_64(word); // ld
                let value = self.load(offset_address, 8);
                self.write_gpr(rt, value)
            }
            (0x1f, 0x00) => {
                // ext: rt = rs[lsb + size - 1 : lsb]
                let (lsb, size) = (sa, rd + 1);
                assert!(lsb + size <= 32, "ext field past bit 31");
                let field = ((vs as u32 as u64) >> lsb) & ((1u64 << size) - 1);
                self.write_gpr(rt, sign_extend32(field))
            }
            (0x10, _) if rs == 0x10 && word & 0x01ff_ffc0 == 0 => match funct {
                0x06 => self.tlbwr(),
                0x18 => return true, // eret
                _ => panic!("unexpected CO instruction {word:#010x}"),
            },
            (0x10, _) if word & 0x7f8 == 0 => {
                self.cp0_move(word, rs, rt, Cp0Reg::new(rd as u8, (word & 7) as u8))
            }
            _ => panic!("the interpreter does not know {word:#010x}"),
        }
        false
    }

    fn cp0_move(&mut self, word: u32, direction: u32, rt: u32, reg: Cp0Reg) {
        let value = self.gpr[rt as usize];
        match direction {
            0x00 => {
                let read = self.read_cp0(reg); // mfc0
                self.write_gpr(rt, sign_extend32(read))
            }
            0x01 => {
                self.require_64(word); // dmfc0
                let read = self.read_cp0(reg);
                self.write_gpr(rt, read)
            }
            0x04 => self.write_cp0(reg, sign_extend32(value)), // mtc0
            0x05 => {
                self.require_64(word); // dmtc0
                self.write_cp0(reg, value)
            }
            _ => panic!("unexpected COP0 move {word:#010x}"),
        }
    }

    fn write_cp0(&mut self, reg: Cp0Reg, value: u64) {
        // DDataLo is a 32-bit register on every core.
        let value = if reg == cp0::DDATA_LO { value as u32 as u64 } else { value };
        if reg == cp0::ENTRY_LO0 || reg == cp0::ENTRY_LO1 {
            self.entry_lo_hazard = true;
        }
        self.cp0.insert(reg, value);
    }

    fn tlbwr(&mut self) {
        self.tlb_writes.push(TlbWrite {
            entry_lo0: self.read_cp0(cp0::ENTRY_LO0),
            entry_lo1: self.read_cp0(cp0::ENTRY_LO1),
            hazard: self.entry_lo_hazard,
        });
    }
}
