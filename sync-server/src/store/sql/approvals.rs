// Approval requests. (Included by sql.rs, which says why.)

#[async_trait]
impl ApprovalStore for SqlStore {
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
}
