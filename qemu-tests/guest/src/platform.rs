//! The board this build of the guest runs on: the one place where Malta and
//! Boston differ for it. Chosen at build time (`--features boston`), as a
//! kernel is built for its platform; everything else in the guest is the same.

/// What the guest needs to know about its board.
pub struct Platform {
    /// Name used in `info` and in "skipped on ..." lines.
    pub name: &'static str,
    /// The console 16550 through KSEG1, and the distance between its registers.
    pub console_uart: usize,
    pub console_stride: usize,
    /// Whether bus 0's configuration space is reached through a GT-64120 (Malta).
    pub gt64120_pci: bool,
    /// The board-reset register (KSEG1) and the value that resets the board.
    pub reset_register: usize,
    pub reset_value: u32,
    /// Register blocks the board has but a monitor keeps for itself: the
    /// check's name and the KSEG1 address of a register in the block that
    /// reads other than all ones natively.
    pub monitor_blocks: &'static [(&'static str, usize)],
}

/// Malta: ttyS0 is the PIIX4's 16550 at ISA port 0x3F8 (physical
/// 0x180003F8, byte registers); the FPGA's SOFTRES register resets on 0x42.
#[cfg(not(feature = "boston"))]
pub const PLATFORM: Platform = Platform {
    name: "malta",
    console_uart: 0xB800_03F8,
    console_stride: 1,
    gt64120_pci: true,
    reset_register: 0xBF00_0500,
    reset_value: 0x42,
    monitor_blocks: &[],
};

/// Boston (QEMU hw/mips/boston.c): the 16550 at physical 0x17FFE000 with
/// 4-byte registers; SOFTRST_CTL bit 4 in the platform registers resets the
/// board; the CM's GCRs, GIC, CDMM and CPC sit where QEMU's boot code put them.
#[cfg(feature = "boston")]
pub const PLATFORM: Platform = Platform {
    name: "boston",
    console_uart: 0xB7FF_E000,
    console_stride: 4,
    gt64120_pci: false,
    reset_register: 0xB7FF_D010,
    reset_value: 1 << 4,
    monitor_blocks: &[
        // GCR_BASE: the GCR block's own address.
        ("cm_gcr_base_refused", 0xB610_0008),
        // GIC_SH_CONFIG: interrupt and VP counts.
        ("gic_sh_config_refused", 0xB612_0000),
        // CDMM's first device's header.
        ("cdmm_refused", 0xB614_0000),
        // CPC core-local VP_RUNNING: which VPs run.
        ("cpc_vp_running_refused", 0xB620_2030),
    ],
};

/// CPC core-local VP_STOP: a 1 in bit 0 stops VP 0, the only CPU (Boston).
#[cfg(feature = "boston")]
pub const CPC_VP_STOP: usize = 0xB620_2020;
