//! (in progress) The seeded deterministic simulator.

/// `mvsim simulate` arguments.
#[derive(clap::Args, Debug)]
pub struct SimulateArgs {}

/// `mvsim replay` arguments.
#[derive(clap::Args, Debug)]
pub struct ReplayArgs {}

/// `mvsim sweep` arguments.
#[derive(clap::Args, Debug)]
pub struct SweepArgs {}

/// Runs `mvsim simulate`; returns the process exit code.
pub fn run_simulate(_args: &SimulateArgs) -> Result<i32, String> {
    Err("not implemented yet".to_string())
}

/// Runs `mvsim replay`.
pub fn run_replay(_args: &ReplayArgs) -> Result<i32, String> {
    Err("not implemented yet".to_string())
}

/// Runs `mvsim sweep`.
pub fn run_sweep(_args: &SweepArgs) -> Result<i32, String> {
    Err("not implemented yet".to_string())
}
