//! The console's policy routes: the draft and its items, publishing, history, diff, rollback
//! and preview. Every route needs a console token; what each role may do is checked here or in
//! [`crate::lifecycle`] (through [`crate::access`]).

use actix_web::{HttpResponse, web};
use lifeguard_core::{Engine, Paste, Visit};
use serde::{Deserialize, Serialize};
use lifeguard_core::policy::Section;
use lifeguard_core::policy::raw::RawPolicy;
use serde_json::Value;

use super::openapi::TokenErrors;
use super::{POLICY_BODY_LIMIT, parse_time};
use crate::auth::Admin;
use crate::error::{ApiError, ApiResult, Body, json_error};
use crate::lifecycle::{self, rfc3339};
use crate::privacy;
use crate::state::AppState;
use crate::store::PolicyVersion;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(get_draft, put_draft, get_section, put_item, delete_item, publish, rollback, versions, version, diff, preview),
    components(schemas(Draft, PolicyDoc, Summary, Versions, VersionDetail, PublishBody, RollbackBody, PreviewBody, Preview, Section))
)]
pub(super) struct Doc;

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
        .service(web::resource("/v1/admin/preview").app_data(policy_body()).route(web::post().to(preview)));
}

/// The draft.
#[derive(Serialize, utoipa::ToSchema)]
struct Draft {
    /// Bumped by every saved edit.
    revision: i64,
    /// When it was last saved (RFC 3339).
    updated_at: String,
    /// Who saved it.
    updated_by: String,
    /// The policy document (docs/policy-format.md).
    #[schema(value_type = Object)]
    policy: Value,
}

/// A policy document (docs/policy-format.md).
#[derive(Serialize, utoipa::ToSchema)]
struct PolicyDoc {
    /// The document.
    #[schema(value_type = Object)]
    policy: Value,
}

/// The draft, the policy being edited (published as a new version by `POST /v1/admin/publish`).
#[utoipa::path(get, path = "/v1/admin/draft", tag = "console", security(("bearer" = [])), responses((status = 200, description = "The draft.", body = Draft), TokenErrors))]
async fn get_draft(state: web::Data<AppState>, who: Admin) -> ApiResult<HttpResponse> {
    let d = state.store.draft().await?.ok_or_else(|| ApiError::internal(anyhow::anyhow!("no draft")))?;
    let mut policy: Value = serde_json::from_str(&d.document).map_err(ApiError::internal)?;
    privacy::redact_policy(&who, &mut policy);
    Ok(HttpResponse::Ok().json(Draft { revision: d.revision, updated_at: rfc3339(d.updated_at), updated_by: d.updated_by, policy }))
}

/// Replaces the whole draft (IT; exceptions stay the City Manager's).
#[utoipa::path(put, path = "/v1/admin/draft", tag = "console", security(("bearer" = [])),
    request_body(content = Object, description = "A whole policy document (docs/policy-format.md)."),
    responses((status = 200, description = "Saved.", body = PolicyDoc), (status = 409, description = "Others kept changing the draft; try again.", body = Body),
        (status = 422, description = "The document does not validate: `problems` names each rule and field.", body = Body), TokenErrors))]
async fn put_draft(state: web::Data<AppState>, who: Admin, body: web::Json<Value>) -> ApiResult<HttpResponse> {
    let policy = lifecycle::to_json(&lifecycle::put_draft(&state, &who, body.into_inner()).await?);
    Ok(HttpResponse::Ok().json(PolicyDoc { policy }))
}

/// The items of one section of the draft.
#[utoipa::path(get, path = "/v1/admin/draft/{section}", tag = "console", security(("bearer" = [])), params(("section" = Section, Path, description = "The section.")),
    responses((status = 200, description = "Its items.", body = Vec<Object>), (status = 404, description = "No such section.", body = Body), TokenErrors))]
async fn get_section(state: web::Data<AppState>, who: Admin, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let mut items = lifecycle::section(&state, &path).await?;
    if path.as_str() == "suspensions" && !privacy::reads_reasons(&who) {
        items.as_array_mut().into_iter().flatten().for_each(privacy::redact_suspension);
    }
    Ok(HttpResponse::Ok().json(items))
}

/// Creates or replaces one item of a section, matched by id (exceptions: the City Manager).
#[utoipa::path(put, path = "/v1/admin/draft/{section}/{id}", tag = "console", security(("bearer" = [])),
    params(("section" = Section, Path, description = "The section."), ("id" = String, Path, description = "The item's id.")),
    request_body(content = Object, description = "The item (its `id`, if given, must be the one in the path)."),
    responses((status = 200, description = "Saved; the item as stored.", body = Object), (status = 404, description = "No such section.", body = Body),
        (status = 409, description = "Others kept changing the draft; try again.", body = Body),
        (status = 422, description = "The draft would not validate (`problems`), or the body's id is not the path's.", body = Body), TokenErrors))]
async fn put_item(state: web::Data<AppState>, who: Admin, path: web::Path<(String, String)>, body: web::Json<Value>) -> ApiResult<HttpResponse> {
    let (section, id) = path.into_inner();
    let item = lifecycle::put_item(&state, &who, &section, &id, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(item))
}

/// Removes one item of a section.
#[utoipa::path(delete, path = "/v1/admin/draft/{section}/{id}", tag = "console", security(("bearer" = [])),
    params(("section" = Section, Path, description = "The section."), ("id" = String, Path, description = "The item's id.")),
    responses((status = 204, description = "Removed."), (status = 404, description = "No such section or item.", body = Body),
        (status = 409, description = "Others kept changing the draft; try again.", body = Body), (status = 422, description = "The draft would not validate without it.", body = Body), TokenErrors))]
async fn delete_item(state: web::Data<AppState>, who: Admin, path: web::Path<(String, String)>) -> ApiResult<HttpResponse> {
    let (section, id) = path.into_inner();
    lifecycle::delete_item(&state, &who, &section, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Why a version is published.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    /// Shown in the history.
    #[serde(default)]
    #[schema(max_length = 2000)]
    note: String,
}

/// A published version.
#[derive(Serialize, utoipa::ToSchema)]
struct Summary {
    /// Its number.
    version: i64,
    /// When (RFC 3339).
    published_at: String,
    /// Who published it.
    published_by: String,
    /// Why.
    note: String,
    /// The version it restores, for a rollback.
    rollback_of: Option<i64>,
}

fn summary(v: &PolicyVersion) -> Summary {
    Summary { version: v.version, published_at: rfc3339(v.published_at), published_by: v.published_by.clone(), note: v.note.clone(), rollback_of: v.rollback_of }
}

fn note_ok(note: &str) -> ApiResult<()> {
    if note.chars().count() > 2000 { Err(ApiError::BadRequest("`note` is longer than 2000 characters".into())) } else { Ok(()) }
}

/// Publishes the draft as the next version, signed; devices get it at their next sync.
#[utoipa::path(post, path = "/v1/admin/publish", tag = "console", security(("bearer" = [])), request_body(content = Option<PublishBody>, description = "Optional: a note."),
    responses((status = 201, description = "Published.", body = Summary), (status = 409, description = "Others are publishing at the same moment; try again.", body = Body),
        (status = 422, description = "The draft does not validate.", body = Body), TokenErrors))]
async fn publish(state: web::Data<AppState>, who: Admin, body: web::Bytes) -> ApiResult<HttpResponse> {
    // No body, or a JSON one: a body that is not the documented object is refused, not ignored.
    let body: PublishBody = if body.iter().all(u8::is_ascii_whitespace) {
        PublishBody::default()
    } else {
        // Through a map: serde would read the struct from an array too.
        let map = serde_json::from_slice::<Option<serde_json::Map<String, Value>>>(&body).map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
        match map {
            None => PublishBody::default(),
            Some(m) => serde_json::from_value(Value::Object(m)).map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?,
        }
    };
    note_ok(&body.note)?;
    let v = lifecycle::publish(&state, &who, &body.note).await?;
    Ok(HttpResponse::Created().json(summary(&v)))
}

/// Which version to publish again.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RollbackBody {
    /// The version.
    #[serde(deserialize_with = "super::whole_number")]
    #[schema(minimum = 1)]
    to: i64,
    /// Why.
    #[serde(default)]
    #[schema(max_length = 2000)]
    note: String,
}

/// Publishes an earlier version's document again, as a new version.
#[utoipa::path(post, path = "/v1/admin/rollback", tag = "console", security(("bearer" = [])), request_body = RollbackBody,
    responses((status = 201, description = "Published.", body = Summary), (status = 404, description = "No such version.", body = Body),
        (status = 409, description = "Others are publishing at the same moment, or the version with today's exceptions (kept by a rollback, §VIII) would not be valid.", body = Body), TokenErrors))]
async fn rollback(state: web::Data<AppState>, who: Admin, body: super::Object<RollbackBody>) -> ApiResult<HttpResponse> {
    let RollbackBody { to, note } = body.0;
    note_ok(&note)?;
    let v = lifecycle::rollback(&state, &who, to, &note).await?;
    Ok(HttpResponse::Created().json(summary(&v)))
}

/// `GET /v1/admin/versions`.
#[derive(Serialize, utoipa::ToSchema)]
struct Versions {
    /// Newest first.
    versions: Vec<Summary>,
}

/// Every published version, newest first.
#[utoipa::path(get, path = "/v1/admin/versions", tag = "console", security(("bearer" = [])), responses((status = 200, description = "The versions.", body = Versions), TokenErrors))]
async fn versions(state: web::Data<AppState>, _who: Admin) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(Versions { versions: state.store.versions().await?.iter().map(summary).collect() }))
}

async fn load_version(state: &AppState, v: i64) -> ApiResult<PolicyVersion> {
    state.store.version(v).await?.ok_or_else(|| ApiError::NotFound(format!("no version {v}")))
}

/// A version with its document and signed bundle.
#[derive(Serialize, utoipa::ToSchema)]
struct VersionDetail {
    #[serde(flatten)]
    summary: Summary,
    /// The policy document.
    #[schema(value_type = Object)]
    policy: Value,
    /// The signed bundle devices get (JWS).
    bundle: String,
}

/// One version, with its document and bundle.
#[utoipa::path(get, path = "/v1/admin/versions/{version}", tag = "console", security(("bearer" = [])), params(("version" = i64, Path, description = "The version number.")),
    responses((status = 200, description = "The version.", body = VersionDetail), (status = 404, description = "No such version.", body = Body), TokenErrors))]
async fn version(state: web::Data<AppState>, who: Admin, path: web::Path<i64>) -> ApiResult<HttpResponse> {
    let v = load_version(&state, *path).await?;
    let mut policy = serde_json::from_str(&v.document).map_err(ApiError::internal)?;
    privacy::redact_policy(&who, &mut policy);
    Ok(HttpResponse::Ok().json(VersionDetail { summary: summary(&v), policy, bundle: v.bundle.clone() }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct DiffQuery {
    /// A version number, or `draft`.
    #[param(pattern = "^([0-9]{1,18}|draft)$")]
    from: String,
    /// A version number, or `draft`.
    #[param(pattern = "^([0-9]{1,18}|draft)$")]
    to: String,
}

/// A version's document, or the draft's for `draft`.
async fn document(state: &AppState, which: &str) -> ApiResult<Value> {
    if which == "draft" {
        return Ok(lifecycle::to_json(&lifecycle::draft(state).await?.0));
    }
    let v: i64 = which.parse().map_err(|_| ApiError::BadRequest(format!("`{which}` is neither a version number nor `draft`")))?;
    serde_json::from_str(&load_version(state, v).await?.document).map_err(ApiError::internal)
}

/// What changed between two versions (or a version and the draft): per section the ids
/// added, removed and changed, and the other fields that changed.
#[utoipa::path(get, path = "/v1/admin/diff", tag = "console", security(("bearer" = [])), params(DiffQuery),
    responses((status = 200, description = "`{from, to, sections: {SECTION: {added, removed, changed}}, fields}`.", body = Object), (status = 404, description = "No such version.", body = Body), TokenErrors))]
async fn diff(state: web::Data<AppState>, who: Admin, q: web::Query<DiffQuery>) -> ApiResult<HttpResponse> {
    let (mut from, mut to) = (document(&state, &q.from).await?, document(&state, &q.to).await?);
    privacy::redact_policy(&who, &mut from);
    privacy::redact_policy(&who, &mut to);
    let typed = |doc: Value| serde_json::from_value::<RawPolicy>(doc).map_err(ApiError::internal);
    let mut out = lifecycle::diff(&typed(from)?, &typed(to)?);
    out["from"] = q.from.clone().into();
    out["to"] = q.to.clone().into();
    Ok(HttpResponse::Ok().json(out))
}

/// What to try.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PreviewBody {
    /// A policy to try; without it, `version`, or the draft.
    #[schema(value_type = Option<Object>)]
    policy: Option<Value>,
    /// A published version to try.
    #[serde(default, deserialize_with = "super::some_whole_number")]
    #[schema(minimum = 1)]
    version: Option<i64>,
    /// A URL to decide (`url`, `text` or both).
    #[schema(max_length = 8192)]
    url: Option<String>,
    /// Text to scan: used for the answer only, never stored or logged.
    #[schema(max_length = 1_000_000)]
    text: Option<String>,
    /// The visitor's department.
    #[schema(max_length = 64)]
    department: Option<String>,
    /// The visitor's e-mail.
    #[schema(max_length = 254)]
    user: Option<String>,
    /// Decide as of this time (RFC 3339, or a date) instead of now; null is absent.
    #[schema(schema_with = super::openapi::time_or_date_or_null)]
    at: Option<String>,
}

/// What the policy would do.
#[derive(Serialize, utoipa::ToSchema)]
struct Preview {
    /// Which policy answered: `request`, `version N` or `draft`.
    policy: String,
    /// The URL's decision (as `lifeguard check` prints it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    decision: Option<Value>,
    /// The text's verdict and findings (as `lifeguard scan` prints them).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    scan: Option<Value>,
}

/// "What would this policy do to this URL / this paste for this department?"
#[utoipa::path(post, path = "/v1/admin/preview", tag = "console", security(("bearer" = [])), request_body = PreviewBody,
    responses((status = 200, description = "The decision and the scan.", body = Preview), (status = 404, description = "No such version.", body = Body),
        (status = 422, description = "Neither `url` nor `text`, a `url` that is not one, or a policy that does not validate (`problems`).", body = Body), TokenErrors))]
async fn preview(state: web::Data<AppState>, _who: Admin, body: super::Object<PreviewBody>) -> ApiResult<HttpResponse> {
    let b = body.0;
    for (field, value, max) in [("url", &b.url, 8192), ("text", &b.text, 1_000_000), ("department", &b.department, 64), ("user", &b.user, 254)] {
        if value.as_ref().is_some_and(|v| v.chars().count() > max) {
            return Err(ApiError::BadRequest(format!("`{field}` is longer than {max} characters")));
        }
    }
    if b.url.is_none() && b.text.is_none() {
        return Err(ApiError::Unprocessable("give a `url`, a `text`, or both".into()));
    }
    let (doc, source) = match (b.policy, b.version) {
        (Some(p), _) => (p, "request".to_owned()),
        (None, Some(v)) => (document(&state, &v.to_string()).await?, format!("version {v}")),
        (None, None) => (lifecycle::to_json(&lifecycle::draft(&state).await?.0), "draft".to_owned()),
    };
    let engine = Engine::new(lifecycle::parse(&doc).await?);
    let now = match &b.at {
        Some(at) => parse_time("at", at)?,
        None => time::OffsetDateTime::now_utc().unix_timestamp(),
    };
    let (department, user) = (b.department.as_deref(), b.user.as_deref());
    // The engine runs on a document an admin just typed: should it panic on some input, that
    // is a 500 for this request (logged), not a dead worker thread.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> ApiResult<Preview> {
        let mut out = Preview { policy: source, decision: None, scan: None };
        if let Some(url) = &b.url {
            let decision = engine.decide(&Visit { url, department, user, user_hash: None, now }).map_err(|e| ApiError::Unprocessable(format!("`url`: {}", e.reason())))?;
            out.decision = Some(serde_json::to_value(&decision).map_err(ApiError::internal)?);
        }
        if let Some(text) = &b.text {
            let verdict = engine.scan(text, &Paste { department, user, url: b.url.as_deref(), now });
            out.scan = Some(serde_json::to_value(&verdict).map_err(ApiError::internal)?);
        }
        Ok(out)
    }));
    let out = result.map_err(|_| ApiError::internal(anyhow::anyhow!("lifeguard-core panicked in a preview")))??;
    Ok(HttpResponse::Ok().json(out))
}
