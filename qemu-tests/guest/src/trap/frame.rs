//! The trap frame: every register the general exception handler saves.
//! The assembly in `vectors.rs` uses the `offset` constants below, so the
//! layout is stated once.

/// General registers, HI/LO and the CP0 state of one exception.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct TrapFrame {
    /// `regs[n]` is GPR n; `regs[0]` stays zero, k0/k1 are not preserved.
    pub regs: [u32; 32],
    pub hi: u32,
    pub lo: u32,
    pub epc: u32,
    pub status: u32,
    pub cause: u32,
    pub bad_vaddr: u32,
    _pad: [u32; 2],
}

/// Byte offsets used by the assembly.
pub mod offset {
    pub const HI: usize = 128;
    pub const LO: usize = 132;
    pub const EPC: usize = 136;
    pub const STATUS: usize = 140;
    pub const CAUSE: usize = 144;
    pub const BAD_VADDR: usize = 148;
    pub const SIZE: usize = 160;
}

const _: () = {
    assert!(core::mem::size_of::<TrapFrame>() == offset::SIZE);
    assert!(core::mem::offset_of!(TrapFrame, hi) == offset::HI);
    assert!(core::mem::offset_of!(TrapFrame, lo) == offset::LO);
    assert!(core::mem::offset_of!(TrapFrame, epc) == offset::EPC);
    assert!(core::mem::offset_of!(TrapFrame, status) == offset::STATUS);
    assert!(core::mem::offset_of!(TrapFrame, cause) == offset::CAUSE);
    assert!(core::mem::offset_of!(TrapFrame, bad_vaddr) == offset::BAD_VADDR);
};

/// Names of the o32 argument and result registers, for readability.
pub mod reg {
    pub const V0: usize = 2;
    pub const A0: usize = 4;
    pub const A1: usize = 5;
    pub const A2: usize = 6;
    pub const SP: usize = 29;
    pub const RA: usize = 31;
}

impl TrapFrame {
    pub const fn zeroed() -> Self {
        TrapFrame { regs: [0; 32], hi: 0, lo: 0, epc: 0, status: 0, cause: 0, bad_vaddr: 0, _pad: [0; 2] }
    }
}
