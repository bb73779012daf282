//! Approval-request routes: devices submit and follow their request; the console lists,
//! reviews, approves and denies.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::approvals::{self, Approve, Checklist, Request};
use crate::auth::{Admin, Device};
use crate::error::ApiResult;
use crate::state::AppState;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    // One resource per path: a method it does not answer gets 405 with `Allow`.
    cfg.service(web::resource("/v1/approvals").route(web::post().to(submit)))
        .service(web::resource("/v1/approvals/{id}").route(web::get().to(status)))
        .service(web::resource("/v1/admin/approvals").route(web::get().to(list)))
        .service(web::resource("/v1/admin/approvals/{id}").route(web::get().to(get)))
        .service(web::resource("/v1/admin/approvals/{id}/review").route(web::put().to(review)))
        .service(web::resource("/v1/admin/approvals/{id}/approve").route(web::post().to(approve)))
        .service(web::resource("/v1/admin/approvals/{id}/deny").route(web::post().to(deny)));
}

async fn submit(state: web::Data<AppState>, device: Device, body: web::Json<Request>) -> ApiResult<HttpResponse> {
    let a = approvals::submit(&state, &device.0, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(approvals::to_json(&a, false)))
}

/// The requester's view: status and decision, from the same department's devices.
async fn status(state: web::Data<AppState>, device: Device, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let a = approvals::load(&state, &device.0, &id).await?;
    Ok(HttpResponse::Ok().json(approvals::to_json(&a, false)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    limit: Option<i64>,
}

async fn list(state: web::Data<AppState>, who: Admin, q: web::Query<ListQuery>) -> ApiResult<HttpResponse> {
    let list = state.store.approvals(q.status.as_deref(), who.confined_to(), q.limit.unwrap_or(100).clamp(1, 1000)).await?;
    Ok(HttpResponse::Ok().json(json!({"requests": list.iter().map(|a| approvals::to_json(a, true)).collect::<Vec<_>>()})))
}

async fn get(state: web::Data<AppState>, who: Admin, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let a = approvals::load(&state, &who, &id).await?;
    Ok(HttpResponse::Ok().json(approvals::to_json(&a, true)))
}

async fn review(state: web::Data<AppState>, who: Admin, id: web::Path<String>, body: web::Json<Checklist>) -> ApiResult<HttpResponse> {
    let a = approvals::review(&state, &who, &id, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(approvals::to_json(&a, true)))
}

async fn approve(state: web::Data<AppState>, who: Admin, id: web::Path<String>, body: web::Json<Approve>) -> ApiResult<HttpResponse> {
    let a = approvals::approve(&state, &who, &id, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(approvals::to_json(&a, true)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DenyBody {
    note: String,
}

async fn deny(state: web::Data<AppState>, who: Admin, id: web::Path<String>, body: web::Json<DenyBody>) -> ApiResult<HttpResponse> {
    let a = approvals::deny(&state, &who, &id, body.into_inner().note).await?;
    Ok(HttpResponse::Ok().json(approvals::to_json(&a, true)))
}
