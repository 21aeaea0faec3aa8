//! (in progress) The exhaustive checker.

/// `mvsim check` arguments.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {}

/// `mvsim explore` arguments.
#[derive(clap::Args, Debug)]
pub struct ExploreArgs {}

/// `mvsim bench` arguments.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {}

pub fn run_check(_args: &CheckArgs) -> Result<i32, String> {
    Err("not implemented yet".to_string())
}

pub fn run_explore(_args: &ExploreArgs) -> Result<i32, String> {
    Err("not implemented yet".to_string())
}

pub fn run_bench(_args: &BenchArgs) -> Result<i32, String> {
    Err("not implemented yet".to_string())
}
