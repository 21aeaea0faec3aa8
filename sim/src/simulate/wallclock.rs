//! The simulator's only use of the wall clock: progress lines and throughput figures
//! (steps per second) of sweeps and benchmarks. No run reads it; a run's result depends on
//! its seed and options alone.

use std::time::Instant;

/// A stopwatch started at creation.
pub struct Stopwatch {
    started: Instant,
}

impl Stopwatch {
    /// Starts now.
    pub fn start() -> Stopwatch {
        Stopwatch {
            // Wall clock for progress and throughput reporting only (module doc).
            started: Instant::now(),
        }
    }

    /// Seconds since the start.
    pub fn seconds(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Milliseconds since the start.
    pub fn millis(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }
}
