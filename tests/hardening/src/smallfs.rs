//! A small filesystem of its own for a test: a tmpfs of a few megabytes mounted on a temporary
//! folder, which the test fills to the last byte, grows (space returns) or makes read-only,
//! all with `mount -o remount`. It needs root (as on the project's machines and in CI); no
//! loop device, no preload tricks. Unmounted when dropped.

use std::path::Path;
use std::process::Command;

/// A mounted tmpfs, unmounted on drop.
#[derive(Debug)]
pub struct SmallFs {
    dir: tempfile::TempDir,
}

/// Why the small filesystem could not be had.
#[derive(Debug)]
pub struct MountError(pub String);

impl std::fmt::Display for MountError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn mount(args: &[&str]) -> Result<(), MountError> {
    let out = Command::new("mount")
        .args(args)
        .output()
        .map_err(|e| MountError(format!("cannot run mount: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(MountError(format!(
            "mount {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

impl SmallFs {
    /// Mounts a tmpfs of `kib` KiB on a new temporary folder.
    ///
    /// # Errors
    /// The folder cannot be made, or `mount` refuses (not root).
    pub fn new(kib: u64) -> Result<Self, MountError> {
        let dir = tempfile::tempdir().map_err(|e| MountError(e.to_string()))?;
        let path = dir.path().to_string_lossy().into_owned();
        mount(&[
            "-t",
            "tmpfs",
            "-o",
            &format!("size={kib}k,mode=0700"),
            "thecal-test",
            &path,
        ])?;
        Ok(Self { dir })
    }

    /// Where it is mounted.
    #[must_use]
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    fn remount(&self, options: &str) -> Result<(), MountError> {
        mount(&[
            "-o",
            &format!("remount,{options}"),
            &self.dir.path().to_string_lossy(),
        ])
    }

    /// Changes its size to `kib` KiB (more room: space has returned).
    ///
    /// # Errors
    /// `mount` refuses.
    pub fn resize(&self, kib: u64) -> Result<(), MountError> {
        self.remount(&format!("size={kib}k"))
    }

    /// Makes it read-only (`true`) or writable again.
    ///
    /// # Errors
    /// `mount` refuses.
    pub fn set_read_only(&self, read_only: bool) -> Result<(), MountError> {
        self.remount(if read_only { "ro" } else { "rw" })
    }

    /// Fills every free byte with a file named `filler` (a write of what does not fit fails
    /// with "no space left", as on a full phone). Returns how many bytes it took.
    ///
    /// # Panics
    /// If writing fails for another reason than a full disk.
    #[must_use]
    pub fn fill(&self, filler: &str) -> u64 {
        use std::io::Write;
        let mut f = std::fs::File::create(self.path().join(filler)).expect("the filler file");
        let chunk = vec![0xA5_u8; 4096];
        let mut written = 0;
        loop {
            match f.write(&chunk) {
                Ok(0) => break,
                Ok(n) => written += n as u64,
                Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
                Err(e) => panic!("filling the small filesystem: {e}"),
            }
        }
        // Single bytes, to the very last one.
        while let Ok(1) = f.write(&[0xA5]) {
            written += 1;
        }
        written
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        // Lazy: a connection a failed test leaves open must not keep the mount.
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}
