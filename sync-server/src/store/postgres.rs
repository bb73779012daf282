//! The [`Store`](super::Store) on PostgreSQL: what several replicas share in a larger
//! deployment.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

type Db = sqlx::Postgres;

const KIND: &str = "postgres";

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("../../migrations/postgres/0001_initial.sql")),
    (2, "devices", include_str!("../../migrations/postgres/0002_devices.sql")),
    (3, "network_guard", include_str!("../../migrations/postgres/0003_network_guard.sql")),
    (4, "sessions", include_str!("../../migrations/postgres/0004_sessions.sql")),
    (5, "revoked_tokens", include_str!("../../migrations/postgres/0005_revoked_tokens.sql")),
    (6, "report_fields", include_str!("../../migrations/postgres/0006_report_fields.sql")),
];

async fn connect(url: &str) -> anyhow::Result<sqlx::Pool<Db>> {
    let options = PgConnectOptions::from_str(url)?.application_name("lifeguard");
    Ok(PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect_with(options).await?)
}

/// Whether write transactions queue on an in-process lock (see `SqlStore::writer`).
const SERIALIZE_WRITES: bool = false;

include!("sql.rs");
