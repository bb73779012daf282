//! What devices call: the signed policy, its public key, report batches.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::Device;
use crate::bundle;
use crate::error::{ApiError, ApiResult};
use crate::metrics::Metrics;
use crate::reports;
use crate::state::AppState;
use super::openapi::{PublicErrors, TokenErrors};

#[derive(utoipa::OpenApi)]
#[openapi(paths(policy, policy_key, post_reports), components(schemas(NetworkGuard, PolicyKey, Stored, reports::Batch, lifeguard_core::ReportEvent, reports::Rejected)))]
pub(super) struct Doc;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    // One resource per path: a method it does not answer gets 405 with `Allow`.
    cfg.service(web::resource("/v1/policy").route(web::get().to(policy)))
        .service(web::resource("/v1/policy/key").route(web::get().to(policy_key)))
        .service(web::resource("/v1/reports").route(web::post().to(post_reports)));
}

/// The header a device states its network check with on `GET /v1/policy`.
pub const NETWORK_GUARD_HEADER: &str = "Lifeguard-Network-Guard";

/// Whether the extension's network check is on: request bodies leaving inspected pages are
/// inspected and cancelled when the policy blocks them (`webRequestBlocking`, which Chrome
/// grants only to an extension installed by policy; an unpacked load says `off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum NetworkGuard {
    /// Inspecting.
    On,
    /// Not inspecting: the browser did not grant the permission.
    Off,
}

/// The device's `Lifeguard-Network-Guard` header: absent is `None` (an older extension); any
/// value but `on` or `off` is refused.
fn network_guard(req: &HttpRequest) -> ApiResult<Option<NetworkGuard>> {
    let Some(v) = req.headers().get(NETWORK_GUARD_HEADER) else { return Ok(None) };
    match v.to_str() {
        Ok("on") => Ok(Some(NetworkGuard::On)),
        Ok("off") => Ok(Some(NetworkGuard::Off)),
        _ => Err(ApiError::BadRequest(format!("header `{NETWORK_GUARD_HEADER}` must be `on` or `off`"))),
    }
}

/// The current signed bundle; 304 when the device has it already. Either way the device
/// holds the current version afterwards, which is noted in memory with whether its network
/// check is on (never written here: see [`crate::devices`]).
#[utoipa::path(get, path = "/v1/policy", tag = "devices", security(("bearer" = [])),
    params(
        ("If-None-Match" = Option<String>, Header, description = "The ETag of the bundle the device holds (either representation's)."),
        ("Accept-Encoding" = Option<String>, Header, description = "With gzip, the bundle comes gzipped (about an eighth of the size), under its own ETag."),
        ("Lifeguard-Network-Guard" = Option<NetworkGuard>, Header, nullable = false, description = "Whether the extension's network check (request bodies inspected before they leave an inspected page; needs a policy-installed extension) is on. Stored with the device and shown in the console's device list; absent means not said. Any other value is refused (400)."),
    ),
    responses(
        (status = 200, description = "The signed bundle: a JWS (Ed25519) whose payload is {version, published_at, expires_at, policy} (docs/bundle-format.md). `expires_at` is `bundle_valid_days` after signing; the current version is re-signed every half validity, so the bundle served always has more than half of it left.", content_type = "application/jose", body = String,
            headers(("ETag" = String, description = "Strong, naming the bytes served: a re-signed bundle of the same version has a new one. `-gz` for the gzipped representation."), ("X-Lifeguard-Policy-Version" = i64, description = "The version in the bundle."), ("Vary" = String))),
        (status = 304, description = "The device holds the current bundle.", headers(("ETag" = String))),
        TokenErrors,
    ))]
async fn policy(state: web::Data<AppState>, device: Device, req: HttpRequest) -> ApiResult<HttpResponse> {
    let guard = network_guard(&req)?.map(|g| g == NetworkGuard::On);
    let current = state.bundles.get(&*state.store).await?;
    state.devices.saw(&device.0.claims, current.version, guard, time::OffsetDateTime::now_utc().unix_timestamp());
    let gzip = req.headers().get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).is_some_and(bundle::accepts_gzip);
    let etag = if gzip { current.gzip_etag.as_str() } else { current.etag.as_str() };
    let not_modified = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| current.matches(v));
    if not_modified {
        Metrics::add(&state.metrics.policy_not_modified, 1);
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).insert_header((header::VARY, "Accept-Encoding")).finish());
    }
    Metrics::add(&state.metrics.policy_sent, 1);
    let mut res = HttpResponse::Ok();
    res.content_type("application/jose")
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header(("X-Lifeguard-Policy-Version", current.version.to_string()));
    if gzip {
        res.insert_header((header::CONTENT_ENCODING, "gzip"));
        return Ok(res.body(current.gzip.clone()));
    }
    Ok(res.body(current.body.clone()))
}

/// `GET /v1/policy/key`.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct PolicyKey {
    /// The key id in the bundles' JWS header.
    kid: String,
    /// Always `EdDSA` (Ed25519).
    alg: &'static str,
    /// The raw public key, base64url: the managed setting `policyPublicKey`.
    public_key: String,
    /// The same as SubjectPublicKeyInfo PEM.
    public_key_pem: String,
    /// The same as a JWK (OKP, Ed25519).
    #[schema(value_type = Object)]
    jwk: serde_json::Value,
}

/// The policy-signing public key: needs no token (it is public, and a device needs it to
/// check the bundle it is about to fetch).
#[utoipa::path(get, path = "/v1/policy/key", tag = "devices", security(()), responses((status = 200, description = "The key.", body = PolicyKey), PublicErrors))]
async fn policy_key(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(PolicyKey {
        kid: state.keys.kid().to_owned(),
        alg: "EdDSA",
        public_key: state.keys.public_key_b64(),
        public_key_pem: state.keys.public_key_pem()?,
        jwk: state.keys.public_jwk(),
    }))
}

/// What `POST /v1/reports` did with each event.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Stored {
    /// Ids stored now.
    accepted: Vec<String>,
    /// Ids stored before (or twice in this batch): nothing was changed.
    duplicates: Vec<String>,
    /// Events refused, each with why; the rest of the batch is stored.
    rejected: Vec<reports::Rejected>,
}

/// Stores a batch of report events, each at most once.
#[utoipa::path(post, path = "/v1/reports", tag = "devices", security(("bearer" = [])), request_body = reports::Batch,
    responses((status = 200, description = "Each event's fate: stored, already stored, or refused (with why).", body = Stored), TokenErrors))]
async fn post_reports(state: web::Data<AppState>, device: Device, batch: super::Object<reports::Batch>) -> ApiResult<HttpResponse> {
    let batch = batch.0;
    if batch.events.len() > reports::MAX_BATCH {
        return Err(ApiError::BadRequest(format!("a batch holds at most {} events", reports::MAX_BATCH)));
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let checked = reports::check(batch.events, device.0.claims.department.as_deref(), state.config.incident_min_severity, now);
    let stored = state.store.insert_events(&checked.events).await?;
    let fresh: std::collections::HashSet<&str> = stored.iter().map(String::as_str).collect();
    let mut duplicates: Vec<&str> = checked.events.iter().map(|e| e.id.as_str()).filter(|id| !fresh.contains(id)).collect();
    duplicates.extend(checked.repeated.iter().map(String::as_str));
    let m = &state.metrics;
    Metrics::add(&m.events_accepted, stored.len() as u64);
    Metrics::add(&m.events_duplicate, duplicates.len() as u64);
    Metrics::add(&m.events_rejected, checked.rejected.len() as u64);
    let incidents: Vec<_> = checked.events.iter().filter(|e| e.incident && fresh.contains(e.id.as_str())).cloned().collect();
    if !incidents.is_empty() {
        Metrics::add(&m.incidents, incidents.len() as u64);
        crate::incidents::alert(&state, incidents);
    }
    let duplicates = duplicates.into_iter().map(str::to_owned).collect();
    Ok(HttpResponse::Ok().json(Stored { accepted: stored, duplicates, rejected: checked.rejected }))
}

