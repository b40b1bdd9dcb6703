//! 16550-compatible UART, polled, with the register stride the board gives
//! (1 on Malta's ttyS0, 8 on its CBUS UART, 4 on Boston).

use core::fmt;

use volatile_register::RW;

/// Register numbers of the 16550 (DLAB = 0 unless noted).
pub mod reg {
    /// Receive buffer (read), transmit holding (write); the divisor's low byte with DLAB.
    pub const DATA: usize = 0;
    pub const IER: usize = 1;
    /// FIFO control (write); its read side is IIR, interrupt identification.
    pub const FCR: usize = 2;
    pub const LCR: usize = 3;
    pub const MCR: usize = 4;
    pub const LSR: usize = 5;
}

pub const LSR_DATA_READY: u8 = 1 << 0;
const LSR_THR_EMPTY: u8 = 1 << 5;
/// Transmitter empty: the holding and shift registers have both gone out.
const LSR_TX_EMPTY: u8 = 1 << 6;
const LCR_8N1: u8 = 0x03;
const FCR_ENABLE_AND_CLEAR: u8 = 0x07;
const MCR_DTR_RTS: u8 = 0x03;

pub struct Uart16550 {
    base: usize,
    stride: usize,
}

impl Uart16550 {
    /// # Safety
    /// `base` must be the address of a 16550's register block as this CPU
    /// reaches it (uncached), with `stride` bytes between registers, and
    /// nothing else may drive the device at the same time.
    pub const unsafe fn new(base: usize, stride: usize) -> Self {
        Uart16550 { base, stride }
    }

    fn register(&self, index: usize) -> &RW<u8> {
        // SAFETY: `new`'s contract: each register is a byte at base + index * stride.
        unsafe { &*((self.base + index * self.stride) as *const RW<u8>) }
    }

    /// Polled 8N1 with FIFOs on and interrupts off; the baud divisor is left
    /// as firmware set it (QEMU ignores it, a boot loader set it on hardware).
    pub fn init(&self) {
        // SAFETY: plain device register writes (see `new`).
        unsafe {
            self.register(reg::IER).write(0);
            self.register(reg::LCR).write(LCR_8N1);
            self.register(reg::FCR).write(FCR_ENABLE_AND_CLEAR);
            self.register(reg::MCR).write(MCR_DTR_RTS);
        }
    }

    pub fn put_byte(&self, byte: u8) {
        while self.register(reg::LSR).read() & LSR_THR_EMPTY == 0 {}
        // SAFETY: a device register write (see `new`).
        unsafe { self.register(reg::DATA).write(byte) }
    }

    /// Waits until every byte written has left the UART (at most `polls`
    /// LSR reads), so a run may end right after its last line.
    pub fn flush(&self, polls: u32) {
        for _ in 0..polls {
            if self.register(reg::LSR).read() & LSR_TX_EMPTY != 0 {
                return;
            }
        }
    }

    pub fn try_get_byte(&self) -> Option<u8> {
        if self.register(reg::LSR).read() & LSR_DATA_READY != 0 {
            Some(self.register(reg::DATA).read())
        } else {
            None
        }
    }
}

impl fmt::Write for Uart16550 {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for byte in s.bytes() {
            if byte == b'\n' {
                self.put_byte(b'\r');
            }
            self.put_byte(byte);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::fmt::Write;

    /// A fake register block: the real device's registers at `stride` apart.
    fn fake(stride: usize) -> (alloc::vec::Vec<u8>, Uart16550) {
        let mut block = alloc::vec![0u8; 8 * stride];
        block[reg::LSR * stride] = LSR_THR_EMPTY;
        // SAFETY: the block outlives the driver in each test and has 8 registers.
        let uart = unsafe { Uart16550::new(block.as_mut_ptr() as usize, stride) };
        (block, uart)
    }

    #[test]
    fn init_programs_8n1_fifo_and_no_interrupts_at_the_stride() {
        for stride in [1, 4, 8] {
            let (block, uart) = fake(stride);
            uart.init();
            assert_eq!(block[reg::IER * stride], 0);
            assert_eq!(block[reg::LCR * stride], 0x03);
            assert_eq!(block[reg::FCR * stride], 0x07);
            assert_eq!(block[reg::MCR * stride], 0x03);
        }
    }

    #[test]
    fn newline_goes_out_as_cr_lf_and_last_byte_is_in_thr() {
        let (block, mut uart) = fake(8);
        write!(uart, "ok\n").unwrap();
        assert_eq!(block[reg::DATA], b'\n');
    }

    #[test]
    fn reads_only_when_data_ready() {
        let (mut block, uart) = fake(4);
        assert_eq!(uart.try_get_byte(), None);
        block[reg::DATA * 4] = b'x';
        block[reg::LSR * 4] |= LSR_DATA_READY;
        assert_eq!(uart.try_get_byte(), Some(b'x'));
    }

    #[test]
    fn flush_gives_up_after_its_polls_when_the_transmitter_never_empties() {
        let (mut block, uart) = fake(1);
        uart.flush(1000); // LSR says only THR empty: bounded, returns
        block[reg::LSR] |= LSR_TX_EMPTY;
        uart.flush(u32::MAX); // returns at the first poll
    }
}
