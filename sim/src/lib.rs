//! `mvsim-sim`: drivers for the `mvsim-model` state machine.
//!
//! - [`checker`]: the exhaustive model check (stateright), its configurations and report;
//! - [`simulate`]: the seeded deterministic simulator, replay, shrinking and sweeps;
//! - [`scenario`]: named scenario files, their runs and the scenario x engine report;
//! - [`diagram`]: Mermaid sequence diagrams of a trace (`--diagram mermaid`);
//! - [`trace`]: the one-line-per-step trace format shared by all of them;
//! - [`exit`], [`files`], [`interrupt`], [`junit`]: the CLI's exit statuses, bounded input
//!   and atomic output, Ctrl-C, and JUnit XML (`docs/cli.md`).

pub mod baseline;
pub mod baseline_review;
pub mod checker;
pub mod diagram;
pub mod exit;
pub mod files;
pub mod interrupt;
pub mod junit;
pub mod scenario;
pub mod simulate;
pub mod trace;
