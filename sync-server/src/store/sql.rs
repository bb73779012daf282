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
    Aggregates, Approval, AuditEntry, AuditFilter, AuditRecord, Count, DeviceSeen, Draft, DraftWrite, Event, EventFilter, PolicyVersion, RevokedToken, Store, User, Write,
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

    async fn latest_version(&self) -> anyhow::Result<Option<i64>> {
        let row = sqlx::query("SELECT MAX(version) AS v FROM policy_versions").fetch_one(&self.pool).await?;
        Ok(row.try_get::<Option<i64>, _>("v")?)
    }

    async fn version(&self, version: i64) -> anyhow::Result<Option<PolicyVersion>> {
        let row = sqlx::query("SELECT * FROM policy_versions WHERE version = $1").bind(version).fetch_optional(&self.pool).await?;
        Ok(row.map(|r| version_of(&r, true)).transpose()?)
    }

    async fn versions(&self) -> anyhow::Result<Vec<PolicyVersion>> {
        let rows = sqlx::query("SELECT version, published_at, published_by, note, rollback_of FROM policy_versions ORDER BY version DESC")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| version_of(r, false)).collect::<sqlx::Result<_>>()?)
    }

    async fn insert_version(&self, v: &PolicyVersion, draft: Option<&str>, audit: Option<&AuditEntry>) -> anyhow::Result<Write> {
        let (_writer, mut tx) = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO policy_versions (version, document, bundle, published_at, published_by, note, rollback_of) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (version) DO NOTHING",
        )
        .bind(v.version)
        .bind(&v.document)
        .bind(&v.bundle)
        .bind(v.published_at)
        .bind(&v.published_by)
        .bind(&v.note)
        .bind(v.rollback_of)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(Write::Stale);
        }
        if let Some(doc) = draft {
            replace_draft(&mut tx, doc, &v.published_by, None).await?;
        }
        if let Some(a) = audit {
            write_audit(&mut tx, a).await?;
        }
        tx.commit().await?;
        Ok(Write::Done)
    }

    async fn draft(&self) -> anyhow::Result<Option<Draft>> {
        let row = sqlx::query("SELECT document, revision, updated_at, updated_by FROM policy_draft WHERE id = 1").fetch_optional(&self.pool).await?;
        Ok(row
            .map(|r| -> sqlx::Result<Draft> {
                Ok(Draft {
                    document: r.try_get("document")?,
                    revision: r.try_get("revision")?,
                    updated_at: r.try_get("updated_at")?,
                    updated_by: r.try_get("updated_by")?,
                })
            })
            .transpose()?)
    }

    async fn init_draft(&self, document: &str, by: &str) -> anyhow::Result<()> {
        sqlx::query("INSERT INTO policy_draft (id, document, revision, updated_at, updated_by) VALUES (1, $1, 1, $2, $3) ON CONFLICT (id) DO NOTHING")
            .bind(document)
            .bind(now())
            .bind(by)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn save_draft(&self, draft: DraftWrite<'_>, by: &str, audit: &AuditEntry) -> anyhow::Result<Write> {
        let (_writer, mut tx) = self.begin_write().await?;
        if !replace_draft(&mut tx, draft.document, by, Some(draft.expected_revision)).await? {
            return Ok(Write::Stale);
        }
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Write::Done)
    }

    async fn add_user(&self, u: &User) -> anyhow::Result<Write> {
        let n = sqlx::query("INSERT INTO users (email, password_hash, role, department, created_at, session_epoch, must_change_password) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (email) DO NOTHING")
            .bind(&u.email)
            .bind(&u.password_hash)
            .bind(&u.role)
            .bind(&u.department)
            .bind(now())
            .bind(u.session_epoch)
            .bind(u.must_change_password)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(if n == 1 { Write::Done } else { Write::Stale })
    }

    async fn upsert_user(&self, u: &User) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO users (email, password_hash, role, department, created_at, session_epoch, must_change_password) VALUES ($1, $2, $3, $4, $5, 0, $6) \
             ON CONFLICT (email) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role, department = excluded.department, \
             session_epoch = users.session_epoch + 1, must_change_password = excluded.must_change_password",
        )
        .bind(&u.email)
        .bind(&u.password_hash)
        .bind(&u.role)
        .bind(&u.department)
        .bind(now())
        .bind(u.must_change_password)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn user(&self, email: &str) -> anyhow::Result<Option<User>> {
        let row = sqlx::query("SELECT email, password_hash, role, department, session_epoch, must_change_password FROM users WHERE email = $1").bind(email).fetch_optional(&self.pool).await?;
        Ok(row.as_ref().map(user_of).transpose()?)
    }

    async fn user_count(&self) -> anyhow::Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM users").fetch_one(&self.pool).await?.try_get("n")?)
    }

    async fn users(&self) -> anyhow::Result<Vec<User>> {
        let rows = sqlx::query("SELECT email, password_hash, role, department, session_epoch, must_change_password FROM users ORDER BY email").fetch_all(&self.pool).await?;
        Ok(rows.iter().map(user_of).collect::<sqlx::Result<_>>()?)
    }

    async fn save_user(&self, u: &User, expected_epoch: Option<i64>, audit: &AuditEntry) -> anyhow::Result<Write> {
        let (_writer, mut tx) = self.begin_write().await?;
        let query = if let Some(expected) = expected_epoch {
            sqlx::query("UPDATE users SET password_hash = $2, role = $3, department = $4, session_epoch = $5, must_change_password = $6 WHERE email = $1 AND session_epoch = $7")
                .bind(&u.email)
                .bind(&u.password_hash)
                .bind(&u.role)
                .bind(&u.department)
                .bind(u.session_epoch)
                .bind(u.must_change_password)
                .bind(expected)
        } else {
            sqlx::query("INSERT INTO users (email, password_hash, role, department, created_at, session_epoch, must_change_password) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (email) DO NOTHING")
                .bind(&u.email)
                .bind(&u.password_hash)
                .bind(&u.role)
                .bind(&u.department)
                .bind(now())
                .bind(u.session_epoch)
                .bind(u.must_change_password)
        };
        let n = query.execute(&mut *tx).await?.rows_affected();
        if n != 1 {
            return Ok(Write::Stale);
        }
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Write::Done)
    }

    async fn revoke_token(&self, t: &RevokedToken, audit: &AuditEntry) -> anyhow::Result<Write> {
        let (_writer, mut tx) = self.begin_write().await?;
        let n = sqlx::query("INSERT INTO revoked_tokens (jti, subject, role, department, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (jti) DO NOTHING")
            .bind(&t.jti)
            .bind(&t.subject)
            .bind(&t.role)
            .bind(&t.department)
            .bind(t.expires_at)
            .bind(now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n != 1 {
            return Ok(Write::Stale);
        }
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Write::Done)
    }

    async fn revoked_tokens(&self, at: i64) -> anyhow::Result<Vec<String>> {
        let rows = sqlx::query("SELECT jti FROM revoked_tokens WHERE expires_at > $1").bind(at).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(|r| r.try_get("jti")).collect::<sqlx::Result<_>>()?)
    }

    async fn delete_user(&self, email: &str, audit: &AuditEntry) -> anyhow::Result<Write> {
        let (_writer, mut tx) = self.begin_write().await?;
        let n = sqlx::query("DELETE FROM users WHERE email = $1").bind(email).execute(&mut *tx).await?.rows_affected();
        if n != 1 {
            return Ok(Write::Stale);
        }
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Write::Done)
    }

    async fn insert_events(&self, events: &[Event]) -> anyhow::Result<Vec<String>> {
        let mut stored = Vec::with_capacity(events.len());
        if events.is_empty() {
            return Ok(stored);
        }
        // The INSERT comes first so SQLite takes its write lock at once (a transaction that
        // read first could not upgrade while another writer is active).
        let (_writer, mut tx) = self.begin_write().await?;
        for chunk in events.chunks(200) {
            let mut qb = QueryBuilder::<Db>::new(
                "INSERT INTO report_events (id, kind, time, received_at, host, rule, category, action, severity, user_email, department, \
                 extension_version, policy_version, extension_id, count, subject, justification, incident) ",
            );
            qb.push_values(chunk, |mut b, e| {
                b.push_bind(e.id.clone())
                    .push_bind(e.kind.clone())
                    .push_bind(e.time)
                    .push_bind(e.received_at)
                    .push_bind(e.host.clone())
                    .push_bind(e.rule.clone())
                    .push_bind(e.category.clone())
                    .push_bind(e.action.clone())
                    .push_bind(e.severity.clone())
                    .push_bind(e.user.clone())
                    .push_bind(e.department.clone())
                    .push_bind(e.extension_version.clone())
                    .push_bind(e.policy_version)
                    .push_bind(e.extension_id.clone())
                    .push_bind(e.count)
                    .push_bind(e.subject.clone())
                    .push_bind(e.justification.clone())
                    .push_bind(e.incident);
            });
            qb.push(" ON CONFLICT (id) DO NOTHING RETURNING id");
            for row in qb.build().fetch_all(&mut *tx).await? {
                stored.push(row.try_get::<String, _>(0)?);
            }
        }
        let fresh: HashSet<&str> = stored.iter().map(String::as_str).collect();
        let detectors: Vec<(&str, &str, i64)> = events
            .iter()
            .filter(|e| fresh.contains(e.id.as_str()))
            .flat_map(|e| e.detectors.iter().map(move |(d, n)| (e.id.as_str(), d.as_str(), *n)))
            .collect();
        for chunk in detectors.chunks(500) {
            let mut qb = QueryBuilder::<Db>::new("INSERT INTO report_detectors (event_id, detector, count) ");
            qb.push_values(chunk, |mut b, (id, d, n)| {
                b.push_bind(id.to_string()).push_bind(d.to_string()).push_bind(*n);
            });
            qb.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(stored)
    }

    async fn events(&self, f: &EventFilter) -> anyhow::Result<Vec<Event>> {
        let mut qb = QueryBuilder::<Db>::new("SELECT e.* FROM report_events e");
        push_event_filter(&mut qb, f);
        qb.push(" ORDER BY e.time DESC, e.id LIMIT ").push_bind(f.limit).push(" OFFSET ").push_bind(f.offset);
        let rows = qb.build().fetch_all(&self.pool).await?;
        let mut events = rows
            .iter()
            .map(|r| -> sqlx::Result<Event> {
                Ok(Event {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    time: r.try_get("time")?,
                    received_at: r.try_get("received_at")?,
                    host: r.try_get("host")?,
                    rule: r.try_get("rule")?,
                    category: r.try_get("category")?,
                    action: r.try_get("action")?,
                    severity: r.try_get("severity")?,
                    user: r.try_get("user_email")?,
                    department: r.try_get("department")?,
                    extension_version: r.try_get("extension_version")?,
                    policy_version: r.try_get("policy_version")?,
                    extension_id: r.try_get("extension_id")?,
                    count: r.try_get("count")?,
                    subject: r.try_get("subject")?,
                    justification: r.try_get("justification")?,
                    incident: r.try_get("incident")?,
                    detectors: Vec::new(),
                })
            })
            .collect::<sqlx::Result<Vec<_>>>()?;
        // In chunks: a CSV export's 100,000 ids in one IN list would pass PostgreSQL's 65,535
        // bind parameters (and SQLite's 32,766).
        let mut by_id: std::collections::HashMap<String, Vec<(String, i64)>> = std::collections::HashMap::new();
        for chunk in events.chunks(1000) {
            let mut qb = QueryBuilder::<Db>::new("SELECT event_id, detector, count FROM report_detectors WHERE event_id IN (");
            let mut list = qb.separated(", ");
            for e in chunk {
                list.push_bind(e.id.clone());
            }
            qb.push(") ORDER BY detector");
            for r in qb.build().fetch_all(&self.pool).await? {
                by_id.entry(r.try_get("event_id")?).or_default().push((r.try_get("detector")?, r.try_get("count")?));
            }
        }
        for e in &mut events {
            e.detectors = by_id.remove(&e.id).unwrap_or_default();
        }
        Ok(events)
    }

    async fn aggregates(&self, f: &EventFilter, top: i64) -> anyhow::Result<Aggregates> {
        let mut qb = QueryBuilder::<Db>::new("SELECT e.time / 86400 AS d, e.kind AS k, COUNT(*) AS n FROM report_events e");
        push_event_filter(&mut qb, f);
        qb.push(" GROUP BY e.time / 86400, e.kind ORDER BY 1, 2");
        let per_day = qb
            .build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| -> sqlx::Result<(i64, String, i64)> { Ok((r.try_get("d")?, r.try_get("k")?, r.try_get("n")?)) })
            .collect::<sqlx::Result<_>>()?;
        let limit = format!(" LIMIT {}", top.clamp(1, 1000));
        let events = " FROM report_events e";
        let by_category = counts(&self.pool, "SELECT COALESCE(e.category, '') AS k, COUNT(*) AS n", events, f, "", " GROUP BY 1 ORDER BY 2 DESC, 1").await?;
        let by_department = counts(&self.pool, "SELECT COALESCE(e.department, '') AS k, COUNT(*) AS n", events, f, "", " GROUP BY 1 ORDER BY 2 DESC, 1").await?;
        let top_hosts = counts(
            &self.pool,
            "SELECT e.host AS k, COUNT(*) AS n",
            events,
            f,
            " AND e.host IS NOT NULL",
            &format!(" GROUP BY 1 ORDER BY 2 DESC, 1{limit}"),
        )
        .await?;
        let top_detectors = counts(
            &self.pool,
            "SELECT d.detector AS k, CAST(SUM(d.count) AS BIGINT) AS n",
            " FROM report_detectors d JOIN report_events e ON e.id = d.event_id",
            f,
            "",
            &format!(" GROUP BY 1 ORDER BY 2 DESC, 1{limit}"),
        )
        .await?;
        Ok(Aggregates { per_day, by_category, by_department, top_hosts, top_detectors })
    }

    async fn purge_events(&self, before: i64) -> anyhow::Result<u64> {
        let (_writer, mut tx) = self.begin_write().await?;
        sqlx::query("DELETE FROM report_detectors WHERE event_id IN (SELECT id FROM report_events WHERE time < $1)").bind(before).execute(&mut *tx).await?;
        let n = sqlx::query("DELETE FROM report_events WHERE time < $1").bind(before).execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(n)
    }

    async fn insert_approval(&self, a: &Approval, audit: &AuditEntry) -> anyhow::Result<bool> {
        let (_writer, mut tx) = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO approval_requests (id, created_at, requester, department, request, status, review, reviewed_by, reviewed_at, decision) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&a.id)
        .bind(a.created_at)
        .bind(&a.requester)
        .bind(&a.department)
        .bind(&a.request)
        .bind(&a.status)
        .bind(&a.review)
        .bind(&a.reviewed_by)
        .bind(a.reviewed_at)
        .bind(&a.decision)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            write_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    async fn approval(&self, id: &str) -> anyhow::Result<Option<Approval>> {
        let row = sqlx::query("SELECT * FROM approval_requests WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        Ok(row.map(|r| approval_of(&r)).transpose()?)
    }

    async fn approvals(&self, status: Option<&str>, department: Option<&str>, limit: i64) -> anyhow::Result<Vec<Approval>> {
        let mut qb = QueryBuilder::<Db>::new("SELECT * FROM approval_requests WHERE 1 = 1");
        if let Some(s) = status {
            qb.push(" AND status = ").push_bind(s.to_owned());
        }
        if let Some(d) = department {
            qb.push(" AND department = ").push_bind(d.to_owned());
        }
        qb.push(" ORDER BY created_at DESC, id LIMIT ").push_bind(limit);
        let rows = qb.build().fetch_all(&self.pool).await?;
        Ok(rows.iter().map(approval_of).collect::<sqlx::Result<_>>()?)
    }

    async fn update_approval(&self, a: &Approval, expected_status: &str, draft: Option<DraftWrite<'_>>, audit: &AuditEntry) -> anyhow::Result<Write> {
        let (_writer, mut tx) = self.begin_write().await?;
        let n = sqlx::query("UPDATE approval_requests SET status = $1, review = $2, reviewed_by = $3, reviewed_at = $4, decision = $5 WHERE id = $6 AND status = $7")
            .bind(&a.status)
            .bind(&a.review)
            .bind(&a.reviewed_by)
            .bind(a.reviewed_at)
            .bind(&a.decision)
            .bind(&a.id)
            .bind(expected_status)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Ok(Write::Stale);
        }
        if let Some(d) = draft {
            if !replace_draft(&mut tx, d.document, &audit.actor, Some(d.expected_revision)).await? {
                // Dropping the transaction rolls the status change back too.
                return Ok(Write::Stale);
            }
        }
        write_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Write::Done)
    }

    async fn touch_devices(&self, seen: &[DeviceSeen]) -> anyhow::Result<()> {
        if seen.is_empty() {
            return Ok(());
        }
        let (_writer, mut tx) = self.begin_write().await?;
        for chunk in seen.chunks(500) {
            let mut qb = QueryBuilder::<Db>::new("INSERT INTO devices (device, department, policy_version, last_seen, network_guard) ");
            qb.push_values(chunk, |mut b, d| {
                b.push_bind(d.device.clone()).push_bind(d.department.clone()).push_bind(d.policy_version).push_bind(d.last_seen).push_bind(d.network_guard);
            });
            // Another replica may have flushed a later sighting of the same device first.
            qb.push(
                " ON CONFLICT (device) DO UPDATE SET department = excluded.department, policy_version = excluded.policy_version, \
                 last_seen = excluded.last_seen, network_guard = excluded.network_guard WHERE excluded.last_seen >= devices.last_seen",
            );
            qb.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn devices(&self, stale_before: Option<i64>, department: Option<&str>) -> anyhow::Result<Vec<DeviceSeen>> {
        let mut qb = QueryBuilder::<Db>::new("SELECT device, department, policy_version, last_seen, network_guard FROM devices WHERE 1 = 1");
        if let Some(t) = stale_before {
            qb.push(" AND last_seen < ").push_bind(t);
        }
        if let Some(d) = department {
            qb.push(" AND department = ").push_bind(d.to_owned());
        }
        qb.push(" ORDER BY last_seen, device");
        let rows = qb.build().fetch_all(&self.pool).await?;
        Ok(rows
            .iter()
            .map(|r| -> sqlx::Result<DeviceSeen> {
                Ok(DeviceSeen {
                    device: r.try_get("device")?,
                    department: r.try_get("department")?,
                    policy_version: r.try_get("policy_version")?,
                    last_seen: r.try_get("last_seen")?,
                    network_guard: r.try_get("network_guard")?,
                })
            })
            .collect::<sqlx::Result<_>>()?)
    }

    async fn audit(&self, f: &AuditFilter) -> anyhow::Result<Vec<AuditRecord>> {
        let mut qb = QueryBuilder::<Db>::new("SELECT * FROM audit_log WHERE 1 = 1");
        if let Some(v) = f.from {
            qb.push(" AND at >= ").push_bind(v);
        }
        if let Some(v) = f.to {
            qb.push(" AND at < ").push_bind(v);
        }
        if let Some(v) = &f.actor {
            qb.push(" AND actor = ").push_bind(v.clone());
        }
        if let Some(v) = &f.action {
            // A prefix match (`draft.` finds every draft edit); LIKE's wildcards are escaped.
            let pattern = format!("{}%", v.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
            qb.push(" AND action LIKE ").push_bind(pattern).push(" ESCAPE '\\'");
        }
        qb.push(" ORDER BY id DESC LIMIT ").push_bind(f.limit);
        let rows = qb.build().fetch_all(&self.pool).await?;
        Ok(rows
            .iter()
            .map(|r| -> sqlx::Result<AuditRecord> {
                Ok(AuditRecord {
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    entry: AuditEntry {
                        actor: r.try_get("actor")?,
                        role: r.try_get("role")?,
                        action: r.try_get("action")?,
                        target: r.try_get("target")?,
                        before: r.try_get("before")?,
                        after: r.try_get("after")?,
                    },
                })
            })
            .collect::<sqlx::Result<_>>()?)
    }

    async fn append_audit(&self, entry: &AuditEntry) -> anyhow::Result<()> {
        let mut conn = self.pool.acquire().await?;
        write_audit(&mut conn, entry).await?;
        Ok(())
    }
}
