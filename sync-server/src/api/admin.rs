//! The console's routes: the draft and its items, publishing, history, diff, rollback,
//! preview, report queries and the audit log. Every route needs a console token; what each
//! role may do is checked here or in [`crate::lifecycle`].

use std::fmt::Write as _;

use actix_web::{HttpResponse, web};
use lifeguard_core::{Engine, Paste, Visit};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{POLICY_BODY_LIMIT, parse_time};
use crate::auth::{Admin, Role};
use crate::error::{ApiError, ApiResult, json_error};
use crate::lifecycle::{self, rfc3339};
use crate::state::AppState;
use crate::store::{AuditFilter, Event, EventFilter, PolicyVersion};

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    // One resource per path: a method it does not answer gets 405 with `Allow`.
    let policy_body = || web::JsonConfig::default().limit(POLICY_BODY_LIMIT).error_handler(|e, _| json_error(e, POLICY_BODY_LIMIT));
    cfg.service(web::resource("/v1/admin/draft").app_data(policy_body()).route(web::get().to(get_draft)).route(web::put().to(put_draft)))
        .service(web::resource("/v1/admin/draft/{section}").route(web::get().to(get_section)))
        .service(web::resource("/v1/admin/draft/{section}/{id}").route(web::put().to(put_item)).route(web::delete().to(delete_item)))
        .service(web::resource("/v1/admin/publish").route(web::post().to(publish)))
        .service(web::resource("/v1/admin/rollback").route(web::post().to(rollback)))
        .service(web::resource("/v1/admin/versions").route(web::get().to(versions)))
        .service(web::resource("/v1/admin/versions/{version}").route(web::get().to(version)))
        .service(web::resource("/v1/admin/diff").route(web::get().to(diff)))
        .service(web::resource("/v1/admin/preview").app_data(policy_body()).route(web::post().to(preview)))
        .service(web::resource("/v1/admin/reports").route(web::get().to(reports)))
        .service(web::resource("/v1/admin/reports/aggregates").route(web::get().to(aggregates)))
        .service(web::resource("/v1/admin/reports/export.csv").route(web::get().to(export_csv)))
        .service(web::resource("/v1/admin/audit").route(web::get().to(audit)))
        .service(web::resource("/v1/admin/devices").route(web::get().to(devices)));
}

async fn get_draft(state: web::Data<AppState>, _who: Admin) -> ApiResult<HttpResponse> {
    let d = state.store.draft().await?.ok_or_else(|| ApiError::internal(anyhow::anyhow!("no draft")))?;
    let doc: Value = serde_json::from_str(&d.document).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(json!({"revision": d.revision, "updated_at": rfc3339(d.updated_at), "updated_by": d.updated_by, "policy": doc})))
}

async fn put_draft(state: web::Data<AppState>, who: Admin, body: web::Json<Value>) -> ApiResult<HttpResponse> {
    let doc = lifecycle::put_draft(&state, &who, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(json!({"policy": doc})))
}

async fn get_section(state: web::Data<AppState>, _who: Admin, path: web::Path<String>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(lifecycle::section(&state, &path).await?))
}

async fn put_item(state: web::Data<AppState>, who: Admin, path: web::Path<(String, String)>, body: web::Json<Value>) -> ApiResult<HttpResponse> {
    let (section, id) = path.into_inner();
    let item = lifecycle::put_item(&state, &who, &section, &id, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(item))
}

async fn delete_item(state: web::Data<AppState>, who: Admin, path: web::Path<(String, String)>) -> ApiResult<HttpResponse> {
    let (section, id) = path.into_inner();
    lifecycle::delete_item(&state, &who, &section, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    #[serde(default)]
    note: String,
}

fn summary(v: &PolicyVersion) -> Value {
    json!({"version": v.version, "published_at": rfc3339(v.published_at), "published_by": v.published_by, "note": v.note, "rollback_of": v.rollback_of})
}

fn note_ok(note: &str) -> ApiResult<()> {
    if note.len() > 2000 { Err(ApiError::BadRequest("`note` is longer than 2000 characters".into())) } else { Ok(()) }
}

async fn publish(state: web::Data<AppState>, who: Admin, body: Option<web::Json<PublishBody>>) -> ApiResult<HttpResponse> {
    let note = body.map(|b| b.into_inner().note).unwrap_or_default();
    note_ok(&note)?;
    let v = lifecycle::publish(&state, &who, &note).await?;
    Ok(HttpResponse::Created().json(summary(&v)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RollbackBody {
    to: i64,
    #[serde(default)]
    note: String,
}

async fn rollback(state: web::Data<AppState>, who: Admin, body: web::Json<RollbackBody>) -> ApiResult<HttpResponse> {
    let RollbackBody { to, note } = body.into_inner();
    note_ok(&note)?;
    let v = lifecycle::rollback(&state, &who, to, &note).await?;
    Ok(HttpResponse::Created().json(summary(&v)))
}

async fn versions(state: web::Data<AppState>, _who: Admin) -> ApiResult<HttpResponse> {
    let list: Vec<Value> = state.store.versions().await?.iter().map(summary).collect();
    Ok(HttpResponse::Ok().json(json!({"versions": list})))
}

async fn load_version(state: &AppState, v: i64) -> ApiResult<PolicyVersion> {
    state.store.version(v).await?.ok_or_else(|| ApiError::NotFound(format!("no version {v}")))
}

async fn version(state: web::Data<AppState>, _who: Admin, path: web::Path<i64>) -> ApiResult<HttpResponse> {
    let v = load_version(&state, *path).await?;
    let mut out = summary(&v);
    out["policy"] = serde_json::from_str(&v.document).map_err(ApiError::internal)?;
    out["bundle"] = json!(v.bundle);
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DiffQuery {
    from: String,
    to: String,
}

/// A version's document, or the draft's for `draft`.
async fn document(state: &AppState, which: &str) -> ApiResult<Value> {
    if which == "draft" {
        return Ok(lifecycle::draft(state).await?.0);
    }
    let v: i64 = which.parse().map_err(|_| ApiError::BadRequest(format!("`{which}` is neither a version number nor `draft`")))?;
    serde_json::from_str(&load_version(state, v).await?.document).map_err(ApiError::internal)
}

async fn diff(state: web::Data<AppState>, _who: Admin, q: web::Query<DiffQuery>) -> ApiResult<HttpResponse> {
    let (from, to) = (document(&state, &q.from).await?, document(&state, &q.to).await?);
    let mut out = lifecycle::diff(&from, &to);
    out["from"] = json!(q.from);
    out["to"] = json!(q.to);
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PreviewBody {
    /// A policy to try; without it, `version`, or the draft.
    policy: Option<Value>,
    version: Option<i64>,
    url: Option<String>,
    /// Text to scan: used for the answer only, never stored or logged.
    text: Option<String>,
    department: Option<String>,
    user: Option<String>,
    at: Option<String>,
}

/// "What would this policy do to this URL / this paste for this department?"
async fn preview(state: web::Data<AppState>, _who: Admin, body: web::Json<PreviewBody>) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    if b.url.is_none() && b.text.is_none() {
        return Err(ApiError::BadRequest("give a `url`, a `text`, or both".into()));
    }
    let (doc, source) = match (b.policy, b.version) {
        (Some(p), _) => (p, "request".to_owned()),
        (None, Some(v)) => (document(&state, &v.to_string()).await?, format!("version {v}")),
        (None, None) => (lifecycle::draft(&state).await?.0, "draft".to_owned()),
    };
    let engine = Engine::new(lifecycle::validate(&doc)?);
    let now = match &b.at {
        Some(at) => parse_time("at", at)?,
        None => time::OffsetDateTime::now_utc().unix_timestamp(),
    };
    let (department, user) = (b.department.as_deref(), b.user.as_deref());
    // The engine runs on a document an admin just typed: should it panic on some input, that
    // is a 500 for this request (logged), not a dead worker thread.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> ApiResult<Value> {
        let mut out = json!({"policy": source});
        if let Some(url) = &b.url {
            let decision = engine.decide(&Visit { url, department, user, now }).map_err(|e| ApiError::BadRequest(format!("`url`: {}", e.reason())))?;
            out["decision"] = serde_json::to_value(&decision).map_err(ApiError::internal)?;
        }
        if let Some(text) = &b.text {
            let verdict = engine.scan(text, &Paste { department, user, url: b.url.as_deref(), now });
            out["scan"] = serde_json::to_value(&verdict).map_err(ApiError::internal)?;
        }
        Ok(out)
    }));
    let out = result.map_err(|_| ApiError::internal(anyhow::anyhow!("lifeguard-core panicked in a preview")))??;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ReportQuery {
    from: Option<String>,
    to: Option<String>,
    department: Option<String>,
    user: Option<String>,
    kind: Option<String>,
    host: Option<String>,
    rule: Option<String>,
    detector: Option<String>,
    incident: Option<bool>,
    limit: Option<i64>,
    offset: Option<i64>,
    top: Option<i64>,
}

/// Turns a query into a filter; a department head sees their own department only.
fn filter(who: &Admin, q: ReportQuery, default_limit: i64, max_limit: i64) -> ApiResult<EventFilter> {
    let mut department = q.department;
    if let Some(own) = who.confined_to() {
        match &department {
            Some(d) if d != own => return Err(ApiError::Forbidden("a department head sees their own department's records only".into())),
            _ => department = Some(own.to_owned()),
        }
    }
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
        limit: q.limit.unwrap_or(default_limit).clamp(1, max_limit),
        offset: q.offset.unwrap_or(0).max(0),
    })
}

fn event_json(e: &Event) -> Value {
    let detectors: serde_json::Map<String, Value> = e.detectors.iter().map(|(d, n)| (d.clone(), json!(n))).collect();
    json!({
        "id": e.id, "kind": e.kind, "time": rfc3339(e.time), "received_at": rfc3339(e.received_at),
        "host": e.host, "rule": e.rule, "category": e.category, "action": e.action, "severity": e.severity,
        "user": e.user, "department": e.department, "extension_version": e.extension_version,
        "policy_version": e.policy_version, "extension_id": e.extension_id, "incident": e.incident,
        "detectors": detectors,
    })
}

async fn reports(state: web::Data<AppState>, who: Admin, q: web::Query<ReportQuery>) -> ApiResult<HttpResponse> {
    let f = filter(&who, q.into_inner(), 100, 1000)?;
    let events = state.store.events(&f).await?;
    Ok(HttpResponse::Ok().json(json!({"events": events.iter().map(event_json).collect::<Vec<_>>(), "limit": f.limit, "offset": f.offset})))
}

async fn aggregates(state: web::Data<AppState>, who: Admin, q: web::Query<ReportQuery>) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let top = q.top.unwrap_or(10);
    let f = filter(&who, q, 1, 1)?;
    let a = state.store.aggregates(&f, top).await?;
    let per_day: Vec<Value> = a
        .per_day
        .iter()
        .map(|(day, kind, n)| json!({"day": rfc3339(day * 86400).get(..10).unwrap_or(""), "kind": kind, "count": n}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "per_day": per_day, "by_category": a.by_category, "by_department": a.by_department,
        "top_hosts": a.top_hosts, "top_detectors": a.top_detectors,
    })))
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

async fn export_csv(state: web::Data<AppState>, who: Admin, q: web::Query<ReportQuery>) -> ApiResult<HttpResponse> {
    let f = filter(&who, q.into_inner(), 100_000, 100_000)?;
    let events = state.store.events(&f).await?;
    let mut out = String::from("id,kind,time,host,rule,category,action,severity,user,department,extension_version,policy_version,incident,detectors\r\n");
    for e in &events {
        let detectors = e.detectors.iter().map(|(d, n)| format!("{d}={n}")).collect::<Vec<_>>().join(";");
        let pv = e.policy_version.map(|v| v.to_string()).unwrap_or_default();
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    from: Option<String>,
    to: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    limit: Option<i64>,
}

async fn audit(state: web::Data<AppState>, who: Admin, q: web::Query<AuditQuery>) -> ApiResult<HttpResponse> {
    who.require(&[Role::ItAdmin, Role::Auditor, Role::CityManager])?;
    let q = q.into_inner();
    let f = AuditFilter {
        from: q.from.as_deref().map(|s| parse_time("from", s)).transpose()?,
        to: q.to.as_deref().map(|s| parse_time("to", s)).transpose()?,
        actor: q.actor,
        action: q.action,
        limit: q.limit.unwrap_or(100).clamp(1, 1000),
    };
    let entries: Vec<Value> = state
        .store
        .audit(&f)
        .await?
        .into_iter()
        .map(|r| {
            let parse = |s: &Option<String>| s.as_deref().map(|t| serde_json::from_str::<Value>(t).unwrap_or_else(|_| json!(t)));
            json!({"id": r.id, "at": rfc3339(r.at), "actor": r.entry.actor, "role": r.entry.role, "action": r.entry.action,
                   "target": r.entry.target, "before": parse(&r.entry.before), "after": parse(&r.entry.after)})
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"entries": entries})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DevicesQuery {
    /// Only devices that have not fetched the policy for this many days.
    stale_days: Option<u32>,
    department: Option<String>,
}

/// Devices and when each last fetched the policy, oldest first: the ones that stopped
/// syncing come first. A department head sees their own department's devices only.
async fn devices(state: web::Data<AppState>, who: Admin, q: web::Query<DevicesQuery>) -> ApiResult<HttpResponse> {
    let DevicesQuery { stale_days, mut department } = q.into_inner();
    if let Some(own) = who.confined_to() {
        match &department {
            Some(d) if d != own => return Err(ApiError::Forbidden("a department head sees their own department's records only".into())),
            _ => department = Some(own.to_owned()),
        }
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let stale_before = stale_days.map(|d| now - i64::from(d) * 86400);
    let list: Vec<Value> = state
        .store
        .devices(stale_before, department.as_deref())
        .await?
        .into_iter()
        .map(|d| json!({"device": d.device, "department": d.department, "policy_version": d.policy_version, "last_seen": rfc3339(d.last_seen)}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"devices": list})))
}
