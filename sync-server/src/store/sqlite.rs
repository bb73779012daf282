//! The [`Store`](super::Store) on SQLite: the embedded database a single city server uses.
//!
//! WAL mode lets readers (policy checks, console queries) run while a report batch is being
//! written; `synchronous = FULL` makes a batch durable before the server answers it.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

type Db = sqlx::Sqlite;

const KIND: &str = "sqlite";

const DIALECT: super::schema::Dialect = super::schema::Dialect::Sqlite;

/// The database holds who pasted what kind of data where: readable by the server's user
/// only. Created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the
/// database's mode), and an existing file made so.
#[cfg(unix)]
fn owner_only(path: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if path.as_os_str().is_empty() || path == std::path::Path::new(":memory:") {
        return Ok(());
    }
    std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path).with_context(|| format!("cannot create {}", path.display()))?;
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = std::path::PathBuf::from(name);
        if file.exists() {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).with_context(|| format!("cannot restrict {}", file.display()))?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn owner_only(_path: &std::path::Path) -> anyhow::Result<()> {
    Ok(())
}

async fn connect(url: &str) -> anyhow::Result<sqlx::Pool<Db>> {
    let options = SqliteConnectOptions::from_str(url)?;
    owner_only(options.get_filename())?;
    let options = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        // Writers queue behind each other rather than fail at once.
        .busy_timeout(Duration::from_secs(10));
    Ok(SqlitePoolOptions::new().max_connections(8).connect_with(options).await?)
}

/// Whether write transactions queue on an in-process lock (see `SqlStore::writer`).
const SERIALIZE_WRITES: bool = true;

include!("sql.rs");
