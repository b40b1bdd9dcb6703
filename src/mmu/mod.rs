//! Guest-virtual to host-physical translation kept by the monitor.

pub mod aligned;
pub mod entrylo;
pub mod gva;
pub mod layout;
