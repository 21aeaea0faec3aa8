//! Every file `mvsim` reads or writes goes through here.
//!
//! Reading: [`read_input`] reads at most [`input_cap_bytes`] bytes (64 MiB unless the
//! environment variable `MVSIM_MAX_INPUT_BYTES` says otherwise) with `Read::take(cap + 1)`,
//! so a huge or endless input (`/dev/zero`) fails at once with a one-line error instead of
//! filling memory.
//!
//! Writing: an output path is probed before a run starts ([`probe_output`]: a temporary file
//! is created beside it and removed), so a long run never ends with an unwritable path; the
//! result is written atomically ([`write_atomic`]: a temporary file in the same directory,
//! then a rename), so an existing file is replaced only by a complete result. The path `-`
//! means standard output.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The default input cap: 64 MiB.
pub const DEFAULT_INPUT_CAP_BYTES: u64 = 64 * 1024 * 1024;
/// The environment variable that overrides the input cap (a byte count).
pub const INPUT_CAP_VARIABLE: &str = "MVSIM_MAX_INPUT_BYTES";

/// The input cap in bytes: `MVSIM_MAX_INPUT_BYTES` if set, else 64 MiB.
pub fn input_cap_bytes() -> Result<u64, String> {
    match std::env::var(INPUT_CAP_VARIABLE) {
        Err(_) => Ok(DEFAULT_INPUT_CAP_BYTES),
        Ok(text) => match text.trim().parse::<u64>() {
            Ok(bytes) if bytes > 0 => Ok(bytes),
            _ => Err(format!(
                "{INPUT_CAP_VARIABLE}='{text}' is not a positive byte count"
            )),
        },
    }
}

/// Reads the UTF-8 file `path` (`what` names it in errors: "trace file", "scenario"), at
/// most [`input_cap_bytes`] bytes. Errors are one line naming the file.
pub fn read_input(path: &Path, what: &str) -> Result<String, String> {
    let cap = input_cap_bytes()?;
    let file = std::fs::File::open(path)
        .map_err(|error| format!("cannot read {what} '{}': {error}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot read {what} '{}': {error}", path.display()))?;
    if bytes.len() as u64 > cap {
        return Err(format!(
            "{what} '{}' is larger than the input cap of {cap} bytes (set {INPUT_CAP_VARIABLE} to raise it)",
            path.display()
        ));
    }
    String::from_utf8(bytes)
        .map_err(|error| format!("{what} '{}' is not UTF-8: {error}", path.display()))
}

/// Is `path` the standard-output marker `-`?
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// A temporary name beside `path` (same directory, so a rename is atomic).
fn temporary_beside(path: &Path, purpose: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_string());
    path.with_file_name(format!(".{name}.{purpose}-{}.tmp", std::process::id()))
}

/// The directory of `path` ("." for a bare file name).
fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Checks before a run that `path` can be written: creates its directory, then creates and
/// removes a temporary file beside it. `-` (standard output) always passes. `flag` names the
/// option in errors (`--json`).
pub fn probe_output(path: &Path, flag: &str) -> Result<(), String> {
    if is_stdout(path) {
        return Ok(());
    }
    if path.is_dir() {
        return Err(format!("{flag} '{}' is a directory", path.display()));
    }
    let directory = directory_of(path);
    std::fs::create_dir_all(directory)
        .map_err(|error| format!("{flag}: cannot create '{}': {error}", directory.display()))?;
    let probe = temporary_beside(path, "probe");
    std::fs::File::create(&probe)
        .map_err(|error| format!("{flag}: cannot write beside '{}': {error}", path.display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Writes `contents` to `path` atomically (a temporary file beside it, then a rename), or to
/// standard output for `-`.
pub fn write_atomic(path: &Path, contents: &str) -> Result<(), String> {
    if is_stdout(path) {
        let mut stdout = std::io::stdout().lock();
        return stdout
            .write_all(contents.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|error| format!("cannot write to standard output: {error}"));
    }
    let directory = directory_of(path);
    std::fs::create_dir_all(directory)
        .map_err(|error| format!("cannot create '{}': {error}", directory.display()))?;
    let temporary = temporary_beside(path, "partial");
    let written = std::fs::File::create(&temporary).and_then(|mut file| {
        file.write_all(contents.as_bytes())?;
        file.sync_all()
    });
    if let Err(error) = written.and_then(|()| std::fs::rename(&temporary, path)) {
        let _ = std::fs::remove_file(&temporary);
        return Err(format!("cannot write '{}': {error}", path.display()));
    }
    Ok(())
}

/// Do `first` and `second` name the same existing file (or the same path)?
pub fn same_file(first: &Path, second: &Path) -> bool {
    match (first.canonicalize(), second.canonicalize()) {
        (Ok(first), Ok(second)) => first == second,
        _ => first == second,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mvsim-files-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn reading_dev_zero_stops_at_the_cap() {
        let error = read_input(Path::new("/dev/zero"), "trace file").expect_err("capped");
        assert!(error.contains("larger than the input cap"), "{error}");
        assert!(!error.contains('\n'));
    }

    #[test]
    fn an_atomic_write_replaces_and_leaves_no_temporary() {
        let dir = scratch("atomic");
        let path = dir.join("out.json");
        std::fs::write(&path, "old").expect("seed file");
        probe_output(&path, "--json").expect("writable");
        write_atomic(&path, "new\n").expect("written");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new\n");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .expect("list")
            .map(|entry| entry.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.json")]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn probing_a_directory_or_an_unwritable_place_fails() {
        let dir = scratch("probe");
        assert!(probe_output(&dir, "--json").is_err());
        let blocker = dir.join("file");
        std::fs::write(&blocker, "x").expect("file");
        // A path under a regular file can never be created.
        let error = probe_output(&blocker.join("out.json"), "--json").expect_err("unwritable");
        assert!(error.starts_with("--json: "), "{error}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
