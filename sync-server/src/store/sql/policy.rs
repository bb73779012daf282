// The published versions and the draft. (Included by sql.rs, which says why.)

#[async_trait]
impl PolicyStore for SqlStore {
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
}
