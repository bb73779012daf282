//! Who is calling: the extractors that handlers use to demand a verified caller of some role
//! (the tokens themselves are in `tokens`), and console passwords.
//!
//! A token is accepted only if its signature, issuer, audience and expiry all check out; any
//! failure is the same 401, so a client learns nothing about which check failed. A valid token
//! whose role may not use a route is a 403.
//!
//! Two kinds of console token: a *session* from `/v1/auth/login` names its account's session
//! epoch (`ver`) and is checked against the account on every request, so a deleted, demoted,
//! reset or signed-out account's sessions end at once; an *operator token* from
//! `lifeguard token issue` (no `ver`) belongs to whoever holds the server's keys, is tied to no
//! account, and is marked as such in the audit log (its actor is `<subject> (CLI token)`).

use std::future::{Future, Ready, ready};
use std::pin::Pin;

use actix_web::{FromRequest, HttpMessage as _, HttpRequest, web};

use crate::access::Action;
use crate::error::ApiError;
use crate::state::AppState;
use crate::tokens::{Claims, Role};

/// A verified caller, any role.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The verified claims.
    pub claims: Claims,
    /// The name the audit log records: the subject, marked when an operator token acts for a
    /// console role.
    actor: String,
}

impl Principal {
    fn new(claims: Claims) -> Principal {
        let actor = if claims.ver.is_none() && claims.role != Role::Device { format!("{} (CLI token)", claims.sub) } else { claims.sub.clone() };
        Principal { claims, actor }
    }

    /// The caller's role.
    pub fn role(&self) -> Role {
        self.claims.role
    }

    /// The caller's name for the audit log and records (`approved_by`, `updated_by`).
    pub fn who(&self) -> &str {
        &self.actor
    }
}

fn state_of(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>().cloned().ok_or_else(|| ApiError::internal(anyhow::anyhow!("no app state")))
}

/// The bearer token of a request, as sent.
pub fn bearer(headers: &actix_web::http::header::HeaderMap) -> Result<&str, ApiError> {
    let header = headers.get(actix_web::http::header::AUTHORIZATION).ok_or(ApiError::Unauthorized("a bearer token is required"))?;
    let value = header.to_str().map_err(|_| ApiError::Unauthorized("invalid or expired token"))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or(ApiError::Unauthorized("a bearer token is required"))?;
    Ok(token.trim())
}

/// Claims the rate limit already verified for this request ([`crate::api`]'s guard keys the
/// budget by token), kept in the request so the extractor does not verify them twice.
#[derive(Debug, Clone)]
pub struct Verified(pub Claims);

/// The verified claims of the request's bearer token (signature, issuer, audience, expiry).
fn principal(req: &HttpRequest) -> Result<Principal, ApiError> {
    if let Some(Verified(claims)) = req.extensions().get::<Verified>() {
        return Ok(Principal::new(claims.clone()));
    }
    let state = state_of(req)?;
    let claims = state.tokens.verify(bearer(req.headers())?)?;
    Ok(Principal::new(claims))
}

/// A console session still matches its account: the account exists with the token's role,
/// department and session epoch. Returns that account; `None` for an operator token.
async fn current(state: &AppState, p: &Principal) -> Result<Option<crate::store::User>, ApiError> {
    let Some(ver) = p.claims.ver else { return Ok(None) };
    match state.store.user(&p.claims.sub).await? {
        Some(u) if u.session_epoch == ver && u.role == p.claims.role.as_str() && u.department == p.claims.department => Ok(Some(u)),
        _ => Err(ApiError::Unauthorized("this session has ended: sign in again")),
    }
}

type Checked<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Ready<Result<Principal, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(principal(req))
    }
}

/// A caller holding a device token.
#[derive(Debug, Clone)]
pub struct Device(pub Principal);

impl FromRequest for Device {
    type Error = ApiError;
    type Future = Checked<Device>;
    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let checked = principal(req).and_then(|p| Ok((state_of(req)?, p)));
        Box::pin(async move {
            let (state, p) = checked?;
            p.require(Action::UseDeviceApi)?;
            not_revoked(&state, &p).await?;
            Ok(Device(p))
        })
    }
}

/// Refuses a device or operator token IT revoked (sessions end with their account instead).
async fn not_revoked(state: &AppState, p: &Principal) -> Result<(), ApiError> {
    if p.claims.ver.is_none() && state.revoked.is_revoked(&*state.store, &p.claims.jti).await {
        return Err(ApiError::Unauthorized("this token was revoked"));
    }
    Ok(())
}

/// Any console caller: a console role, a token not revoked, and a session still matching its
/// account (returned; `None` for an operator token).
fn console(req: &HttpRequest) -> Checked<(Principal, Option<crate::store::User>)> {
    let checked = principal(req).and_then(|p| Ok((state_of(req)?, p)));
    Box::pin(async move {
        let (state, p) = checked?;
        p.require(Action::UseConsole)?;
        not_revoked(&state, &p).await?;
        let account = current(&state, &p).await?;
        Ok((p, account))
    })
}

/// A console caller whose session is current, even if its password must be changed first:
/// for changing the password and signing out. Carries the session's account as just read.
#[derive(Debug, Clone)]
pub struct Session(pub Principal, pub Option<crate::store::User>);

impl FromRequest for Session {
    type Error = ApiError;
    type Future = Checked<Session>;
    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let checked = console(req);
        Box::pin(async move { checked.await.map(|(p, account)| Session(p, account)) })
    }
}

/// A caller holding a console (admin) token, any console role; a session's account must
/// exist unchanged and have chosen its own password.
#[derive(Debug, Clone)]
pub struct Admin(pub Principal);

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Checked<Admin>;
    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let checked = console(req);
        Box::pin(async move {
            let (p, account) = checked.await?;
            if account.is_some_and(|u| u.must_change_password) {
                return Err(ApiError::Forbidden("choose a new password first (POST /v1/auth/password): this one was set by someone else".into()));
            }
            Ok(Admin(p))
        })
    }
}

impl std::ops::Deref for Admin {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.0
    }
}

/// Hashes a console password with Argon2id (default parameters, random salt).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

/// Checks a password against a stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash).is_ok_and(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash to verify against when the user does not exist, so a wrong e-mail takes as long as
/// a wrong password and does not reveal which accounts exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("lifeguard-dummy-password").unwrap_or_default())
}

/// A random password for a new console account: 24 base64url characters (144 bits).
pub fn generate_password() -> String {
    use base64::Engine as _;
    use rand::RngCore;
    let mut bytes = [0u8; 18];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
