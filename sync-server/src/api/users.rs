//! Console accounts: list, create, change role or department, reset a password, delete. IT
//! (`it_admin`) manages every account except city managers'; the `city_manager` role is
//! granted, taken away, reset and deleted only by a city manager (APP 04.05 §VIII: IT must not
//! be able to make itself the approver of exceptions). The operator's `lifeguard user add`
//! does the same from a shell on the server.
//!
//! Passwords are never shown again once set: a new or reset account gets a generated one,
//! returned in that one answer, and only its Argon2 hash is stored. A password set here, by
//! someone other than the account's holder, must be changed at the next sign-in
//! (`/v1/auth/password`). The audit log records each change with the account's e-mail, role
//! and department, never a hash.
//!
//! Every change ends the account's sessions at once (its session epoch is bumped; see
//! [`super::sessions`]).

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::openapi::TokenErrors;
use crate::auth::{self, Admin};
use crate::access::Action;
use crate::tokens::Role;
use crate::error::{ApiError, ApiResult, Body};
use crate::state::AppState;
use crate::store::{AuditEntry, User, Write};

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, update, reset_password, delete), components(schemas(Account, Accounts, NewUser, Change, ConsoleRole)))]
pub(super) struct Doc;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    // One resource per path: a method it does not answer gets 405 with `Allow`.
    cfg.service(web::resource("/v1/admin/users").route(web::get().to(list)).route(web::post().to(create)))
        .service(web::resource("/v1/admin/users/{email}").route(web::put().to(update)).route(web::delete().to(delete)))
        .service(web::resource("/v1/admin/users/{email}/password").route(web::post().to(reset_password)));
}

/// An account as the API shows it (no hash).
#[derive(Serialize, utoipa::ToSchema)]
struct Account {
    /// The login e-mail.
    email: String,
    /// The console role.
    role: String,
    /// A department head's department.
    department: Option<String>,
    /// The password was set by someone else (IT, a reset, first start): the holder must
    /// choose a new one at the next sign-in.
    must_change_password: bool,
    /// A generated password: only in the answer that set it, never again.
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<String>,
}

fn public(u: &User) -> Account {
    Account { email: u.email.clone(), role: u.role.clone(), department: u.department.clone(), must_change_password: u.must_change_password, password: None }
}

/// `GET /v1/admin/users`.
#[derive(Serialize, utoipa::ToSchema)]
struct Accounts {
    /// By e-mail.
    users: Vec<Account>,
}

/// A console role (devices have tokens, not accounts).
#[derive(Deserialize, Clone, Copy, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
enum ConsoleRole {
    ItAdmin,
    DeptHead,
    Auditor,
    CityManager,
}

impl From<ConsoleRole> for Role {
    fn from(r: ConsoleRole) -> Role {
        match r {
            ConsoleRole::ItAdmin => Role::ItAdmin,
            ConsoleRole::DeptHead => Role::DeptHead,
            ConsoleRole::Auditor => Role::Auditor,
            ConsoleRole::CityManager => Role::CityManager,
        }
    }
}

/// Either account action: the routes every account manager reaches.
const MANAGERS: [Action; 2] = [Action::ManageAccounts, Action::ManageCityManagers];

/// Whether `who` may manage an account whose role is (or becomes) one of `roles`: city
/// manager accounts with [`Action::ManageCityManagers`], the others with
/// [`Action::ManageAccounts`].
fn may_manage(who: &Admin, roles: &[&str]) -> ApiResult<()> {
    who.require_any(&MANAGERS)?;
    let needed = if roles.contains(&Role::CityManager.as_str()) { Action::ManageCityManagers } else { Action::ManageAccounts };
    match (who.may(needed), needed) {
        (true, _) => Ok(()),
        (false, Action::ManageCityManagers) => Err(ApiError::Forbidden("only a city manager grants, changes, resets or removes the city_manager role (APP 04.05 §VIII)".into())),
        (false, _) => Err(ApiError::Forbidden("a city manager manages only city_manager accounts; IT manages the others".into())),
    }
}

/// After a refused replace: gone (404) or changed meanwhile (409).
async fn stale(state: &AppState, email: &str) -> ApiError {
    match state.store.user(email).await {
        Ok(Some(_)) => ApiError::Conflict(format!("the account {email} changed meanwhile: reload and try again")),
        Ok(None) => ApiError::NotFound(format!("no account {email}")),
        Err(e) => ApiError::internal(e),
    }
}

fn entry(who: &Admin, action: &str, email: &str, before: Option<&User>, after: Option<&User>) -> AuditEntry {
    AuditEntry {
        actor: who.who().to_owned(),
        role: who.role().as_str().to_owned(),
        action: action.to_owned(),
        target: email.to_owned(),
        before: before.and_then(|u| serde_json::to_string(&public(u)).ok()),
        after: after.and_then(|u| serde_json::to_string(&public(u)).ok()),
    }
}

/// The account a path names: a string that is no e-mail address names none.
fn path_email(raw: &str) -> ApiResult<String> {
    email(raw).map_err(|_| ApiError::NotFound(format!("no account {}", raw.chars().take(254).collect::<String>())))
}

/// A login e-mail: trimmed, lowercased (login does the same), plausible.
fn email(raw: &str) -> ApiResult<String> {
    let e = raw.trim().to_ascii_lowercase();
    let ok = e.len() <= 254 && e.split_once('@').is_some_and(|(a, d)| !a.is_empty() && d.contains('.')) && !e.contains(char::is_whitespace);
    if ok { Ok(e) } else { Err(ApiError::BadRequest("`email` must be an e-mail address".into())) }
}

/// A console role, with the department a department head needs.
fn role_and_department(role: ConsoleRole, department: Option<String>) -> ApiResult<(Role, Option<String>)> {
    let role = Role::from(role);
    // Trimmed of spaces and tabs only, as the schema's pattern says.
    let department = department.map(|d| d.trim_matches([' ', '\t']).to_ascii_lowercase()).filter(|d| !d.is_empty());
    if let Some(d) = &department {
        if d.len() > 64 || !d.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(ApiError::BadRequest("`department` is 1 to 64 letters, digits, `-` or `_`".into()));
        }
    }
    if role == Role::DeptHead && department.is_none() {
        return Err(ApiError::Unprocessable("a dept_head account needs a `department`".into()));
    }
    Ok((role, department))
}

/// Hashes off the async workers (Argon2 takes tens of milliseconds).
pub(super) async fn hash(password: String) -> ApiResult<String> {
    web::block(move || auth::hash_password(&password)).await.map_err(ApiError::internal)?.map_err(ApiError::internal)
}

pub(super) fn password_ok(p: &str) -> ApiResult<()> {
    let n = p.chars().count();
    if !(12..=1024).contains(&n) {
        return Err(ApiError::BadRequest("`password` must have 12 to 1024 characters".into()));
    }
    Ok(())
}

/// Every console account (IT and city managers).
#[utoipa::path(get, path = "/v1/admin/users", tag = "console", security(("bearer" = [])), responses((status = 200, description = "The accounts.", body = Accounts), TokenErrors))]
async fn list(state: web::Data<AppState>, who: Admin) -> ApiResult<HttpResponse> {
    who.require_any(&MANAGERS)?;
    Ok(HttpResponse::Ok().json(Accounts { users: state.store.users().await?.iter().map(public).collect() }))
}

/// A new console account.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewUser {
    /// The login e-mail.
    #[schema(format = Email, max_length = 254)]
    email: String,
    /// Its role.
    role: ConsoleRole,
    /// The department (required for `dept_head`; empty: none).
    #[serde(default)]
    #[schema(pattern = r"^[ \t]*[A-Za-z0-9_-]{0,64}[ \t]*$")]
    department: Option<String>,
    /// Without it, a password is generated and returned once.
    #[serde(default)]
    #[schema(min_length = 12, max_length = 1024)]
    password: Option<String>,
}

/// Creates an account; without a `password`, one is generated and returned in this answer.
/// Either way its holder must choose a new one at the first sign-in.
#[utoipa::path(post, path = "/v1/admin/users", tag = "console", security(("bearer" = [])), request_body = NewUser,
    responses((status = 201, description = "Created.", body = Account), (status = 409, description = "The e-mail has an account already.", body = Body),
        (status = 422, description = "A `dept_head` without a `department`.", body = Body), TokenErrors))]
async fn create(state: web::Data<AppState>, who: Admin, body: super::Object<NewUser>) -> ApiResult<HttpResponse> {
    let NewUser { email: raw, role, department, password } = body.0;
    let email = email(&raw)?;
    let (role, department) = role_and_department(role, department)?;
    may_manage(&who, &[role.as_str()])?;
    let generated = password.is_none();
    let password = match password {
        Some(p) => {
            password_ok(&p)?;
            p
        }
        None => auth::generate_password(),
    };
    let user = User { email: email.clone(), password_hash: hash(password.clone()).await?, role: role.as_str().into(), department, session_epoch: 0, must_change_password: true };
    match state.store.save_user(&user, None, &entry(&who, "user.add", &email, None, Some(&user))).await? {
        Write::Done => {}
        Write::Stale => return Err(ApiError::Conflict(format!("{email} already has an account"))),
    }
    let mut out = public(&user);
    if generated {
        out.password = Some(password);
    }
    Ok(HttpResponse::Created().json(out))
}

/// A new role (and department) for an account.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Change {
    /// The role.
    role: ConsoleRole,
    /// The department (required for `dept_head`; empty: none).
    #[serde(default)]
    #[schema(pattern = r"^[ \t]*[A-Za-z0-9_-]{0,64}[ \t]*$")]
    department: Option<String>,
}

async fn load(state: &AppState, email: &str) -> ApiResult<User> {
    state.store.user(email).await?.ok_or_else(|| ApiError::NotFound(format!("no account {email}")))
}

/// Changes an account's role or department.
#[utoipa::path(put, path = "/v1/admin/users/{email}", tag = "console", security(("bearer" = [])), params(("email" = String, Path, description = "The account's e-mail.")), request_body = Change,
    responses((status = 200, description = "Changed.", body = Account), (status = 404, description = "No such account.", body = Body),
        (status = 409, description = "Your own account cannot lose it_admin, or the account changed meanwhile.", body = Body), (status = 422, description = "A `dept_head` without a `department`.", body = Body), TokenErrors))]
async fn update(state: web::Data<AppState>, who: Admin, path: web::Path<String>, body: super::Object<Change>) -> ApiResult<HttpResponse> {
    who.require_any(&MANAGERS)?;
    let email = path_email(&path)?;
    let Change { role, department } = body.0;
    let (role, department) = role_and_department(role, department)?;
    // So the city is never left without an IT administrator by a slip of the mouse.
    if email == who.claims.sub && who.role() == Role::ItAdmin && role != Role::ItAdmin {
        return Err(ApiError::Conflict("you cannot take the it_admin role from your own account".into()));
    }
    let before = load(&state, &email).await?;
    may_manage(&who, &[before.role.as_str(), role.as_str()])?;
    // Its sessions carry the old role: they end.
    let after = User { role: role.as_str().into(), department, session_epoch: before.session_epoch + 1, ..before.clone() };
    match state.store.save_user(&after, Some(before.session_epoch), &entry(&who, "user.update", &email, Some(&before), Some(&after))).await? {
        Write::Done => Ok(HttpResponse::Ok().json(public(&after))),
        Write::Stale => Err(stale(&state, &email).await),
    }
}

/// Gives an account a new generated password, returned in this answer only.
#[utoipa::path(post, path = "/v1/admin/users/{email}/password", tag = "console", security(("bearer" = [])), params(("email" = String, Path, description = "The account's e-mail.")),
    responses((status = 200, description = "Reset; `password` is the new one.", body = Account), (status = 404, description = "No such account.", body = Body),
        (status = 409, description = "The account changed meanwhile.", body = Body), TokenErrors))]
async fn reset_password(state: web::Data<AppState>, who: Admin, path: web::Path<String>) -> ApiResult<HttpResponse> {
    who.require_any(&MANAGERS)?;
    let email = path_email(&path)?;
    let before = load(&state, &email).await?;
    may_manage(&who, &[before.role.as_str()])?;
    let password = auth::generate_password();
    // Whoever held the old password loses its sessions; the holder chooses a new one.
    let after = User { password_hash: hash(password.clone()).await?, session_epoch: before.session_epoch + 1, must_change_password: true, ..before.clone() };
    match state.store.save_user(&after, Some(before.session_epoch), &entry(&who, "user.password", &email, None, None)).await? {
        Write::Done => {
            let mut out = public(&after);
            out.password = Some(password);
            Ok(HttpResponse::Ok().json(out))
        }
        Write::Stale => Err(stale(&state, &email).await),
    }
}

/// Deletes an account (not your own).
#[utoipa::path(delete, path = "/v1/admin/users/{email}", tag = "console", security(("bearer" = [])), params(("email" = String, Path, description = "The account's e-mail.")),
    responses((status = 204, description = "Deleted."), (status = 404, description = "No such account.", body = Body), (status = 409, description = "Your own account.", body = Body), TokenErrors))]
async fn delete(state: web::Data<AppState>, who: Admin, path: web::Path<String>) -> ApiResult<HttpResponse> {
    who.require_any(&MANAGERS)?;
    let email = path_email(&path)?;
    if email == who.claims.sub {
        return Err(ApiError::Conflict("you cannot delete your own account".into()));
    }
    let before = load(&state, &email).await?;
    may_manage(&who, &[before.role.as_str()])?;
    match state.store.delete_user(&email, &entry(&who, "user.delete", &email, Some(&before), None)).await? {
        Write::Done => Ok(HttpResponse::NoContent().finish()),
        Write::Stale => Err(ApiError::NotFound(format!("no account {email}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_like_login_does() {
        assert_eq!(email("  IT@Redondo.ORG ").ok().as_deref(), Some("it@redondo.org"));
        assert!(email("not an email").is_err());
        assert!(email("@redondo.org").is_err());
    }

    #[test]
    fn a_department_head_needs_a_department_and_devices_are_not_accounts() {
        assert!(role_and_department(ConsoleRole::DeptHead, None).is_err());
        assert!(role_and_department(ConsoleRole::DeptHead, Some(" Police ".into())).is_ok_and(|(_, d)| d.as_deref() == Some("police")));
        assert!(serde_json::from_str::<ConsoleRole>("\"device\"").is_err(), "devices have tokens, not accounts");
        assert!(role_and_department(ConsoleRole::Auditor, Some("<b>".into())).is_err());
    }
}
