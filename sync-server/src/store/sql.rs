// The SQL implementation of `Store`, written once and compiled once per database.
//
// This file is `include!`d by `sqlite.rs` and `postgres.rs`, each of which first defines
// `Db` (the sqlx database type), `KIND`, `DIALECT` and `connect`. The schema is one text per
// migration (`schema`), and every query here is standard SQL that both databases accept (`$N`
// placeholders, `ON CONFLICT`, `RETURNING`), so one text serves both; what differs (connection
// options) lives in the including files. sqlx's generic `Database` bounds would say the same
// thing in far more words.
//
// (No `//!` here: an included file cannot carry inner doc comments.)

use std::collections::HashSet;

use async_trait::async_trait;
use sqlx::{QueryBuilder, Row};

use super::{
    Aggregates, Approval, AuditEntry, AuditFilter, AuditRecord, Count, DeviceSeen, Draft, DraftWrite, Event, EventFilter, PolicyVersion, RevokedToken, Store, User, Write, PolicyStore, AccountStore, ReportStore, ApprovalStore, AuditStore,
};

/// The store on this database.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: sqlx::Pool<Db>,
    /// Write transactions queue here first where the database admits one writer at a time
    /// (SQLite): its busy handler retries with growing sleeps, which left the last of a queue
    /// of report batches waiting over a second; a FIFO lock keeps the wait fair and short.
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl SqlStore {
    /// Connects and runs the migrations.
    pub async fn open(url: &str) -> anyhow::Result<SqlStore> {
        let pool = connect(url).await?;
        super::schema::migrator(DIALECT).run(&pool).await.map_err(|e| anyhow::anyhow!("cannot migrate the {KIND} database: {e}"))?;
        Ok(SqlStore { pool, writer: std::sync::Arc::new(tokio::sync::Mutex::new(())) })
    }

    /// Begins a write transaction (after queueing for the writer lock where there is one).
    async fn begin_write(&self) -> sqlx::Result<(Option<tokio::sync::MutexGuard<'_, ()>>, sqlx::Transaction<'_, Db>)> {
        let guard = if SERIALIZE_WRITES { Some(self.writer.lock().await) } else { None };
        Ok((guard, self.pool.begin().await?))
    }

    /// Closes the pool (tests that drop their database close it first).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

async fn write_audit(conn: &mut <Db as sqlx::Database>::Connection, e: &AuditEntry) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO audit_log (at, actor, role, action, target, before, after) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(now())
        .bind(&e.actor)
        .bind(&e.role)
        .bind(&e.action)
        .bind(&e.target)
        .bind(&e.before)
        .bind(&e.after)
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces the draft inside a write transaction, if it is still at `expected_revision`
/// (`None`: whatever its revision). Returns whether it was replaced: a `false` means another
/// edit came first, and the caller drops the transaction.
async fn replace_draft(conn: &mut <Db as sqlx::Database>::Connection, document: &str, by: &str, expected_revision: Option<i64>) -> sqlx::Result<bool> {
    let n = sqlx::query("UPDATE policy_draft SET document = $1, revision = revision + 1, updated_at = $2, updated_by = $3 WHERE id = 1 AND ($4 IS NULL OR revision = $4)")
        .bind(document)
        .bind(now())
        .bind(by)
        .bind(expected_revision)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(n > 0)
}

fn version_of(row: &<Db as sqlx::Database>::Row, full: bool) -> sqlx::Result<PolicyVersion> {
    Ok(PolicyVersion {
        version: row.try_get("version")?,
        document: if full { row.try_get("document")? } else { String::new() },
        bundle: if full { row.try_get("bundle")? } else { String::new() },
        published_at: row.try_get("published_at")?,
        published_by: row.try_get("published_by")?,
        note: row.try_get("note")?,
        rollback_of: row.try_get("rollback_of")?,
    })
}

fn user_of(r: &<Db as sqlx::Database>::Row) -> sqlx::Result<User> {
    Ok(User {
        email: r.try_get("email")?,
        password_hash: r.try_get("password_hash")?,
        role: r.try_get("role")?,
        department: r.try_get("department")?,
        session_epoch: r.try_get("session_epoch")?,
        must_change_password: r.try_get("must_change_password")?,
    })
}

fn approval_of(row: &<Db as sqlx::Database>::Row) -> sqlx::Result<Approval> {
    Ok(Approval {
        id: row.try_get("id")?,
        created_at: row.try_get("created_at")?,
        requester: row.try_get("requester")?,
        department: row.try_get("department")?,
        request: row.try_get("request")?,
        status: row.try_get("status")?,
        review: row.try_get("review")?,
        reviewed_by: row.try_get("reviewed_by")?,
        reviewed_at: row.try_get("reviewed_at")?,
        decision: row.try_get("decision")?,
    })
}

/// Appends `WHERE ...` for an event filter; the events table is aliased `e`.
fn push_event_filter(qb: &mut QueryBuilder<'_, Db>, f: &EventFilter) {
    qb.push(" WHERE 1 = 1");
    if let Some(v) = f.from {
        qb.push(" AND e.time >= ").push_bind(v);
    }
    if let Some(v) = f.to {
        qb.push(" AND e.time < ").push_bind(v);
    }
    for (column, value) in [
        ("e.department", &f.department),
        ("e.user_email", &f.user),
        ("e.kind", &f.kind),
        ("e.host", &f.host),
        ("e.rule", &f.rule),
    ] {
        if let Some(v) = value {
            qb.push(" AND ").push(column).push(" = ").push_bind(v.clone());
        }
    }
    if let Some(d) = &f.detector {
        qb.push(" AND EXISTS (SELECT 1 FROM report_detectors dd WHERE dd.event_id = e.id AND dd.detector = ").push_bind(d.clone()).push(")");
    }
    if let Some(i) = f.incident {
        qb.push(" AND e.incident = ").push_bind(i);
    }
}

async fn counts(pool: &sqlx::Pool<Db>, select: &str, from: &str, f: &EventFilter, extra: &str, tail: &str) -> sqlx::Result<Vec<Count>> {
    let mut qb = QueryBuilder::<Db>::new(select);
    qb.push(from);
    push_event_filter(&mut qb, f);
    qb.push(extra);
    qb.push(tail);
    let rows = qb.build().fetch_all(pool).await?;
    rows.iter().map(|r| Ok(Count { key: r.try_get("k")?, count: r.try_get("n")? })).collect()
}

#[async_trait]
impl Store for SqlStore {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

include!("sql/policy.rs");
include!("sql/accounts.rs");
include!("sql/reports.rs");
include!("sql/approvals.rs");
include!("sql/audit.rs");
