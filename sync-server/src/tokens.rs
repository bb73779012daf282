//! Lifeguard's tokens: JWTs (HS256) for devices and console users, the roles they carry, and
//! why a token is refused. Nothing here knows about requests or the server's state; the
//! extractors in `auth` use it.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::ApiError;
use crate::keys::Keys;

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
    /// The tokens of this deployment: its key, issuer and audience.
    pub fn for_config(keys: &Keys, config: &Config) -> Tokens {
        Tokens::new(keys.jwt_secret(), &config.token_issuer, &config.token_audience)
    }

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
