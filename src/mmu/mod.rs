//! Guest-virtual to host-physical translation kept by the monitor.

pub mod layout;
