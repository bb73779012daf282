//! Approval-request routes: devices submit and follow their request; the console lists,
//! reviews, approves and denies.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::openapi::TokenErrors;
use crate::approvals::{self, Approve, Checklist, Request, View};
use crate::auth::{Admin, Device};
use crate::error::{ApiResult, Body};
use crate::state::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(submit, status, list, get, review, approve, deny),
    components(schemas(Request, Checklist, Approve, approvals::Grant, View, Requests, DenyBody))
)]
pub(super) struct Doc;

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

/// Files a request to use an AI tool, from the block page (the requester's device).
#[utoipa::path(post, path = "/v1/approvals", tag = "approvals", security(("bearer" = [])), request_body = Request,
    responses((status = 201, description = "Filed.", body = View), (status = 200, description = "Filed before (the same `id` sent again): the request as it is now.", body = View),
        (status = 409, description = "Another request has this `id`.", body = Body), (status = 422, description = "A required answer is blank, or neither `tool` nor `url` is given.", body = Body), TokenErrors))]
async fn submit(state: web::Data<AppState>, device: Device, body: super::Object<Request>) -> ApiResult<HttpResponse> {
    Ok(match approvals::submit(&state, &device.0, body.0).await? {
        approvals::Filed::New(a) => HttpResponse::Created().json(approvals::view(&a, false)),
        approvals::Filed::Again(a) => HttpResponse::Ok().json(approvals::view(&a, false)),
    })
}

/// The requester's view: status and decision, from the same department's devices.
#[utoipa::path(get, path = "/v1/approvals/{id}", tag = "approvals", security(("bearer" = [])), params(("id" = String, Path, description = "The request's id.")),
    responses((status = 200, description = "The request.", body = View), (status = 404, description = "No such request (in this department).", body = Body), TokenErrors))]
async fn status(state: web::Data<AppState>, device: Device, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let a = approvals::load(&state, &device.0, &id).await?;
    Ok(HttpResponse::Ok().json(approvals::view(&a, false)))
}

/// A request's status.
#[derive(Deserialize, Clone, Copy, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
enum Status {
    Submitted,
    InReview,
    Approved,
    Denied,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::InReview => "in_review",
            Status::Approved => "approved",
            Status::Denied => "denied",
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only requests with this status.
    #[param(inline)]
    status: Option<Status>,
    /// At most this many, newest first (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

/// `GET /v1/admin/approvals`.
#[derive(Serialize, utoipa::ToSchema)]
struct Requests {
    /// Newest first.
    requests: Vec<View>,
}

/// Approval requests, newest first; a department head sees their department's.
#[utoipa::path(get, path = "/v1/admin/approvals", tag = "approvals", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "The requests.", body = Requests), TokenErrors))]
async fn list(state: web::Data<AppState>, who: Admin, q: web::Query<ListQuery>) -> ApiResult<HttpResponse> {
    let limit = super::limit("limit", q.limit, 100, 1000)?;
    let list = state.store.approvals(q.status.map(Status::as_str), who.confined_to(), limit).await?;
    Ok(HttpResponse::Ok().json(Requests { requests: list.iter().map(|a| approvals::view(a, true)).collect() }))
}

/// One request, with its checklist review.
#[utoipa::path(get, path = "/v1/admin/approvals/{id}", tag = "approvals", security(("bearer" = [])), params(("id" = String, Path, description = "The request's id.")),
    responses((status = 200, description = "The request.", body = View), (status = 404, description = "No such request (in this department).", body = Body), TokenErrors))]
async fn get(state: web::Data<AppState>, who: Admin, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let a = approvals::load(&state, &who, &id).await?;
    Ok(HttpResponse::Ok().json(approvals::view(&a, true)))
}

/// Records IT's AI Evaluation Checklist review (§IV.2); the request is then `in_review`.
#[utoipa::path(put, path = "/v1/admin/approvals/{id}/review", tag = "approvals", security(("bearer" = [])), params(("id" = String, Path, description = "The request's id.")), request_body = Checklist,
    responses((status = 200, description = "Reviewed.", body = View), (status = 404, description = "No such request.", body = Body), (status = 409, description = "The request is already decided, or changed meanwhile.", body = Body), (status = 422, description = "A required answer is blank.", body = Body), TokenErrors))]
async fn review(state: web::Data<AppState>, who: Admin, id: web::Path<String>, body: super::Object<Checklist>) -> ApiResult<HttpResponse> {
    let a = approvals::review(&state, &who, &id, body.0).await?;
    Ok(HttpResponse::Ok().json(approvals::view(&a, true)))
}

/// Approves a reviewed request: the tool or pilot is added to the draft in the same step.
#[utoipa::path(post, path = "/v1/admin/approvals/{id}/approve", tag = "approvals", security(("bearer" = [])), params(("id" = String, Path, description = "The request's id.")), request_body = Approve,
    responses((status = 200, description = "Approved; the draft holds the grant.", body = View), (status = 404, description = "No such request.", body = Body),
        (status = 409, description = "Not reviewed yet, already decided, or the draft has that id.", body = Body), (status = 422, description = "The grant would make the draft invalid (`problems` says where), or a pilot lacks `expires_at`.", body = Body), TokenErrors))]
async fn approve(state: web::Data<AppState>, who: Admin, id: web::Path<String>, body: super::Object<Approve>) -> ApiResult<HttpResponse> {
    let a = approvals::approve(&state, &who, &id, body.0).await?;
    Ok(HttpResponse::Ok().json(approvals::view(&a, true)))
}

/// Why a request is denied.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct DenyBody {
    /// The reason, for the requester.
    #[schema(pattern = r"\S", max_length = 4000)]
    note: String,
}

/// Denies a request.
#[utoipa::path(post, path = "/v1/admin/approvals/{id}/deny", tag = "approvals", security(("bearer" = [])), params(("id" = String, Path, description = "The request's id.")), request_body = DenyBody,
    responses((status = 200, description = "Denied.", body = View), (status = 404, description = "No such request.", body = Body), (status = 409, description = "Already decided.", body = Body), (status = 422, description = "The `note` (the reason given to the requester) is blank.", body = Body), TokenErrors))]
async fn deny(state: web::Data<AppState>, who: Admin, id: web::Path<String>, body: super::Object<DenyBody>) -> ApiResult<HttpResponse> {
    let a = approvals::deny(&state, &who, &id, body.0.note).await?;
    Ok(HttpResponse::Ok().json(approvals::view(&a, true)))
}
