//! The exit statuses of every `mvsim` command, in one place (`docs/cli.md` has the table).
//!
//! | status | meaning |
//! |---|---|
//! | 0 | clean and complete |
//! | 1 | a counted violation, whether or not the search completed |
//! | 2 | bad input or usage (one line on stderr) |
//! | 3 | incomplete (a state, time or memory bound) with no counted violation |
//! | 130 | interrupted (SIGINT), after writing what was explored |
//!
//! A command decides its status with [`ExitStatus::of`] from three facts (a counted
//! violation, completeness, an interrupt); which violations count is [`counts`].

use serde::Serialize;

/// A process exit status of `mvsim`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum ExitStatus {
    /// Clean and complete.
    Clean = 0,
    /// A counted violation (whether or not the search completed).
    Violation = 1,
    /// Bad input or usage.
    BadInput = 2,
    /// Incomplete: a state, time or memory bound stopped the search; no counted violation.
    Incomplete = 3,
    /// Interrupted by SIGINT after writing what was explored.
    Interrupted = 130,
}

impl ExitStatus {
    /// The status of a run: interrupted wins, then a counted violation, then incompleteness.
    pub fn of(violation: bool, complete: bool, interrupted: bool) -> ExitStatus {
        if interrupted {
            ExitStatus::Interrupted
        } else if violation {
            ExitStatus::Violation
        } else if !complete {
            ExitStatus::Incomplete
        } else {
            ExitStatus::Clean
        }
    }

    /// The numeric status.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The worse of two statuses of one command that ran several things (interrupted, then
    /// bad input, then violation, then incomplete, then clean).
    pub fn worst(self, other: ExitStatus) -> ExitStatus {
        let rank = |status: ExitStatus| match status {
            ExitStatus::Clean => 0,
            ExitStatus::Incomplete => 1,
            ExitStatus::Violation => 2,
            ExitStatus::BadInput => 3,
            ExitStatus::Interrupted => 4,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

/// Does a violation count toward status 1? Today: violated and not accepted with
/// `--accept-property` (for `check`, the findings baseline decides instead: see `sim/src/checker/gate.rs`).
pub fn counts(violated: bool, allowed: bool) -> bool {
    violated && !allowed
}

/// The three fields every JSON output carries, flattened into it.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Outcome {
    /// The process exit status of the run (see [`ExitStatus`]).
    pub exit_status: u8,
    /// Every state, seed or scenario the command was asked for was explored.
    pub complete: bool,
    /// SIGINT stopped the run.
    pub interrupted: bool,
}

impl Outcome {
    /// The fields of a run with this status and completeness.
    pub fn new(status: ExitStatus, complete: bool, interrupted: bool) -> Outcome {
        Outcome {
            exit_status: status.code(),
            complete,
            interrupted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interrupt_wins_then_violation_then_incompleteness() {
        assert_eq!(ExitStatus::of(true, false, true), ExitStatus::Interrupted);
        assert_eq!(ExitStatus::of(true, false, false), ExitStatus::Violation);
        assert_eq!(ExitStatus::of(true, true, false), ExitStatus::Violation);
        assert_eq!(ExitStatus::of(false, false, false), ExitStatus::Incomplete);
        assert_eq!(ExitStatus::of(false, true, false), ExitStatus::Clean);
    }

    #[test]
    fn codes_match_the_table() {
        let codes: Vec<u8> = [
            ExitStatus::Clean,
            ExitStatus::Violation,
            ExitStatus::BadInput,
            ExitStatus::Incomplete,
            ExitStatus::Interrupted,
        ]
        .iter()
        .map(|status| status.code())
        .collect();
        assert_eq!(codes, [0, 1, 2, 3, 130]);
    }

    #[test]
    fn allowed_violations_do_not_count() {
        assert!(counts(true, false));
        assert!(!counts(true, true));
        assert!(!counts(false, false));
    }

    #[test]
    fn worst_prefers_interrupt_and_bad_input() {
        assert_eq!(
            ExitStatus::Violation.worst(ExitStatus::BadInput),
            ExitStatus::BadInput
        );
        assert_eq!(
            ExitStatus::Clean.worst(ExitStatus::Incomplete),
            ExitStatus::Incomplete
        );
        assert_eq!(
            ExitStatus::Interrupted.worst(ExitStatus::Violation),
            ExitStatus::Interrupted
        );
    }
}
