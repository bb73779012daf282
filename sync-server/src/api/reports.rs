//! The console's report routes: stored events filtered and paged, their aggregates for the
//! dashboard, and the same filter as CSV (CPRA requests, §VI). A department head's queries are
//! confined to their department ([`crate::access`]); the events are stored by
//! [`crate::reports`] from `POST /v1/reports`.

use std::fmt::Write as _;

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::openapi::TokenErrors;
use super::{empty_is_none, limit, parse_time};
use crate::auth::Admin;
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::rfc3339;
use crate::state::AppState;
use crate::store::{Count, Event, EventFilter};

#[derive(utoipa::OpenApi)]
#[openapi(paths(reports, aggregates, export_csv), components(schemas(EventOut, Events, PerDay, Count, Aggregated)))]
pub(super) struct Doc;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    // One resource per path: a method it does not answer gets 405 with `Allow`.
    cfg.service(web::resource("/v1/admin/reports").route(web::get().to(reports)))
        .service(web::resource("/v1/admin/reports/aggregates").route(web::get().to(aggregates)))
        .service(web::resource("/v1/admin/reports/export.csv").route(web::get().to(export_csv)));
}

/// Which report events.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ReportQuery {
    /// From this time on (RFC 3339, or a date: its start, UTC).
    #[param(schema_with = super::openapi::time_or_date)]
    from: Option<String>,
    /// Before this time (RFC 3339, or a date).
    #[param(schema_with = super::openapi::time_or_date)]
    to: Option<String>,
    /// Only this department (a department head: their own, always).
    #[serde(default, deserialize_with = "empty_is_none")]
    department: Option<String>,
    /// Only this user (as the devices reported it).
    #[serde(default, deserialize_with = "empty_is_none")]
    user: Option<String>,
    /// Only this kind of event.
    #[serde(default, deserialize_with = "empty_is_none")]
    kind: Option<String>,
    /// Only this host.
    #[serde(default, deserialize_with = "empty_is_none")]
    host: Option<String>,
    /// Only events decided by this rule.
    #[serde(default, deserialize_with = "empty_is_none")]
    rule: Option<String>,
    /// Only events with findings of this detector.
    #[serde(default, deserialize_with = "empty_is_none")]
    detector: Option<String>,
    /// Only incidents (or only non-incidents).
    incident: Option<bool>,
    /// At most this many (default 100, at most 1,000; for the CSV export up to 100,000).
    #[param(minimum = 1, maximum = 100000)]
    limit: Option<i64>,
    /// Skip this many.
    #[param(minimum = 0)]
    offset: Option<i64>,
    /// For aggregates: how many top hosts and detectors (default 10).
    #[param(minimum = 1, maximum = 1000)]
    top: Option<i64>,
}

/// Turns a query into a filter; a department head sees their own department only.
fn filter(who: &Admin, q: ReportQuery, default_limit: i64, max_limit: i64) -> ApiResult<EventFilter> {
    let department = who.department_filter(q.department)?;
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::BadRequest("`offset` must be 0 or more".into()));
    }
    // Checked wherever it is given, as documented, though only the aggregates use it.
    limit("top", q.top, 10, 1000)?;
    Ok(EventFilter {
        from: q.from.as_deref().map(|s| parse_time("from", s)).transpose()?,
        to: q.to.as_deref().map(|s| parse_time("to", s)).transpose()?,
        department,
        user: q.user,
        kind: q.kind,
        host: q.host.map(|h| h.to_ascii_lowercase()),
        rule: q.rule,
        detector: q.detector,
        incident: q.incident,
        // The documented bound is the export's; the JSON listing pages at most `max_limit`.
        limit: limit("limit", q.limit, default_limit, 100_000)?.min(max_limit),
        offset,
    })
}

/// A stored report event.
#[derive(Serialize, utoipa::ToSchema)]
struct EventOut {
    id: String,
    kind: String,
    /// When it happened (RFC 3339).
    time: String,
    /// When the server stored it (RFC 3339).
    received_at: String,
    host: Option<String>,
    rule: Option<String>,
    category: Option<String>,
    action: Option<String>,
    severity: Option<String>,
    /// The user as the device reported it: not verified (a department's device token can
    /// name anyone); see `user_source`.
    user: Option<String>,
    /// Where `user` comes from: always `device`, claimed by the device that filed the event.
    user_source: crate::reports::UserSource,
    department: Option<String>,
    extension_version: Option<String>,
    policy_version: Option<i64>,
    /// The reporting extension's id.
    extension_id: Option<String>,
    /// How many, for a kind that counts (`reports_dropped`).
    count: Option<i64>,
    /// What the event is about beyond its rule (`ai_extension_found`: the extension's id).
    subject: Option<String>,
    /// Why the user went on after a warn page (`visit_proceeded`), in their words.
    justification: Option<String>,
    /// Whether it is an incident (§IV.4).
    incident: bool,
    /// Findings per detector id.
    detectors: std::collections::BTreeMap<String, i64>,
}

fn event_out(e: Event) -> EventOut {
    EventOut {
        id: e.id,
        kind: e.kind,
        time: rfc3339(e.time),
        received_at: rfc3339(e.received_at),
        host: e.host,
        rule: e.rule,
        category: e.category,
        action: e.action,
        severity: e.severity,
        user: e.user,
        user_source: crate::reports::UserSource::Device,
        department: e.department,
        extension_version: e.extension_version,
        policy_version: e.policy_version,
        extension_id: e.extension_id,
        count: e.count,
        subject: e.subject,
        justification: e.justification,
        incident: e.incident,
        detectors: e.detectors.into_iter().collect(),
    }
}

/// `GET /v1/admin/reports`.
#[derive(Serialize, utoipa::ToSchema)]
struct Events {
    /// Newest first.
    events: Vec<EventOut>,
    /// The limit applied.
    limit: i64,
    /// The offset applied.
    offset: i64,
}

/// Stored report events, newest first, filtered and paged.
#[utoipa::path(get, path = "/v1/admin/reports", tag = "console", security(("bearer" = [])), params(ReportQuery),
    responses((status = 200, description = "The events.", body = Events), TokenErrors))]
async fn reports(state: web::Data<AppState>, who: Admin, q: web::Query<ReportQuery>) -> ApiResult<HttpResponse> {
    let f = filter(&who, q.into_inner(), 100, 1000)?;
    let events = state.store.events(&f).await?;
    Ok(HttpResponse::Ok().json(Events { events: events.into_iter().map(event_out).collect(), limit: f.limit, offset: f.offset }))
}

/// Events per day and kind.
#[derive(Serialize, utoipa::ToSchema)]
struct PerDay {
    /// The UTC day (YYYY-MM-DD).
    day: String,
    /// The event kind.
    kind: String,
    /// How many.
    count: i64,
}

/// `GET /v1/admin/reports/aggregates`.
#[derive(Serialize, utoipa::ToSchema)]
struct Aggregated {
    per_day: Vec<PerDay>,
    by_category: Vec<Count>,
    by_department: Vec<Count>,
    top_hosts: Vec<Count>,
    top_detectors: Vec<Count>,
}

/// Counts for the dashboard's charts, over the same filter as the reports.
#[utoipa::path(get, path = "/v1/admin/reports/aggregates", tag = "console", security(("bearer" = [])), params(ReportQuery),
    responses((status = 200, description = "The counts.", body = Aggregated), TokenErrors))]
async fn aggregates(state: web::Data<AppState>, who: Admin, q: web::Query<ReportQuery>) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let top = limit("top", q.top, 10, 1000)?;
    let f = filter(&who, q, 1, 1)?;
    let a = state.store.aggregates(&f, top).await?;
    let per_day = a.per_day.into_iter().map(|(day, kind, count)| PerDay { day: rfc3339(day * 86400).get(..10).unwrap_or("").to_owned(), kind, count }).collect();
    Ok(HttpResponse::Ok().json(Aggregated { per_day, by_category: a.by_category, by_department: a.by_department, top_hosts: a.top_hosts, top_detectors: a.top_detectors }))
}

/// A CSV cell: quoted when needed, and never starting with a character a spreadsheet would
/// run as a formula.
fn cell(out: &mut String, v: &str) {
    let v = if v.starts_with(['=', '+', '-', '@']) { format!("'{v}") } else { v.to_owned() };
    if v.contains([',', '"', '\n', '\r']) {
        let _ = write!(out, "\"{}\"", v.replace('"', "\"\""));
    } else {
        out.push_str(&v);
    }
}

/// The same events as CSV (for CPRA requests, §VI), up to 100,000 rows; cells that a
/// spreadsheet would run as formulas are quoted. The user column is
/// `user_as_reported_by_device`: the device named that user, the server did not verify it.
#[utoipa::path(get, path = "/v1/admin/reports/export.csv", tag = "console", security(("bearer" = [])), params(ReportQuery),
    responses((status = 200, description = "CSV with a header row.", content_type = "text/csv", body = String), TokenErrors))]
async fn export_csv(state: web::Data<AppState>, who: Admin, q: web::Query<ReportQuery>) -> ApiResult<HttpResponse> {
    let f = filter(&who, q.into_inner(), 100_000, 100_000)?;
    let events = state.store.events(&f).await?;
    let mut out = format!("id,kind,time,host,rule,category,action,severity,{},department,extension_version,policy_version,incident,detectors,count,subject,justification\r\n", crate::reports::CSV_USER_COLUMN);
    for e in &events {
        let detectors = e.detectors.iter().map(|(d, n)| format!("{d}={n}")).collect::<Vec<_>>().join(";");
        let pv = e.policy_version.map(|v| v.to_string()).unwrap_or_default();
        let count = e.count.map(|n| n.to_string()).unwrap_or_default();
        let fields = [
            e.id.as_str(),
            &e.kind,
            &rfc3339(e.time),
            e.host.as_deref().unwrap_or(""),
            e.rule.as_deref().unwrap_or(""),
            e.category.as_deref().unwrap_or(""),
            e.action.as_deref().unwrap_or(""),
            e.severity.as_deref().unwrap_or(""),
            e.user.as_deref().unwrap_or(""),
            e.department.as_deref().unwrap_or(""),
            e.extension_version.as_deref().unwrap_or(""),
            &pv,
            if e.incident { "true" } else { "false" },
            &detectors,
            &count,
            e.subject.as_deref().unwrap_or(""),
            e.justification.as_deref().unwrap_or(""),
        ];
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            cell(&mut out, f);
        }
        out.push_str("\r\n");
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"lifeguard-reports.csv\""))
        .body(out))
}
