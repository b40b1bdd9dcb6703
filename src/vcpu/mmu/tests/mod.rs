//! Tests of the guest MMU.
