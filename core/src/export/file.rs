//! Writing the files that leave the app (report, FHIR bundle, backup): readable by the app's
//! user only, under a temporary name until whole, and the system's errors in words a person can
//! act on.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// What went wrong with a file, in words for the person (never data). `not_found` is what a
/// missing path means for this file ("the file does not exist", "the folder does not exist").
pub(crate) fn reason(e: &io::Error, not_found: &str) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => not_found.into(),
        io::ErrorKind::PermissionDenied => "the app may not use this file".into(),
        io::ErrorKind::StorageFull => "the phone's storage is full".into(),
        _ => e.to_string(),
    }
}

/// `out`'s temporary name while it is written: `.NAME.partial` beside it; `None` when `out`
/// names no file.
pub(crate) fn partial_path(out: &Path) -> Option<PathBuf> {
    let mut partial = OsString::from(".");
    partial.push(out.file_name()?);
    partial.push(".partial");
    Some(out.with_file_name(partial))
}

/// Creates (or empties) `path` readable and writable by the app's user only: health data, or
/// an encrypted file whose owner stays nobody else's business.
pub(crate) fn private_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    // An older file of that name keeps its mode on open: narrow it.
    #[cfg(unix)]
    std::fs::set_permissions(
        path,
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o600),
    )?;
    Ok(file)
}

/// Writes `bytes` to `out` as a private file (see [`private_file`]): under its
/// [`partial_path`], synced, then renamed into place, so a file with `out`'s name is always
/// whole; the temporary file is removed on any error.
pub(crate) fn write_private(out: &Path, partial: &Path, bytes: &[u8]) -> io::Result<()> {
    let written = (|| {
        let mut w = io::BufWriter::new(private_file(partial)?);
        w.write_all(bytes)?;
        w.into_inner()
            .map_err(io::IntoInnerError::into_error)?
            .sync_all()?;
        std::fs::rename(partial, out)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(partial);
    }
    written
}
