//! The board's register blocks that a monitor keeps for itself (Boston's
//! CM, GIC, CDMM and CPC): every read answers all ones with no exception,
//! as an absent device, and a write that would stop the CPU (CPC VP_STOP)
//! leaves this kernel running. These are isolation checks of the monitor:
//! natively the registers answer (and the VP_STOP write halts the CPU), so
//! the group runs only where the platform table lists such blocks.

use super::{probe, Suite};
use crate::platform::PLATFORM;

fn load_word(address: usize) -> (Option<crate::trap::Caught>, u32) {
    let value: u32;
    let (caught, _) = probe!("1: lw {v}, 0({a})"; v = out(reg) value, a = in(reg) address);
    (caught, value)
}

pub fn run(suite: &mut Suite) {
    if PLATFORM.monitor_blocks.is_empty() {
        // Malta's monitor-kept registers (CBUS UART, FPGA, the GT-64120)
        // answer natively, so the differential cannot hold them: guest_smoke's
        // pci listing and hostile_smoke test those refusals instead.
        suite.skip("board_blocks_refused", PLATFORM.name, "natively the board's own registers answer");
        return;
    }
    for &(name, address) in PLATFORM.monitor_blocks {
        let (caught, value) = load_word(address);
        let refused = caught.is_none() && value == u32::MAX;
        suite.that(name, refused, "all ones, no exception (kept by the monitor)", value);
    }
    #[cfg(feature = "boston")]
    {
        // SAFETY: under a monitor the write is refused; natively it stops this CPU.
        unsafe { core::ptr::write_volatile(crate::platform::CPC_VP_STOP as *mut u32, 1) };
        suite.that("cpc_vp_stop_refused", true, "still running", 0);
    }
}
