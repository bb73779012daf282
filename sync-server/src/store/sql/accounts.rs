// Console accounts and revoked tokens. (Included by sql.rs, which says why.)

#[async_trait]
impl AccountStore for SqlStore {
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
}
