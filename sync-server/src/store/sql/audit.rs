// The audit log. (Included by sql.rs, which says why.)

#[async_trait]
impl AuditStore for SqlStore {
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
