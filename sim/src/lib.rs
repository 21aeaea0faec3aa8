//! `mvsim-sim`: drivers for the `mvsim-model` state machine.
//!
//! - [`checker`]: the exhaustive model check (stateright), its configurations and report;
//! - [`simulate`]: the seeded deterministic simulator, replay, shrinking and sweeps;
//! - [`scenario`]: named scenario files, their runs and the scenario x engine report;
//! - [`diagram`]: Mermaid sequence diagrams of a trace (`--diagram mermaid`);
//! - [`trace`]: the one-line-per-step trace format shared by all of them.

pub mod baseline;
pub mod checker;
pub mod diagram;
pub mod input;
pub mod scenario;
pub mod simulate;
pub mod trace;
