//! The [`Store`](super::Store) on PostgreSQL: what several replicas share in a larger
//! deployment.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

type Db = sqlx::Postgres;

const KIND: &str = "postgres";

const DIALECT: super::schema::Dialect = super::schema::Dialect::Postgres;

async fn connect(url: &str) -> anyhow::Result<sqlx::Pool<Db>> {
    let options = PgConnectOptions::from_str(url)?.application_name("lifeguard");
    Ok(PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect_with(options).await?)
}

/// Whether write transactions queue on an in-process lock (see `SqlStore::writer`).
const SERIALIZE_WRITES: bool = false;

include!("sql.rs");
