//! Operations: liveness, readiness and Prometheus metrics.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::openapi::PublicErrors;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(paths(healthz, readyz, metrics, openapi), components(schemas(Health, Ready)))]
pub(super) struct Doc;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    // One resource per path: a method it does not answer gets 405 with `Allow`.
    cfg.service(web::resource("/healthz").route(web::get().to(healthz)))
        .service(web::resource("/readyz").route(web::get().to(readyz)))
        .service(web::resource("/metrics").route(web::get().to(metrics)))
        .service(web::resource("/v1/openapi.json").route(web::get().to(openapi)));
}

/// This document (OpenAPI 3.1), generated from the handlers.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "operations", security(()), responses((status = 200, description = "The OpenAPI document.", content_type = "application/json", body = Object), PublicErrors))]
async fn openapi() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(super::openapi::json())
}

/// `GET /healthz`.
#[derive(Serialize, utoipa::ToSchema)]
struct Health {
    /// Always `ok`.
    status: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", security(()), responses((status = 200, description = "The process is up.", body = Health), PublicErrors))]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// `GET /readyz`.
#[derive(Serialize, utoipa::ToSchema)]
struct Ready {
    /// Always `ready`.
    status: &'static str,
    /// `sqlite` or `postgres`.
    database: &'static str,
    /// The policy version served.
    policy_version: i64,
}

/// The database answers and a policy is loaded: send traffic here.
#[utoipa::path(get, path = "/readyz", tag = "operations", security(()), responses(
    (status = 200, description = "Ready.", body = Ready),
    (status = 503, description = "The database is unreachable or no policy is loaded.", body = crate::error::Body),
    PublicErrors,
))]
async fn readyz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    if let Err(e) = state.store.ping().await {
        tracing::warn!(error = format!("{e:#}"), "database not reachable");
        return Err(ApiError::Unavailable);
    }
    let current = state.bundles.get(&*state.store).await.map_err(|_| ApiError::Unavailable)?;
    Ok(HttpResponse::Ok().json(Ready { status: "ready", database: state.store.kind(), policy_version: current.version }))
}

/// Prometheus metrics (text exposition format). They count incidents, so they need the
/// configured `metrics_token` as a bearer token; without one configured they are off (404),
/// so the document lists the token as optional.
#[utoipa::path(get, path = "/metrics", tag = "operations", security((), ("metrics" = [])), responses(
    (status = 200, description = "Counters and gauges.", content_type = "text/plain", body = String),
    (status = 401, description = "No or the wrong metrics token.", body = crate::error::Body),
    (status = 404, description = "Metrics are off (no `metrics_token` configured).", body = crate::error::Body),
    PublicErrors,
))]
async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let Some(want) = state.config.metrics_token.as_deref() else {
        return Err(ApiError::NotFound("metrics are off: set metrics_token (or LIFEGUARD_METRICS_TOKEN) to scrape them".into()));
    };
    let given = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("");
    // Compared as digests, so the time taken says nothing about the token.
    if Sha256::digest(given.trim().as_bytes()) != Sha256::digest(want.as_bytes()) {
        return Err(ApiError::Unauthorized("the metrics token is missing or wrong"));
    }
    let version = state.bundles.get(&*state.store).await.ok().map(|c| c.version);
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render(version)))
}
