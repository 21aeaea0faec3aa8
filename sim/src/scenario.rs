//! (in progress) Named scenarios.

/// `mvsim scenario` arguments.
#[derive(clap::Args, Debug)]
pub struct ScenarioArgs {}

/// `mvsim report` arguments.
#[derive(clap::Args, Debug)]
pub struct ReportArgs {}

/// Runs `mvsim scenario ...`; returns the process exit code.
pub fn run_scenario(_args: &ScenarioArgs) -> Result<i32, String> {
    Err("not implemented yet".to_string())
}

/// Runs `mvsim report`.
pub fn run_report(_args: &ReportArgs) -> Result<i32, String> {
    Err("not implemented yet".to_string())
}
