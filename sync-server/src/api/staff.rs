//! Staff authorized per tool (APP 04.05 §V: department heads "must maintain records of staff
//! authorized to use AI tools"): the `users` list of an authorized tool, kept by IT and by
//! department heads.
//!
//! A department head changes nothing but that list, and only on a tool IT has already
//! restricted to named departments or staff (a tool authorized for everyone stays so: giving
//! it a staff list would take it from everyone else); on a tool authorized for named
//! departments, only a head of one of them. The change lands in the draft like any
//! edit, with an audit entry naming the department head; it reaches browsers only when IT or
//! the City Manager publishes, after seeing it in the diff. Who works in which department is
//! not known to the server, so that review, and the audit log, are the check on a name from
//! another department. The last name cannot be removed from a tool that names no department:
//! with neither, a tool is everyone's.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::openapi::TokenErrors;
use crate::auth::Admin;
use crate::access::Action;
use crate::error::{ApiError, ApiResult, Body};
use crate::lifecycle;
use crate::state::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(paths(put_staff), components(schemas(Staff)))]
pub(super) struct Doc;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    // One resource per path: a method it does not answer gets 405 with `Allow`.
    cfg.service(web::resource("/v1/admin/tools/{id}/staff").route(web::put().to(put_staff)));
}

/// The staff an authorized tool is for.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Staff {
    /// Every e-mail the tool is authorized for, replacing the list.
    #[schema(max_items = 5000)]
    users: Vec<String>,
}

/// Most staff on one tool: a city's, with room; a bound on what one request can write.
const MAX_STAFF: usize = 5000;

/// Replaces the staff an authorized tool is for (IT, or the department head of a tool IT
/// restricted); the change lands in the draft.
#[utoipa::path(put, path = "/v1/admin/tools/{id}/staff", tag = "console", security(("bearer" = [])), params(("id" = String, Path, description = "The authorized tool's id.")), request_body = Staff,
    responses((status = 200, description = "The tool as it is now in the draft.", body = Object), (status = 404, description = "No such tool in the draft.", body = Body),
        (status = 409, description = "The last person of a tool that names no department.", body = Body), (status = 422, description = "The draft would not validate (`problems`).", body = Body), TokenErrors))]
async fn put_staff(state: web::Data<AppState>, who: Admin, id: web::Path<String>, body: super::Object<Staff>) -> ApiResult<HttpResponse> {
    who.require(Action::EditStaff)?;
    let mut users: Vec<String> = body.0.users.iter().map(|u| u.trim().to_ascii_lowercase()).filter(|u| !u.is_empty()).collect();
    users.sort();
    users.dedup();
    if users.len() > MAX_STAFF {
        return Err(ApiError::BadRequest(format!("a tool lists at most {MAX_STAFF} staff")));
    }
    // A department head keeps the lists of their own department's tools only.
    let own = who.confined_to().map(|d| d.trim().to_ascii_lowercase());
    let dept_head = own.is_some();
    let action = "draft.authorized_tools.staff";
    let doc = lifecycle::edit_draft(&state, &who, action, |doc| {
        let tool = doc.authorized_tools.iter_mut().find(|t| t.id == *id).ok_or_else(|| ApiError::NotFound(format!("no authorized tool `{id}` in the draft")))?;
        if dept_head && tool.departments.is_empty() && tool.users.is_empty() {
            return Err(ApiError::Forbidden(
                "this tool is authorized for everyone; only IT can restrict it to named staff (APP 04.05 §IV.1)".into(),
            ));
        }
        // A tool IT authorized for named departments is theirs: another department's head
        // keeps no list on it.
        let departments: Vec<String> = tool.departments.iter().map(|d| d.trim().to_ascii_lowercase()).collect();
        if dept_head && !departments.is_empty() && !own.as_ref().is_some_and(|d| departments.contains(d)) {
            return Err(ApiError::Forbidden(format!("this tool is authorized for {}; only their department heads or IT keep its staff list (APP 04.05 §V)", departments.join(", "))));
        }
        // A tool with no departments and no staff is everyone's: emptying the list here would
        // open it to the whole city, which is a different decision, made in the tool's form.
        if users.is_empty() && tool.departments.is_empty() {
            return Err(ApiError::Conflict("a tool with no departments and no staff is authorized for everyone; keep at least one person".into()));
        }
        let before = lifecycle::to_json(tool);
        tool.users = users.clone();
        Ok(lifecycle::Change { target: format!("authorized_tools/{id}"), before: Some(before), after: Some(lifecycle::to_json(tool)) })
    })
    .await?;
    Ok(HttpResponse::Ok().json(doc.authorized_tools.iter().find(|t| t.id == *id)))
}
