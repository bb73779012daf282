//! Who is calling: JWTs (HS256) for devices and console users, roles, and the extractors that
//! handlers use to demand them.
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
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::state::AppState;

/// What a token holder may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A managed browser: fetches policy, sends reports, submits approval requests.
    Device,
    /// IT (the AI Policy Authority): edits and publishes policy, reviews requests.
    ItAdmin,
    /// A department head: reads their own department's records.
    DeptHead,
    /// Reads everything, changes nothing.
    Auditor,
    /// Reads everything; approves exceptions (§VIII) and may publish them.
    CityManager,
}

impl Role {
    /// Every console role, in a fixed order (for tables and tests).
    pub const ADMINS: [Role; 4] = [Role::ItAdmin, Role::DeptHead, Role::Auditor, Role::CityManager];

    /// The name used in tokens and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Device => "device",
            Role::ItAdmin => "it_admin",
            Role::DeptHead => "dept_head",
            Role::Auditor => "auditor",
            Role::CityManager => "city_manager",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        match s {
            "device" => Ok(Role::Device),
            "it_admin" => Ok(Role::ItAdmin),
            "dept_head" => Ok(Role::DeptHead),
            "auditor" => Ok(Role::Auditor),
            "city_manager" => Ok(Role::CityManager),
            other => Err(format!("unknown role `{other}` (device, it_admin, dept_head, auditor, city_manager)")),
        }
    }
}

/// The claims of a Lifeguard token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Subject: the user's e-mail, or a device label.
    pub sub: String,
    /// Expiry (Unix seconds).
    pub exp: i64,
    /// Issued at.
    pub iat: i64,
    /// Token id.
    pub jti: String,
    /// Role.
    pub role: Role,
    /// Department (devices and department heads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// A console session's account epoch ([`crate::store::User::session_epoch`]); none on
    /// operator tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ver: Option<i64>,
}

/// Issues and verifies tokens.
#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
}

impl Tokens {
    /// Tokens signed with `secret` for this issuer and audience.
    pub fn new(secret: &[u8], issuer: &str, audience: &str) -> Tokens {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Clocks of the devices do not matter (the server checks its own tokens), so only a
        // small leeway for the server's own clock steps.
        validation.leeway = 30;
        Tokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        }
    }

    /// Issues an operator (or device) token valid for `seconds`.
    pub fn issue(&self, role: Role, sub: &str, department: Option<&str>, seconds: i64) -> anyhow::Result<(String, Claims)> {
        self.issue_with(role, sub, department, seconds, None)
    }

    /// Issues a console session for `user`, valid for `seconds`.
    pub fn issue_session(&self, user: &crate::store::User, role: Role, seconds: i64) -> anyhow::Result<(String, Claims)> {
        self.issue_with(role, &user.email, user.department.as_deref(), seconds, Some(user.session_epoch))
    }

    fn issue_with(&self, role: Role, sub: &str, department: Option<&str>, seconds: i64, ver: Option<i64>) -> anyhow::Result<(String, Claims)> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: sub.to_owned(),
            exp: now + seconds,
            iat: now,
            jti: uuid::Uuid::new_v4().to_string(),
            role,
            department: department.map(str::to_owned),
            ver,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, claims))
    }

    /// Verifies a token and says what is wrong with one that fails, for the operator's own
    /// commands (`lifeguard token revoke`); HTTP clients only ever get [`Tokens::verify`]'s one
    /// error.
    pub fn diagnose(&self, token: &str) -> Result<Claims, TokenProblem> {
        use jsonwebtoken::errors::ErrorKind;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map(|d| d.claims).map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature => TokenProblem::BadSignature,
            ErrorKind::ExpiredSignature => TokenProblem::Expired,
            ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => TokenProblem::OtherDeployment,
            _ => TokenProblem::NotALifeguardToken,
        })
    }

    /// Verifies a token; every failure is the same error.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        self.diagnose(token).map_err(|_| ApiError::Unauthorized("invalid or expired token"))
    }
}

/// Why a token does not verify ([`Tokens::diagnose`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Not a JWT, or not one with Lifeguard's claims and algorithm.
    NotALifeguardToken,
    /// Signed with another key: another deployment's token, or a forgery.
    BadSignature,
    /// Signed by this server but for another issuer or audience.
    OtherDeployment,
    /// Expired.
    Expired,
}

impl std::fmt::Display for TokenProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TokenProblem::NotALifeguardToken => "not a Lifeguard token (not a JWT with Lifeguard's claims, signed HS256)",
            TokenProblem::BadSignature => "its signature does not verify with this server's token key: another deployment's token, or a forged one",
            TokenProblem::OtherDeployment => "it names another issuer or audience (token_issuer, token_audience): another deployment's token",
            TokenProblem::Expired => "it has expired already: an expired token is refused anyway and needs no revoking",
        })
    }
}

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

    /// Fails with 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.claims.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!("the {} role may not do this", self.claims.role.as_str())))
        }
    }

    /// The department a caller is confined to: a department head's own; `None` for roles
    /// that see every department.
    pub fn confined_to(&self) -> Option<&str> {
        match self.claims.role {
            Role::DeptHead | Role::Device => Some(self.claims.department.as_deref().unwrap_or("")),
            _ => None,
        }
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
            p.require(&[Role::Device])?;
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
        p.require(&Role::ADMINS)?;
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
