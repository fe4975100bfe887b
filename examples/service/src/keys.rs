//! API keys: 256 random bits from the operating system, shown once when made, stored only as
//! their SHA-256, compared in constant time, revocable; each bound to a tenant and a user (the
//! principal the access policy knows by that name).
//!
//! A key reads `pk_<id>_<secret>`: the id (64 random bits, hex) finds the key's record without
//! touching the secret; the secret (256 bits, hex) is hashed and compared in constant time with
//! the stored hash. The keys file is JSON, written whole to a temporary file and renamed (no
//! half-written file), readable by its owner only, and read again when it changes, so that a
//! key revoked with `prospect-service keys revoke` stops working at the next request.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::SystemTime;

/// What tells one version of the keys file from another: its time, its length and (on Unix) its
/// inode, which every save changes (a save is a new file renamed over the old one), so a change
/// within the file system's time granularity is seen too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
    inode: u64,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let metadata = fs::metadata(path).ok()?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&metadata);
        #[cfg(not(unix))]
        let inode = 0;
        Some(Stamp {
            modified: metadata.modified().ok(),
            len: metadata.len(),
            inode,
        })
    }
}

use chrono::{DateTime, Utc};
use prospect::User;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// One key, as the keys file holds it: never the key itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// The key's public id (the part after `pk_`).
    pub id: String,
    /// The tenant whose records the key reaches.
    pub tenant: String,
    /// The user the key acts as.
    pub user: User,
    /// The SHA-256 of the key's secret, hex.
    pub hash: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Why a key could not be made, revoked or read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The keys file could not be read or written.
    #[error("keys file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The keys file is not a list of keys.
    #[error("keys file {path}: {source}")]
    Format {
        /// The file.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
    /// The operating system gave no random bytes.
    #[error("no random bytes from the operating system: {0}")]
    Random(String),
    /// No key has this id.
    #[error("no key {0}")]
    Unknown(String),
}

/// Who a valid key acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// The key's id.
    pub key: String,
    /// Its tenant.
    pub tenant: String,
    /// Its user.
    pub user: User,
}

/// The keys, kept in a file (or in memory, for tests).
#[derive(Debug)]
pub struct Keys {
    path: Option<PathBuf>,
    state: RwLock<State>,
}

#[derive(Debug, Default)]
struct State {
    records: Vec<KeyRecord>,
    /// The version of the file last read.
    read_at: Option<Stamp>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_hex(n: usize) -> Result<String, KeyError> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| KeyError::Random(e.to_string()))?;
    Ok(hex(&bytes))
}

fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

impl Keys {
    /// Keys kept in memory only.
    pub fn in_memory() -> Keys {
        Keys {
            path: None,
            state: RwLock::default(),
        }
    }

    /// The keys of the file at `path` (none yet if it does not exist).
    ///
    /// # Errors
    ///
    /// [`KeyError::Io`], [`KeyError::Format`].
    pub fn open(path: impl AsRef<Path>) -> Result<Keys, KeyError> {
        let keys = Keys {
            path: Some(path.as_ref().to_path_buf()),
            state: RwLock::default(),
        };
        keys.reload()?;
        Ok(keys)
    }

    /// Reads the file again when it changed since it was read.
    fn reload(&self) -> Result<(), KeyError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let modified = Stamp::of(path);
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if modified.is_some() && modified == state.read_at {
            return Ok(());
        }
        let records = match fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|source| KeyError::Format {
                path: path.clone(),
                source,
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => {
                return Err(KeyError::Io {
                    path: path.clone(),
                    source,
                });
            }
        };
        *state = State {
            records,
            read_at: modified,
        };
        Ok(())
    }

    /// Writes `records` to the file: whole, to a temporary file renamed over it, readable by
    /// its owner only.
    fn save(&self, state: &mut State) -> Result<(), KeyError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let io = |source| KeyError::Io {
            path: path.clone(),
            source,
        };
        let text =
            serde_json::to_vec_pretty(&state.records).map_err(|source| KeyError::Format {
                path: path.clone(),
                source,
            })?;
        let temporary = path.with_extension("tmp");
        {
            use std::io::Write as _;
            let mut options = fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&temporary).map_err(io)?;
            file.write_all(&text).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        fs::rename(&temporary, path).map_err(io)?;
        state.read_at = Stamp::of(path);
        Ok(())
    }

    /// Makes a key for `user` in `tenant`: its record, and the key itself, which is shown this
    /// once and stored nowhere.
    ///
    /// # Errors
    ///
    /// [`KeyError`].
    pub fn create(&self, tenant: &str, user: User) -> Result<(KeyRecord, String), KeyError> {
        self.reload()?;
        let id = random_hex(8)?;
        let secret = random_hex(32)?;
        let record = KeyRecord {
            id: id.clone(),
            tenant: tenant.to_string(),
            user,
            hash: hex(&digest(&secret)),
            created_at: Utc::now(),
            revoked_at: None,
        };
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.records.push(record.clone());
        self.save(&mut state)?;
        Ok((record, format!("pk_{id}_{secret}")))
    }

    /// Revokes the key `id`: it stops working at the next request.
    ///
    /// # Errors
    ///
    /// [`KeyError::Unknown`], or the file's.
    pub fn revoke(&self, id: &str) -> Result<KeyRecord, KeyError> {
        self.reload()?;
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        let record = state
            .records
            .iter_mut()
            .find(|r| r.id == id)
            .ok_or_else(|| KeyError::Unknown(id.to_string()))?;
        record.revoked_at.get_or_insert_with(Utc::now);
        let revoked = record.clone();
        self.save(&mut state)?;
        Ok(revoked)
    }

    /// Every key's record.
    ///
    /// # Errors
    ///
    /// The file's.
    pub fn list(&self) -> Result<Vec<KeyRecord>, KeyError> {
        self.reload()?;
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        Ok(state.records.clone())
    }

    /// Who `presented` acts for, when it is a key this set holds, not revoked.
    ///
    /// # Errors
    ///
    /// The file's, when it changed and cannot be read again.
    pub fn verify(&self, presented: &str) -> Result<Option<Authenticated>, KeyError> {
        self.reload()?;
        let Some((id, secret)) = presented
            .strip_prefix("pk_")
            .and_then(|rest| rest.split_once('_'))
        else {
            return Ok(None);
        };
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        let Some(record) = state.records.iter().find(|r| r.id == id) else {
            return Ok(None);
        };
        let matches: bool = hex(&digest(secret))
            .as_bytes()
            .ct_eq(record.hash.as_bytes())
            .into();
        Ok(
            (matches && record.revoked_at.is_none()).then(|| Authenticated {
                key: record.id.clone(),
                tenant: record.tenant.clone(),
                user: record.user.clone(),
            }),
        )
    }
}
