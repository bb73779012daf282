//! Operations: liveness, readiness and Prometheus metrics.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    // One resource per path: a method it does not answer gets 405 with `Allow`.
    cfg.service(web::resource("/healthz").route(web::get().to(healthz)))
        .service(web::resource("/readyz").route(web::get().to(readyz)))
        .service(web::resource("/metrics").route(web::get().to(metrics)))
        .service(web::resource("/v1/openapi.json").route(web::get().to(openapi)));
}

/// The API description. Written by hand and checked against the routes by the integration
/// tests (every documented operation exists, every tested route is documented).
pub const OPENAPI_JSON: &str = include_str!("../../api/openapi.json");

async fn openapi() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(OPENAPI_JSON)
}

/// The process is up.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The database answers and a policy is loaded: send traffic here.
async fn readyz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    if let Err(e) = state.store.ping().await {
        tracing::warn!(error = format!("{e:#}"), "database not reachable");
        return Err(ApiError::Unavailable);
    }
    let current = state.bundles.get(&*state.store).await.map_err(|_| ApiError::Unavailable)?;
    Ok(HttpResponse::Ok().json(json!({"status": "ready", "database": state.store.kind(), "policy_version": current.version})))
}

async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let version = state.bundles.get(&*state.store).await.ok().map(|c| c.version);
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render(version))
}
