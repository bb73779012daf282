//! The [`Store`](super::Store) on SQLite: the embedded database a single city server uses.
//!
//! WAL mode lets readers (policy checks, console queries) run while a report batch is being
//! written; `synchronous = FULL` makes a batch durable before the server answers it.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

type Db = sqlx::Sqlite;

const KIND: &str = "sqlite";

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("../../migrations/sqlite/0001_initial.sql")),
    (2, "devices", include_str!("../../migrations/sqlite/0002_devices.sql")),
    (3, "network_guard", include_str!("../../migrations/sqlite/0003_network_guard.sql")),
];

async fn connect(url: &str) -> anyhow::Result<sqlx::Pool<Db>> {
    let options = SqliteConnectOptions::from_str(url)?
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
