//! Ctrl-C: a SIGINT handler (the `ctrlc` crate) that sets one flag which the long-running
//! loops poll (the checker's progress loop, sweep workers between seeds, the simulator's
//! workload loop). A command that sees it stops, prints and writes what it explored, and
//! exits 130 (`crate::exit::ExitStatus::Interrupted`). A second SIGINT while the first is
//! being handled ends the process at once, also with 130.

use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Installs the handler (once per process; later calls do nothing).
pub fn install() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
        });
    });
}

/// Has SIGINT arrived?
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}
