//! The devices route: when each managed browser last fetched the policy, so IT sees the ones
//! that stopped syncing (a department head: their own department's).

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::empty_is_none;
use super::openapi::TokenErrors;
use crate::auth::Admin;
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::rfc3339;
use crate::state::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(paths(devices), components(schemas(DeviceOut, Devices)))]
pub(super) struct Doc;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/v1/admin/devices").route(web::get().to(devices)));
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct DevicesQuery {
    /// Only devices that have not fetched the policy for this many days.
    #[param(minimum = 0, maximum = 36500)]
    stale_days: Option<u32>,
    /// Only this department (a department head: their own, always).
    #[serde(default, deserialize_with = "empty_is_none")]
    department: Option<String>,
}

/// A device and when it last fetched the policy.
#[derive(Serialize, utoipa::ToSchema)]
struct DeviceOut {
    /// The device token's subject.
    device: String,
    department: Option<String>,
    /// The version it then held.
    policy_version: Option<i64>,
    /// When (RFC 3339).
    last_seen: String,
    /// Whether its network check (request bodies inspected before they leave an inspected
    /// page) was on then; null if the device did not say (an older extension).
    network_guard: Option<bool>,
}

/// `GET /v1/admin/devices`.
#[derive(Serialize, utoipa::ToSchema)]
struct Devices {
    /// Oldest sighting first.
    devices: Vec<DeviceOut>,
}

/// Devices and when each last fetched the policy, oldest first: the ones that stopped
/// syncing come first. A department head sees their own department's devices only.
#[utoipa::path(get, path = "/v1/admin/devices", tag = "console", security(("bearer" = [])), params(DevicesQuery),
    responses((status = 200, description = "The devices.", body = Devices), TokenErrors))]
async fn devices(state: web::Data<AppState>, who: Admin, q: web::Query<DevicesQuery>) -> ApiResult<HttpResponse> {
    let DevicesQuery { stale_days, department } = q.into_inner();
    let department = who.department_filter(department)?;
    if stale_days.is_some_and(|d| d > 36500) {
        return Err(ApiError::BadRequest("`stale_days` is at most 36500".into()));
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let stale_before = stale_days.map(|d| now - i64::from(d) * 86400);
    let devices = state
        .store
        .devices(stale_before, department.as_deref())
        .await?
        .into_iter()
        .map(|d| DeviceOut { device: d.device, department: d.department, policy_version: d.policy_version, last_seen: rfc3339(d.last_seen), network_guard: d.network_guard })
        .collect();
    Ok(HttpResponse::Ok().json(Devices { devices }))
}
