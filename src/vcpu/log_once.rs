//! A bounded memory of what was already reported, so a guest that repeats a
//! bad instruction in a loop does not flood the monitor's log UART.

/// How many distinct (pc, word) pairs are remembered.
pub const CAPACITY: usize = 32;

/// Whether to write a report now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    /// First sighting: report it.
    New,
    /// Reported before, or the memory is full and that was said once: stay quiet.
    Quiet,
    /// The memory just filled up: say that further reports are dropped.
    Full,
}

/// The (pc, instruction word) pairs reported so far.
#[derive(Clone, Debug)]
pub struct LogOnce {
    seen: [(u32, u32); CAPACITY],
    len: usize,
    full_reported: bool,
}

impl Default for LogOnce {
    fn default() -> Self {
        LogOnce { seen: [(0, 0); CAPACITY], len: 0, full_reported: false }
    }
}

impl LogOnce {
    pub fn check(&mut self, pc: u32, word: u32) -> Report {
        if self.seen[..self.len].contains(&(pc, word)) {
            return Report::Quiet;
        }
        if self.len < CAPACITY {
            self.seen[self.len] = (pc, word);
            self.len += 1;
            return Report::New;
        }
        if self.full_reported {
            Report::Quiet
        } else {
            self.full_reported = true;
            Report::Full
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_pair_once_then_one_notice_when_full() {
        let mut log = LogOnce::default();
        assert_eq!(log.check(0x100, 0xdead), Report::New);
        assert_eq!(log.check(0x100, 0xdead), Report::Quiet);
        // Same pc, other word (self-modifying code): a new report.
        assert_eq!(log.check(0x100, 0xbeef), Report::New);
        for pc in 1..(CAPACITY as u32 - 1) {
            assert_eq!(log.check(pc * 4, 0), Report::New);
        }
        assert_eq!(log.check(0x9999, 0), Report::Full);
        assert_eq!(log.check(0x9998, 0), Report::Quiet);
        assert_eq!(log.check(0x100, 0xdead), Report::Quiet);
    }
}
