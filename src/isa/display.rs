//! Disassembly in GNU objdump's syntax (`objdump -d -M cp0-names=numeric,hwr-names=numeric`):
//! o32 register names, the mnemonic and operands separated by a tab, CP0
//! registers as `$reg[,sel]`, objdump's aliases (`b`, `beqz`, `bal`, `jrc`, ...).
//!
//! Branch targets need the instruction's address: [`Insn::display_at`] prints
//! them as objdump does. Plain `Display` has no address, so it prints
//! PC-relative targets as `.+N`/`.-N` (bytes from the branch, GNU as syntax)
//! and J/JAL targets as the offset within their 256 MiB region.

use core::fmt::{self, Display, Formatter};

use super::gpr::Gpr;
use super::insn::{Branch, CompareOp, Cop0Insn, Insn, Mips64Insn, ZeroOp};
use crate::cp0::Cp0Reg;

/// An instruction shown at its address; see [`Insn::display_at`].
#[derive(Clone, Copy, Debug)]
pub struct DisplayAt<'a> {
    insn: &'a Insn,
    pc: u32,
}

impl Insn {
    /// The instruction as objdump prints it at address `pc`.
    pub fn display_at(&self, pc: u32) -> DisplayAt<'_> {
        DisplayAt { insn: self, pc }
    }
}

impl Display for DisplayAt<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        render(self.insn, Some(self.pc), f)
    }
}

impl Display for Insn {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        render(self, None, f)
    }
}

/// A branch destination: absolute when the branch address is known.
struct Target {
    pc: Option<u32>,
    kind: TargetKind,
}

#[derive(Clone, Copy)]
enum TargetKind {
    /// Bytes from the instruction after the branch.
    Relative(i32),
    /// J/JAL's 26-bit index.
    Region(u32),
}

impl Display for Target {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match (self.kind, self.pc) {
            (TargetKind::Relative(offset), Some(pc)) => {
                write!(f, "0x{:x}", pc.wrapping_add(4).wrapping_add(offset as u32))
            }
            (TargetKind::Relative(offset), None) => {
                let from_branch = i64::from(offset) + 4;
                let sign = if from_branch < 0 { '-' } else { '+' };
                write!(f, ".{sign}0x{:x}", from_branch.unsigned_abs())
            }
            (TargetKind::Region(index), pc) => {
                let region = pc.map_or(0, |pc| pc.wrapping_add(4) & 0xf000_0000);
                write!(f, "0x{:x}", region | (index << 2))
            }
        }
    }
}

/// `$reg` or `$reg,sel`, objdump's numeric CP0 register form.
struct Cp0Operand(Cp0Reg);

impl Display for Cp0Operand {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0.sel {
            0 => write!(f, "${}", self.0.reg),
            sel => write!(f, "${},{}", self.0.reg, sel),
        }
    }
}

/// `offset(base)` with a signed decimal offset.
struct BaseOffset(Gpr, i16);

impl Display for BaseOffset {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.1, self.0)
    }
}

fn render(insn: &Insn, pc: Option<u32>, f: &mut Formatter<'_>) -> fmt::Result {
    match *insn {
        Insn::Cop0(cop0) => render_cop0(cop0, f),
        Insn::Cache { op, base, offset } => {
            write!(f, "cache\t0x{:x},{}", op.bits(), BaseOffset(base, offset))
        }
        Insn::Pref { hint, base, offset } => write!(f, "pref\t0x{:x},{}", hint, BaseOffset(base, offset)),
        Insn::Synci { base, offset } => write!(f, "synci\t{}", BaseOffset(base, offset)),
        Insn::Sync { stype } => render_sync(stype, f),
        Insn::Rdhwr { rt, hwr, sel: 0 } => write!(f, "rdhwr\t{rt},${hwr}"),
        Insn::Rdhwr { rt, hwr, sel } => write!(f, "rdhwr\t{rt},${hwr},{sel}"),
        Insn::Syscall { code } => mnemonic_with_code("syscall", code, f),
        Insn::Sdbbp { code } => mnemonic_with_code("sdbbp", code, f),
        // objdump splits BREAK's code into its historical 10-bit halves.
        Insn::Break { code } => match (code >> 10, code & 0x3ff) {
            (0, 0) => f.write_str("break"),
            (high, 0) => write!(f, "break\t0x{high:x}"),
            (high, low) => write!(f, "break\t0x{high:x},0x{low:x}"),
        },
        Insn::Trap { cond, rs, rt, code: 0 } => write!(f, "{}\t{rs},{rt}", cond.mnemonic()),
        Insn::Trap { cond, rs, rt, code } => write!(f, "{}\t{rs},{rt},0x{code:x}", cond.mnemonic()),
        Insn::TrapImm { cond, rs, imm } => write!(f, "{}\t{rs},{imm}", cond.immediate_mnemonic()),
        Insn::Mem(access) => {
            write!(f, "{}\t{},{}", access.op.mnemonic(), access.rt, BaseOffset(access.base, access.offset))
        }
        Insn::Branch(branch) => render_branch(branch, pc, f),
        Insn::Mips64(Mips64Insn::Dmfc0 { rt, reg }) => write!(f, "dmfc0\t{rt},{}", Cp0Operand(reg)),
        Insn::Mips64(Mips64Insn::Dmtc0 { rt, reg }) => write!(f, "dmtc0\t{rt},{}", Cp0Operand(reg)),
        Insn::Mips64(Mips64Insn::Mem { op, rt, base, offset }) => {
            write!(f, "{}\t{rt},{}", op.mnemonic(), BaseOffset(base, offset))
        }
        Insn::Unknown(word) => write!(f, ".word\t0x{word:x}"),
    }
}

fn mnemonic_with_code(mnemonic: &str, code: u32, f: &mut Formatter<'_>) -> fmt::Result {
    match code {
        0 => f.write_str(mnemonic),
        code => write!(f, "{mnemonic}\t0x{code:x}"),
    }
}

/// SYNC stypes with architectural names (MD00086, SYNC) print as objdump's aliases.
fn render_sync(stype: u8, f: &mut Formatter<'_>) -> fmt::Result {
    let alias = match stype {
        0 => "sync",
        0x04 => "sync_wmb",
        0x10 => "sync_mb",
        0x11 => "sync_acquire",
        0x12 => "sync_release",
        0x13 => "sync_rmb",
        other => return write!(f, "sync\t0x{other:x}"),
    };
    f.write_str(alias)
}

fn render_cop0(insn: Cop0Insn, f: &mut Formatter<'_>) -> fmt::Result {
    // DI/EI/DVP/EVP omit a $zero destination.
    let optional_rt = |mnemonic: &str, rt: Gpr, f: &mut Formatter<'_>| match rt {
        Gpr::Zero => f.write_str(mnemonic),
        rt => write!(f, "{mnemonic}\t{rt}"),
    };
    match insn {
        Cop0Insn::Mfc0 { rt, reg } => write!(f, "mfc0\t{rt},{}", Cp0Operand(reg)),
        Cop0Insn::Mtc0 { rt, reg } => write!(f, "mtc0\t{rt},{}", Cp0Operand(reg)),
        Cop0Insn::Mfhc0 { rt, reg } => write!(f, "mfhc0\t{rt},{}", Cp0Operand(reg)),
        Cop0Insn::Mthc0 { rt, reg } => write!(f, "mthc0\t{rt},{}", Cp0Operand(reg)),
        Cop0Insn::Tlbr => f.write_str("tlbr"),
        Cop0Insn::Tlbwi => f.write_str("tlbwi"),
        Cop0Insn::Tlbwr => f.write_str("tlbwr"),
        Cop0Insn::Tlbp => f.write_str("tlbp"),
        Cop0Insn::Tlbinv => f.write_str("tlbinv"),
        Cop0Insn::Tlbinvf => f.write_str("tlbinvf"),
        Cop0Insn::Eret => f.write_str("eret"),
        Cop0Insn::Eretnc => f.write_str("eretnc"),
        Cop0Insn::Deret => f.write_str("deret"),
        Cop0Insn::Wait { code } => mnemonic_with_code("wait", code, f),
        Cop0Insn::Di { rt } => optional_rt("di", rt, f),
        Cop0Insn::Ei { rt } => optional_rt("ei", rt, f),
        Cop0Insn::Dvp { rt } => optional_rt("dvp", rt, f),
        Cop0Insn::Evp { rt } => optional_rt("evp", rt, f),
        Cop0Insn::Rdpgpr { rd, rt } => write!(f, "rdpgpr\t{rd},{rt}"),
        Cop0Insn::Wrpgpr { rd, rt } => write!(f, "wrpgpr\t{rd},{rt}"),
    }
}

fn render_branch(branch: Branch, pc: Option<u32>, f: &mut Formatter<'_>) -> fmt::Result {
    let relative = |offset| Target { pc, kind: TargetKind::Relative(offset) };
    match branch {
        Branch::Compare { op, rs, rt, offset } => {
            let target = relative(offset);
            // objdump's aliases for comparisons with $zero in rt.
            match (op, rs, rt) {
                (CompareOp::Beq, Gpr::Zero, Gpr::Zero) => write!(f, "b\t{target}"),
                (CompareOp::Beq, rs, Gpr::Zero) => write!(f, "beqz\t{rs},{target}"),
                (CompareOp::Bne, rs, Gpr::Zero) => write!(f, "bnez\t{rs},{target}"),
                (CompareOp::Beql, rs, Gpr::Zero) => write!(f, "beqzl\t{rs},{target}"),
                (CompareOp::Bnel, rs, Gpr::Zero) => write!(f, "bnezl\t{rs},{target}"),
                (op, rs, rt) => write!(f, "{}\t{rs},{rt},{target}", op.mnemonic()),
            }
        }
        Branch::Zero { op: ZeroOp::Bgezal, reg: Gpr::Zero, offset } => write!(f, "bal\t{}", relative(offset)),
        Branch::Zero { op: ZeroOp::Nal, .. } => f.write_str("nal"),
        Branch::Zero { op, reg, offset } => write!(f, "{}\t{reg},{}", op.mnemonic(), relative(offset)),
        Branch::Jump { link, index } => {
            let target = Target { pc, kind: TargetKind::Region(index) };
            write!(f, "{}\t{target}", if link { "jal" } else { "j" })
        }
        Branch::Register { rs, link, hazard_barrier } => {
            let hb = if hazard_barrier { ".hb" } else { "" };
            match link {
                None => write!(f, "jr{hb}\t{rs}"),
                Some(Gpr::Ra) => write!(f, "jalr{hb}\t{rs}"),
                Some(rd) => write!(f, "jalr{hb}\t{rd},{rs}"),
            }
        }
        Branch::Indexed { rt, offset: 0, link } => write!(f, "{}\t{rt}", if link { "jalrc" } else { "jrc" }),
        Branch::Indexed { rt, offset, link } => {
            write!(f, "{}\t{rt},{offset}", if link { "jialc" } else { "jic" })
        }
        Branch::Compact { link, offset } => {
            write!(f, "{}\t{}", if link { "balc" } else { "bc" }, relative(offset))
        }
        Branch::FpCondition { cc, on_true, likely, offset } => {
            let mnemonic = match (on_true, likely) {
                (false, false) => "bc1f",
                (true, false) => "bc1t",
                (false, true) => "bc1fl",
                (true, true) => "bc1tl",
            };
            match cc {
                0 => write!(f, "{mnemonic}\t{}", relative(offset)),
                cc => write!(f, "{mnemonic}\t$fcc{cc},{}", relative(offset)),
            }
        }
        Branch::FpRegister { ft, on_nonzero, offset } => {
            let mnemonic = if on_nonzero { "bc1nez" } else { "bc1eqz" };
            write!(f, "{mnemonic}\t$f{ft},{}", relative(offset))
        }
    }
}
