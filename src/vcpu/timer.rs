//! The guest's Count/Compare timer, derived from the host's Count.
//!
//! Guest Count = floor(host ticks × guest_hz / host_hz) + offset, where host
//! ticks are host Count extended to 64 bits across its wraps. The scaling is
//! exact (u128 products), so guest Count never drifts or steps backwards.
//! Extension needs one observation per host Count wrap; [`GuestTimer::host_deadline`]
//! never asks the host timer to wait longer than half a wrap, so a firmware
//! that always arms it observes often enough.
//!
//! A guest Count that reaches Compare raises the timer interrupt (PRA:
//! "when Count equals Compare"); the check covers every guest tick since the
//! previous observation, so a match between two observations is not missed.

/// Longest host timer delay handed out: half a host Count wrap.
pub const MAX_HOST_TIMER_DELTA: u32 = 1 << 31;

/// The first re-arm distance after a host Compare write found Count already
/// past it: enough for the write and the check after it on real hardware.
const MIN_REARM_DELTA: u32 = 64;
/// Re-arm distances grow no further than this (about 6.5 ms at 160 MHz).
const MAX_REARM_SHIFT: u32 = 14;

/// Where to put the host Compare after `misses` attempts each found Count
/// already past it, Count being `now`. The distance doubles with every
/// miss: where Count follows a wall clock (QEMU without -icount on a busy
/// host), a fixed distance can be overtaken forever.
pub fn rearm_deadline(now: u32, misses: u32) -> u32 {
    now.wrapping_add(MIN_REARM_DELTA << misses.min(MAX_REARM_SHIFT))
}

/// A zero frequency cannot scale a timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZeroFrequency;

/// Host and guest timer frequencies, in Hz, and their ratio in lowest terms
/// (every guest exit scales Count, and a 32-bit host has no u128 divider).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerRates {
    host_hz: u64,
    guest_hz: u64,
    /// guest_hz / host_hz = guest_per / host_per.
    guest_per: u64,
    host_per: u64,
}

const fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl TimerRates {
    pub fn new(host_hz: u64, guest_hz: u64) -> Result<Self, ZeroFrequency> {
        if host_hz == 0 || guest_hz == 0 {
            return Err(ZeroFrequency);
        }
        let common = gcd(host_hz, guest_hz);
        Ok(TimerRates { host_hz, guest_hz, guest_per: guest_hz / common, host_per: host_hz / common })
    }

    pub const fn host_hz(&self) -> u64 {
        self.host_hz
    }

    pub const fn guest_hz(&self) -> u64 {
        self.guest_hz
    }

    /// Guest ticks elapsed after `host_ticks` host ticks (rounded down).
    fn guest_ticks(&self, host_ticks: u64) -> u64 {
        if self.guest_per == self.host_per {
            return host_ticks;
        }
        match host_ticks.checked_mul(self.guest_per) {
            Some(product) if self.host_per.is_power_of_two() => product >> self.host_per.trailing_zeros(),
            Some(product) => product / self.host_per,
            None => (host_ticks as u128 * self.guest_per as u128 / self.host_per as u128) as u64,
        }
    }

    /// The first host tick at which [`Self::guest_ticks`] reaches `guest_ticks`:
    /// floor(h × g / H) >= t exactly when h >= ceil(t × H / g).
    fn host_ticks_for(&self, guest_ticks: u64) -> u128 {
        (guest_ticks as u128 * self.host_per as u128).div_ceil(self.guest_per as u128)
    }
}

/// The guest timer's state between observations of host Count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuestTimer {
    rates: TimerRates,
    /// Host Count at the last observation.
    host_last: u32,
    /// Host ticks since the timer started, at the last observation.
    host_ticks: u64,
    /// Guest Count minus the scaled host ticks.
    offset: u32,
    /// Count's value while stopped by Cause.DC.
    stopped_at: Option<u32>,
}

impl GuestTimer {
    /// A timer whose guest Count reads 0 at host Count `host_now`.
    pub fn new(rates: TimerRates, host_now: u32) -> Self {
        GuestTimer { rates, host_last: host_now, host_ticks: 0, offset: 0, stopped_at: None }
    }

    pub const fn rates(&self) -> TimerRates {
        self.rates
    }

    /// Guest Count as of the last observation.
    pub fn last_count(&self) -> u32 {
        self.stopped_at.unwrap_or_else(|| self.running_count())
    }

    fn running_count(&self) -> u32 {
        (self.rates.guest_ticks(self.host_ticks) as u32).wrapping_add(self.offset)
    }

    /// Stops or restarts Count at host Count `host_now` (Cause.DC); a
    /// restarted Count goes on from where it stopped.
    pub fn set_stopped(&mut self, stopped: bool, host_now: u32) {
        self.observe(host_now);
        match (stopped, self.stopped_at) {
            (true, None) => self.stopped_at = Some(self.running_count()),
            (false, Some(value)) => {
                self.stopped_at = None;
                self.write_count(value, host_now);
            }
            _ => {}
        }
    }

    /// Brings the timer to host Count `host_now`; returns how many guest ticks
    /// passed since the previous observation.
    fn observe(&mut self, host_now: u32) -> u64 {
        let before = self.rates.guest_ticks(self.host_ticks);
        self.host_ticks += u64::from(host_now.wrapping_sub(self.host_last));
        self.host_last = host_now;
        self.rates.guest_ticks(self.host_ticks) - before
    }

    /// Guest Count at host Count `host_now`. It observes without looking for
    /// a Compare match, so the vCPU goes through `reached` instead.
    #[cfg(test)]
    pub fn count(&mut self, host_now: u32) -> u32 {
        self.observe(host_now);
        self.last_count()
    }

    /// A guest write of Count at host Count `host_now`.
    pub fn write_count(&mut self, value: u32, host_now: u32) {
        self.observe(host_now);
        self.offset = value.wrapping_sub(self.rates.guest_ticks(self.host_ticks) as u32);
        if self.stopped_at.is_some() {
            self.stopped_at = Some(value);
        }
    }

    /// Advances to `host_now`; whether guest Count equalled `compare` at some
    /// guest tick after the previous observation, up to and including now.
    pub fn reached(&mut self, compare: u32, host_now: u32) -> bool {
        let previous = self.last_count();
        let elapsed = self.observe(host_now);
        if self.stopped_at.is_some() {
            return false;
        }
        let until_match = u64::from(compare.wrapping_sub(previous));
        elapsed > u64::from(u32::MAX) || (until_match != 0 && until_match <= elapsed)
    }

    /// The host Count value at which to take a host timer interrupt so that
    /// guest Count has reached `compare` (capped at half a host wrap ahead).
    /// A `compare` equal to the current Count means a whole guest wrap.
    pub fn host_deadline(&self, compare: u32) -> u32 {
        if self.stopped_at.is_some() {
            return self.host_last.wrapping_add(MAX_HOST_TIMER_DELTA);
        }
        let until_match = match compare.wrapping_sub(self.last_count()) {
            0 => 1u64 << 32,
            n => u64::from(n),
        };
        let target = self.rates.guest_ticks(self.host_ticks) + until_match;
        let wait = self.rates.host_ticks_for(target) - u128::from(self.host_ticks);
        let wait = wait.min(u128::from(MAX_HOST_TIMER_DELTA)) as u32;
        self.host_last.wrapping_add(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missed_host_deadline_is_rearmed_ever_further_ahead_but_boundedly() {
        assert_eq!(rearm_deadline(1000, 0), 1064);
        assert_eq!(rearm_deadline(1000, 1), 1128);
        assert_eq!(rearm_deadline(u32::MAX, 0), 63);
        let distances: alloc::vec::Vec<u32> = (0..40).map(|m| rearm_deadline(0, m)).collect();
        assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
        assert_eq!(*distances.last().unwrap(), 64 << 14);
        assert!(distances.iter().all(|d| *d < MAX_HOST_TIMER_DELTA));
    }

    /// Linux's KVM-guest default: guest timer 100 MHz. QEMU Malta host Count: 100 MHz
    /// (half of a 200 MHz CPU); a Boston-like host: 25 MHz; an odd ratio: 3 host per 7 guest.
    fn timer(host_hz: u64, guest_hz: u64, host_now: u32) -> GuestTimer {
        GuestTimer::new(TimerRates::new(host_hz, guest_hz).unwrap(), host_now)
    }

    #[test]
    fn a_stopped_count_holds_its_value_and_restarts_from_it() {
        // PRA, Cause.DC: "Disable Count register" stops Count; it restarts
        // from the same value. No Compare match can happen while stopped.
        let mut t = timer(100_000_000, 100_000_000, 1000);
        t.set_stopped(true, 1100);
        assert_eq!(t.count(5000), 100);
        assert!(!t.reached(200, 9000));
        t.set_stopped(false, 9000);
        assert_eq!(t.count(9050), 150);
        assert!(t.reached(160, 9070));
    }

    #[test]
    fn every_fast_path_scales_exactly_like_the_wide_product() {
        // floor(h x g / H) computed in u128 is the reference for each path:
        // equal rates, a power-of-two reduced denominator (100 MHz guest on a
        // 160 MHz host: 5/8), any other ratio, and products beyond u64.
        for (host_hz, guest_hz) in
            [(160_000_000, 160_000_000), (160_000_000, 100_000_000), (3, 7), (500_000_000, 100_000_000)]
        {
            let rates = TimerRates::new(host_hz, guest_hz).unwrap();
            for h in [0u64, 1, 7, 159, 160_000_001, u32::MAX as u64 * 5 + 3, u64::MAX / 3] {
                let reference = (h as u128 * guest_hz as u128 / host_hz as u128) as u64;
                assert_eq!(rates.guest_ticks(h), reference, "{host_hz} -> {guest_hz} Hz at {h}");
            }
        }
    }

    #[test]
    fn zero_frequencies_are_refused() {
        assert_eq!(TimerRates::new(0, 100), Err(ZeroFrequency));
        assert_eq!(TimerRates::new(100, 0), Err(ZeroFrequency));
    }

    #[test]
    fn equal_rates_follow_host_count_from_zero() {
        let mut t = timer(100_000_000, 100_000_000, 5000);
        assert_eq!(t.count(5000), 0);
        assert_eq!(t.count(5123), 123);
    }

    #[test]
    fn scaling_is_exact_over_many_host_wraps() {
        // 25 MHz host, 100 MHz guest: guest = 4 × host ticks exactly, and guest
        // Count is that modulo 2^32, across host Count wraps observed twice per wrap.
        let mut t = timer(25_000_000, 100_000_000, 0xffff_fff0);
        let mut host = 0xffff_fff0u32;
        let mut total: u64 = 0;
        for _ in 0..10 {
            host = host.wrapping_add(0x8000_0000);
            total += 0x8000_0000;
            assert_eq!(t.count(host), (total * 4) as u32);
        }
        // An odd ratio: guest = floor(host × 7 / 3), never rounding up.
        let mut t = timer(3, 7, 0);
        assert_eq!(t.count(1), 2);
        assert_eq!(t.count(2), 4);
        assert_eq!(t.count(3), 7);
        assert_eq!(t.count(0x8000_0000), (0x8000_0000u64 * 7 / 3) as u32);
    }

    #[test]
    fn count_write_rebases_and_count_keeps_running() {
        // PRA: a write to Count sets it; it keeps incrementing from the written value.
        let mut t = timer(100, 100, 0);
        t.write_count(0xffff_fffe, 10);
        assert_eq!(t.count(10), 0xffff_fffe);
        assert_eq!(t.count(13), 1); // wrapped
    }

    #[test]
    fn compare_match_is_seen_once_between_observations() {
        let mut t = timer(100, 100, 0);
        assert!(!t.reached(50, 40));
        assert!(t.reached(50, 60)); // 41..=60 contains 50
        assert!(!t.reached(50, 80)); // already past
                                     // A match exactly at the observation instant counts, once.
        assert!(t.reached(90, 90));
        assert!(!t.reached(90, 95));
    }

    #[test]
    fn compare_match_across_guest_count_wrap() {
        let mut t = timer(100, 100, 0);
        t.write_count(0xffff_fff0, 0);
        assert!(t.reached(0x0000_0005, 0x20)); // Count went 0xfffffff0 -> 0x10
                                               // More than a whole guest wrap since the last look: the match happened.
        let mut t = timer(1, 4, 0);
        assert!(t.reached(123, 0x4000_0001));
    }

    #[test]
    fn host_deadline_is_the_first_host_tick_reaching_compare() {
        // 3 host : 7 guest. Guest Count 100 is reached at host tick ceil(100 × 3 / 7) = 43
        // (floor(43 × 7 / 3) = 100, floor(42 × 7 / 3) = 98).
        let mut t = timer(3, 7, 1000);
        assert_eq!(t.host_deadline(100), 1043);
        assert!(!t.reached(100, 1042));
        assert!(t.reached(100, 1043));
    }

    #[test]
    fn host_deadline_wraps_host_count_and_is_capped_at_half_a_wrap() {
        let mut t = timer(100, 100, 0xffff_ff00);
        assert_eq!(t.host_deadline(0x200), 0x100);
        // A Compare a whole guest wrap away (equal to Count now) is further than
        // half a host wrap: the deadline is capped so the timer is observed again.
        t.count(0xffff_ff00);
        assert_eq!(t.host_deadline(0), 0xffff_ff00u32.wrapping_add(MAX_HOST_TIMER_DELTA));
        // A slow guest clock: 10 Hz guest on a 100 MHz host, Compare 1000 ticks
        // away is 10^10 host ticks: capped too.
        let t = timer(100_000_000, 10, 0);
        assert_eq!(t.host_deadline(1000), MAX_HOST_TIMER_DELTA);
    }
}
