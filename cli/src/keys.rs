//! The CLI's key store: the desktop counterpart of the Android Keystore and the iOS Keychain.
//! Each secret is a file under the data folder's `keys/` folder, readable and writable by the
//! user only (folder 0700, files 0600), never in the database.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use thecal_core::store::{SecretStore, SecretStoreError};

/// Secrets as files readable by this user only.
#[derive(Debug)]
pub struct FileSecretStore {
    dir: PathBuf,
}

impl FileSecretStore {
    /// The key store of the data folder `data_dir` (its `keys/` folder, made when first used).
    #[must_use]
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join("keys"),
        }
    }

    fn path(&self, name: &str) -> Result<PathBuf, SecretStoreError> {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Err(unavailable(
                "a secret's name has characters a file name cannot have",
            ));
        }
        Ok(self.dir.join(name))
    }
}

fn unavailable(reason: impl Into<String>) -> SecretStoreError {
    SecretStoreError::Unavailable {
        reason: reason.into(),
    }
}

impl SecretStore for FileSecretStore {
    fn load(&self, name: String) -> Result<Option<Vec<u8>>, SecretStoreError> {
        match fs::read(self.path(&name)?) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(unavailable(format!("cannot read the key file: {e}"))),
        }
    }

    fn save(&self, name: String, secret: Vec<u8>) -> Result<(), SecretStoreError> {
        let path = self.path(&name)?;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .map_err(|e| unavailable(format!("cannot make the keys folder: {e}")))?;
        let tmp = path.with_extension("new");
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| unavailable(format!("cannot write the key file: {e}")))?;
        file.write_all(&secret)
            .and_then(|()| file.sync_all())
            .and_then(|()| fs::rename(&tmp, &path))
            .map_err(|e| unavailable(format!("cannot write the key file: {e}")))
    }

    fn delete(&self, name: String) -> Result<(), SecretStoreError> {
        match fs::remove_file(self.path(&name)?) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(unavailable(format!("cannot remove the key file: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn secrets_round_trip_in_files_only_the_user_can_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSecretStore::in_data_dir(dir.path());
        assert_eq!(store.load("thecal.a".into()).unwrap(), None);
        store.save("thecal.a".into(), vec![1, 2, 3]).unwrap();
        assert_eq!(store.load("thecal.a".into()).unwrap(), Some(vec![1, 2, 3]));
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.path().join("keys")), 0o700);
        assert_eq!(mode(&dir.path().join("keys/thecal.a")), 0o600);
        store.delete("thecal.a".into()).unwrap();
        store.delete("thecal.a".into()).unwrap();
        assert_eq!(store.load("thecal.a".into()).unwrap(), None);
        assert!(store.save("../escape".into(), vec![0]).is_err());
    }
}
