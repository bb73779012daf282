//! Console accounts for IT (`it_admin` only): list, create, change role or department,
//! reset a password, delete. The operator's `lifeguard user add` does the same from a shell.
//!
//! Passwords are never shown again once set: a new or reset account gets a generated one,
//! returned in that one answer, and only its Argon2 hash is stored. The audit log records
//! each change with the account's e-mail, role and department, never a hash.
//!
//! Sessions are stateless JWTs, so a deleted or demoted account's session lasts until it
//! expires (`admin_token_hours`, 12 by default).

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{self, Admin, Role};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{AuditEntry, User, Write};

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    // One resource per path: a method it does not answer gets 405 with `Allow`.
    cfg.service(web::resource("/v1/admin/users").route(web::get().to(list)).route(web::post().to(create)))
        .service(web::resource("/v1/admin/users/{email}").route(web::put().to(update)).route(web::delete().to(delete)))
        .service(web::resource("/v1/admin/users/{email}/password").route(web::post().to(reset_password)));
}

/// An account as the API shows it (no hash).
fn public(u: &User) -> Value {
    json!({"email": u.email, "role": u.role, "department": u.department})
}

fn entry(who: &Admin, action: &str, email: &str, before: Option<&User>, after: Option<&User>) -> AuditEntry {
    AuditEntry {
        actor: who.who().to_owned(),
        role: who.role().as_str().to_owned(),
        action: action.to_owned(),
        target: email.to_owned(),
        before: before.map(|u| public(u).to_string()),
        after: after.map(|u| public(u).to_string()),
    }
}

/// A login e-mail: trimmed, lowercased (login does the same), plausible.
fn email(raw: &str) -> ApiResult<String> {
    let e = raw.trim().to_ascii_lowercase();
    let ok = e.len() <= 254 && e.split_once('@').is_some_and(|(a, d)| !a.is_empty() && d.contains('.')) && !e.contains(char::is_whitespace);
    if ok { Ok(e) } else { Err(ApiError::BadRequest("`email` must be an e-mail address".into())) }
}

/// A console role, with the department a department head needs.
fn role_and_department(role: &str, department: Option<String>) -> ApiResult<(Role, Option<String>)> {
    let role: Role = role.parse().map_err(ApiError::BadRequest)?;
    if role == Role::Device {
        return Err(ApiError::BadRequest("console accounts cannot have the device role".into()));
    }
    let department = department.map(|d| d.trim().to_ascii_lowercase()).filter(|d| !d.is_empty());
    if let Some(d) = &department {
        if d.len() > 64 || !d.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(ApiError::BadRequest("`department` is 1 to 64 letters, digits, `-` or `_`".into()));
        }
    }
    if role == Role::DeptHead && department.is_none() {
        return Err(ApiError::BadRequest("a dept_head account needs a `department`".into()));
    }
    Ok((role, department))
}

/// Hashes off the async workers (Argon2 takes tens of milliseconds).
async fn hash(password: String) -> ApiResult<String> {
    web::block(move || auth::hash_password(&password)).await.map_err(ApiError::internal)?.map_err(ApiError::internal)
}

fn password_ok(p: &str) -> ApiResult<()> {
    let n = p.chars().count();
    if !(12..=1024).contains(&n) {
        return Err(ApiError::BadRequest("`password` must have 12 to 1024 characters".into()));
    }
    Ok(())
}

async fn list(state: web::Data<AppState>, who: Admin) -> ApiResult<HttpResponse> {
    who.require(&[Role::ItAdmin])?;
    let users: Vec<Value> = state.store.users().await?.iter().map(public).collect();
    Ok(HttpResponse::Ok().json(json!({"users": users})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    email: String,
    role: String,
    #[serde(default)]
    department: Option<String>,
    /// Without it, a password is generated and returned once.
    #[serde(default)]
    password: Option<String>,
}

async fn create(state: web::Data<AppState>, who: Admin, body: web::Json<NewUser>) -> ApiResult<HttpResponse> {
    who.require(&[Role::ItAdmin])?;
    let NewUser { email: raw, role, department, password } = body.into_inner();
    let email = email(&raw)?;
    let (role, department) = role_and_department(&role, department)?;
    let generated = password.is_none();
    let password = match password {
        Some(p) => {
            password_ok(&p)?;
            p
        }
        None => auth::generate_password(),
    };
    let user = User { email: email.clone(), password_hash: hash(password.clone()).await?, role: role.as_str().into(), department };
    match state.store.save_user(&user, true, &entry(&who, "user.add", &email, None, Some(&user))).await? {
        Write::Done => {}
        Write::Stale => return Err(ApiError::Conflict(format!("{email} already has an account"))),
    }
    let mut out = public(&user);
    if generated {
        out["password"] = json!(password);
    }
    Ok(HttpResponse::Created().json(out))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    role: String,
    #[serde(default)]
    department: Option<String>,
}

async fn load(state: &AppState, email: &str) -> ApiResult<User> {
    state.store.user(email).await?.ok_or_else(|| ApiError::NotFound(format!("no account {email}")))
}

async fn update(state: web::Data<AppState>, who: Admin, path: web::Path<String>, body: web::Json<Change>) -> ApiResult<HttpResponse> {
    who.require(&[Role::ItAdmin])?;
    let email = email(&path)?;
    let Change { role, department } = body.into_inner();
    let (role, department) = role_and_department(&role, department)?;
    // So the city is never left without an IT administrator by a slip of the mouse.
    if email == who.who() && role != Role::ItAdmin {
        return Err(ApiError::Conflict("you cannot take the it_admin role from your own account".into()));
    }
    let before = load(&state, &email).await?;
    let after = User { role: role.as_str().into(), department, ..before.clone() };
    match state.store.save_user(&after, false, &entry(&who, "user.update", &email, Some(&before), Some(&after))).await? {
        Write::Done => Ok(HttpResponse::Ok().json(public(&after))),
        Write::Stale => Err(ApiError::NotFound(format!("no account {email}"))),
    }
}

async fn reset_password(state: web::Data<AppState>, who: Admin, path: web::Path<String>) -> ApiResult<HttpResponse> {
    who.require(&[Role::ItAdmin])?;
    let email = email(&path)?;
    let before = load(&state, &email).await?;
    let password = auth::generate_password();
    let after = User { password_hash: hash(password.clone()).await?, ..before.clone() };
    match state.store.save_user(&after, false, &entry(&who, "user.password", &email, None, None)).await? {
        Write::Done => {
            let mut out = public(&after);
            out["password"] = json!(password);
            Ok(HttpResponse::Ok().json(out))
        }
        Write::Stale => Err(ApiError::NotFound(format!("no account {email}"))),
    }
}

async fn delete(state: web::Data<AppState>, who: Admin, path: web::Path<String>) -> ApiResult<HttpResponse> {
    who.require(&[Role::ItAdmin])?;
    let email = email(&path)?;
    if email == who.who() {
        return Err(ApiError::Conflict("you cannot delete your own account".into()));
    }
    let before = load(&state, &email).await?;
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
        assert!(role_and_department("dept_head", None).is_err());
        assert!(role_and_department("dept_head", Some(" Police ".into())).is_ok_and(|(_, d)| d.as_deref() == Some("police")));
        assert!(role_and_department("device", Some("police".into())).is_err());
        assert!(role_and_department("auditor", Some("<b>".into())).is_err());
    }
}
