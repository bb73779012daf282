//! Console sessions: sign in, choose a new password, sign out.
//!
//! A session token names its account's session epoch; every console request checks the
//! account still exists with the same role, department and epoch ([`crate::auth::Admin`]).
//! Changing the role, department or password, a reset by IT, and signing out bump the epoch,
//! so every session of that account ends at once, on every replica. An account whose password
//! someone else set (generated at first start, given by IT, or reset) may only choose a new
//! one until it has.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::openapi::{PublicErrors, TokenErrors};
use crate::auth::{self, Session};
use crate::access::Action;
use crate::tokens::Role;
use crate::error::{ApiError, ApiResult, Body};
use crate::state::AppState;
use crate::store::{AuditEntry, User, Write};

#[derive(utoipa::OpenApi)]
#[openapi(paths(login, change_password, logout), components(schemas(Login, SessionOut, NewPassword, Action)))]
pub(super) struct Doc;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    // One resource per path: a method it does not answer gets 405 with `Allow`.
    cfg.service(web::resource("/v1/auth/login").route(web::post().to(login)))
        .service(web::resource("/v1/auth/password").route(web::post().to(change_password)))
        .service(web::resource("/v1/auth/logout").route(web::post().to(logout)));
}

/// A console sign-in.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Login {
    /// The account's e-mail.
    #[schema(max_length = 254)]
    email: String,
    /// Its password.
    #[schema(max_length = 1024)]
    password: String,
}

/// A console session.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = Session)]
struct SessionOut {
    /// The session token (Bearer).
    token: String,
    /// The account's role.
    role: Role,
    /// A department head's department.
    department: Option<String>,
    /// What the role may do (the server's access table), for the console to show only what
    /// will work.
    can: &'static [Action],
    /// When the token expires (RFC 3339).
    expires_at: String,
    /// The password was set by someone else: until a new one is chosen
    /// (`POST /v1/auth/password`), every other console route answers 403.
    must_change_password: bool,
}

fn session(state: &AppState, user: &User) -> ApiResult<SessionOut> {
    let role: Role = user.role.parse().map_err(|e: String| ApiError::internal(anyhow::anyhow!(e)))?;
    let seconds = i64::from(state.config.admin_token_hours) * 3600;
    let (token, claims) = state.tokens.issue_session(user, role, seconds)?;
    Ok(SessionOut { token, role, can: crate::access::allowed(role), department: user.department.clone(), expires_at: crate::lifecycle::rfc3339(claims.exp), must_change_password: user.must_change_password })
}

/// Argon2 takes tens of milliseconds: keep it off the async workers.
async fn password_matches(password: String, hash: String) -> ApiResult<bool> {
    web::block(move || auth::verify_password(&password, &hash)).await.map_err(ApiError::internal)
}

/// Exchanges a console account's password for a session token.
#[utoipa::path(post, path = "/v1/auth/login", tag = "console", security(()), request_body = Login,
    responses((status = 200, description = "Signed in.", body = SessionOut), (status = 401, description = "Wrong e-mail or password.", body = Body), (status = 413, description = "Body too large.", body = Body), PublicErrors))]
async fn login(state: web::Data<AppState>, req: HttpRequest, body: super::Object<Login>) -> ApiResult<HttpResponse> {
    let client = crate::client::address(req.peer_addr().map(|p| p.ip()), req.headers(), &state.config.trusted_proxies);
    if let Some(ip) = client {
        state.login_limiter.take(ip, 1.0).map_err(ApiError::TooManyRequests)?;
    }
    let Login { email, password } = body.0;
    let email = email.trim().to_ascii_lowercase();
    let user = state.store.user(&email).await?;
    let hash = user.as_ref().map_or_else(|| auth::dummy_hash().to_owned(), |u| u.password_hash.clone());
    let ok = password_matches(password, hash).await?;
    let user = match user {
        Some(u) if ok => u,
        other => {
            // Logged and audited, so IT sees guessing (the password never is).
            let client = client.map(|ip| ip.to_string()).unwrap_or_default();
            let known = other.is_some();
            tracing::warn!(%email, %client, known_account = known, "console sign-in refused");
            let entry = AuditEntry {
                actor: email.chars().take(254).collect(),
                role: String::new(),
                action: "auth.login_failed".into(),
                target: client.clone(),
                before: None,
                after: Some(serde_json::json!({"client": client, "known_account": known}).to_string()),
            };
            if let Err(e) = state.store.append_audit(&entry).await {
                tracing::error!(error = format!("{e:#}"), "cannot audit a refused sign-in");
            }
            return Err(ApiError::Unauthorized("wrong e-mail or password"));
        }
    };
    Ok(HttpResponse::Ok().json(session(&state, &user)?))
}

/// A console account choosing its own password.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewPassword {
    /// The password signed in with.
    #[schema(max_length = 1024)]
    current: String,
    /// The new one: 12 to 1024 characters, not the current one.
    #[schema(min_length = 12, max_length = 1024)]
    new: String,
}

/// A session's account, as the extractor read it.
fn account(who: Session) -> ApiResult<User> {
    who.1.ok_or_else(|| ApiError::Forbidden("an operator token has no account: use `lifeguard user add --reset`".into()))
}

fn entry(user: &User, action: &str) -> AuditEntry {
    AuditEntry { actor: user.email.clone(), role: user.role.clone(), action: action.into(), target: user.email.clone(), before: None, after: None }
}

/// Sets the signed-in account's password; every other session of the account ends, and the
/// answer is a new session.
#[utoipa::path(post, path = "/v1/auth/password", tag = "console", security(("bearer" = [])), request_body = NewPassword,
    responses((status = 200, description = "Changed; the new session.", body = SessionOut), (status = 400, description = "The new password is too short or long.", body = Body),
        (status = 403, description = "The current password is wrong, or an operator token.", body = Body), (status = 409, description = "The new password is the current one.", body = Body), TokenErrors))]
async fn change_password(state: web::Data<AppState>, who: Session, body: super::Object<NewPassword>) -> ApiResult<HttpResponse> {
    let NewPassword { current, new } = body.0;
    super::users::password_ok(&new)?;
    let before = account(who)?;
    if !password_matches(current, before.password_hash.clone()).await? {
        return Err(ApiError::Forbidden("the current password is wrong".into()));
    }
    if password_matches(new.clone(), before.password_hash.clone()).await? {
        return Err(ApiError::Conflict("choose a password other than the current one".into()));
    }
    let after = User { password_hash: super::users::hash(new).await?, session_epoch: before.session_epoch + 1, must_change_password: false, ..before.clone() };
    match state.store.save_user(&after, Some(before.session_epoch), &entry(&after, "auth.password_change")).await? {
        Write::Done => Ok(HttpResponse::Ok().json(session(&state, &after)?)),
        Write::Stale => Err(ApiError::Unauthorized("this session has ended: sign in again")),
    }
}

/// Signs out: ends every session of the signed-in account (on every replica).
#[utoipa::path(post, path = "/v1/auth/logout", tag = "console", security(("bearer" = [])),
    responses((status = 204, description = "Signed out."), (status = 403, description = "An operator token (it has no session to end).", body = Body), TokenErrors))]
async fn logout(state: web::Data<AppState>, who: Session) -> ApiResult<HttpResponse> {
    let before = account(who)?;
    let after = User { session_epoch: before.session_epoch + 1, ..before.clone() };
    // Stale: the account changed meanwhile, which ended this session already.
    state.store.save_user(&after, Some(before.session_epoch), &entry(&after, "auth.logout")).await?;
    Ok(HttpResponse::NoContent().finish())
}
