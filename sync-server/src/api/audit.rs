//! The audit log route: who changed what and when (IT, auditors, the City Manager), with the
//! suspensions' reasons removed for those who may not read them.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::openapi::TokenErrors;
use super::{empty_is_none, limit, parse_time};
use crate::access::Action;
use crate::auth::Admin;
use crate::error::ApiResult;
use crate::lifecycle::rfc3339;
use crate::privacy;
use crate::state::AppState;
use crate::store::AuditFilter;

#[derive(utoipa::OpenApi)]
#[openapi(paths(audit), components(schemas(AuditOut, AuditEntries)))]
pub(super) struct Doc;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/admin/audit").route(web::get().to(audit)));
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// From this time on (RFC 3339, or a date: its start, UTC).
    #[param(schema_with = super::openapi::time_or_date)]
    from: Option<String>,
    /// Before this time (RFC 3339, or a date).
    #[param(schema_with = super::openapi::time_or_date)]
    to: Option<String>,
    /// Only entries by this person.
    #[serde(default, deserialize_with = "empty_is_none")]
    actor: Option<String>,
    /// Only this action (`draft.put`, `publish`, ...).
    #[serde(default, deserialize_with = "empty_is_none")]
    action: Option<String>,
    /// At most this many, newest first (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

/// An audit-log entry.
#[derive(Serialize, utoipa::ToSchema)]
struct AuditOut {
    /// Sequence number.
    id: i64,
    /// When (RFC 3339).
    at: String,
    /// Who.
    actor: String,
    /// Their role.
    role: String,
    /// What (`draft.put`, `publish`, `user.add`, ...).
    action: String,
    /// On what.
    target: String,
    /// The thing before.
    #[schema(value_type = Option<Object>)]
    before: Option<Value>,
    /// The thing after.
    #[schema(value_type = Option<Object>)]
    after: Option<Value>,
}

/// `GET /v1/admin/audit`.
#[derive(Serialize, utoipa::ToSchema)]
struct AuditEntries {
    /// Newest first.
    entries: Vec<AuditOut>,
}

/// The audit log: who changed what and when (IT, auditors, the City Manager).
#[utoipa::path(get, path = "/v1/admin/audit", tag = "console", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, description = "The entries.", body = AuditEntries), TokenErrors))]
async fn audit(state: web::Data<AppState>, who: Admin, q: web::Query<AuditQuery>) -> ApiResult<HttpResponse> {
    who.require(Action::Audit)?;
    let q = q.into_inner();
    let f = AuditFilter {
        from: q.from.as_deref().map(|s| parse_time("from", s)).transpose()?,
        to: q.to.as_deref().map(|s| parse_time("to", s)).transpose()?,
        actor: q.actor,
        action: q.action,
        limit: limit("limit", q.limit, 100, 1000)?,
    };
    let parse = |s: Option<String>| s.map(|t| serde_json::from_str::<Value>(&t).unwrap_or(Value::String(t)));
    let entries = state
        .store
        .audit(&f)
        .await?
        .into_iter()
        .map(|r| {
            let (mut before, mut after) = (parse(r.entry.before), parse(r.entry.after));
            if !privacy::reads_reasons(&who) {
                for v in before.iter_mut().chain(after.iter_mut()) {
                    if r.entry.target.starts_with("suspensions/") {
                        privacy::redact_suspension(v);
                    }
                    privacy::redact_policy(&who, v);
                }
            }
            AuditOut { id: r.id, at: rfc3339(r.at), actor: r.entry.actor, role: r.entry.role, action: r.entry.action, target: r.entry.target, before, after }
        })
        .collect();
    Ok(HttpResponse::Ok().json(AuditEntries { entries }))
}
