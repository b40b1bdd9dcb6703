//! A guest whose exception handler faults on itself forever is stopped.

use super::*;
use crate::vcpu::{HaltReason, EXCEPTION_LOOP_LIMIT};

#[test]
fn a_handler_that_keeps_faulting_with_exl_set_stops_the_guest() {
    // The handler at the general vector executes SYSCALL before any ERET: each
    // one is delivered with EXL already set, back to the same vector.
    let (mut v, mut h) = kernel();
    assert_eq!(v.handle_exit(&exit(ExcCode::Sys, PC), &mut h), ExitOutcome::Resume);
    for _ in 1..EXCEPTION_LOOP_LIMIT {
        assert_eq!(v.handle_exit(&exit(ExcCode::Sys, GENERAL_VECTOR), &mut h), ExitOutcome::Resume);
    }
    let outcome = v.handle_exit(&exit(ExcCode::Sys, GENERAL_VECTOR), &mut h);
    assert_eq!(
        outcome,
        ExitOutcome::Halt(HaltReason::ExceptionLoop { pc: GENERAL_VECTOR, exc: ExcCode::Sys })
    );
    // The first exception's EPC is still the guest's, as the report shows it.
    assert_eq!(v.cp0.epc(), PC);
}

#[test]
fn an_eret_between_exceptions_restarts_the_count() {
    // Many exceptions, each handled and returned from: a busy guest, not a loop.
    let (mut v, mut h) = kernel();
    for _ in 0..EXCEPTION_LOOP_LIMIT / 2 {
        v.handle_exit(&exit(ExcCode::Sys, PC), &mut h);
        assert_eq!(v.handle_exit(&exit(ExcCode::Sys, GENERAL_VECTOR), &mut h), ExitOutcome::Resume);
        v.cp0.write(cp0::EPC, PC).unwrap();
        cop0_trap(&mut v, &mut h, "eret");
    }
    for _ in 0..EXCEPTION_LOOP_LIMIT / 2 {
        v.handle_exit(&exit(ExcCode::Sys, PC), &mut h);
        assert_eq!(v.handle_exit(&exit(ExcCode::Sys, GENERAL_VECTOR), &mut h), ExitOutcome::Resume);
        change_status(&mut v, |s| s.difference(Status::EXL));
    }
}

#[test]
fn the_exception_loop_report_names_the_limit_and_the_last_cause() {
    let text = format!("{}", HaltReason::ExceptionLoop { pc: 0x4010_1180, exc: ExcCode::TlbL });
    assert!(text.starts_with("guest stopped: an exception loop, 100000 exceptions in a row"), "{text}");
    assert!(text.ends_with("at 0x40101180)"), "{text}");
}
