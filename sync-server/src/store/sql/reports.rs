// Report events and the devices that sent them. (Included by sql.rs, which says why.)

#[async_trait]
impl ReportStore for SqlStore {
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
}
