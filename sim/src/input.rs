//! Bounded reads of input files: every file mvsim reads goes through [`read_text`], which
//! refuses a file larger than [`max_input_bytes`] (64 MiB, or `MVSIM_MAX_INPUT_MB`) after
//! reading at most one byte more, so `/dev/zero` or a runaway file is a one-line error.

use std::io::Read;
use std::path::Path;

/// The input cap in bytes: `MVSIM_MAX_INPUT_MB` MiB, default 64.
pub fn max_input_bytes() -> u64 {
    std::env::var("MVSIM_MAX_INPUT_MB")
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok())
        .filter(|mb| *mb > 0)
        .unwrap_or(64)
        .saturating_mul(1024 * 1024)
}

/// Reads a UTF-8 text file of at most [`max_input_bytes`].
pub fn read_text(path: &Path) -> Result<String, String> {
    let cap = max_input_bytes();
    let file = std::fs::File::open(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    if bytes.len() as u64 > cap {
        return Err(format!(
            "{}: larger than the input cap of {} MiB (set MVSIM_MAX_INPUT_MB to raise it)",
            path.display(),
            cap / (1024 * 1024)
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8 text", path.display()))
}
