//! Revoking a device or operator token before it expires (IT only): a lost laptop, a device
//! token read out of the registry by a local user, or the old token after a rotation (issue
//! the new one with `lifeguard token issue`, deploy it, then revoke the old one here).
//!
//! IT names the token by pasting it: the server checks it is one of its own (signature,
//! issuer, audience, not expired) and records its id, so it cannot be used again on any
//! replica ([`crate::revocations`]). Console sessions are not revoked here: they end when the
//! account signs out, changes or is deleted.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::openapi::TokenErrors;
use crate::auth::Admin;
use crate::access::Action;
use crate::tokens::Role;
use crate::error::{ApiError, ApiResult, Body};
use crate::state::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(paths(revoke), components(schemas(Revoke, Revoked)))]
pub(super) struct Doc;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    // One resource per path: a method it does not answer gets 405 with `Allow`.
    cfg.service(web::resource("/v1/admin/tokens/revoke").route(web::post().to(revoke)));
}

/// The token to revoke.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Revoke {
    /// The token itself, as deployed (`deviceToken` in managed storage) or as issued.
    #[schema(max_length = 8192)]
    token: String,
}

/// The revoked token.
#[derive(Serialize, utoipa::ToSchema)]
struct Revoked {
    /// Its id (`jti`).
    jti: String,
    /// Its subject.
    subject: String,
    /// Its role.
    role: Role,
    /// Its department.
    department: Option<String>,
    /// When it would have expired (RFC 3339).
    expires_at: String,
    /// `false` when it was revoked already (nothing changed).
    newly_revoked: bool,
}

/// Revokes a device or operator token at once, on every replica.
#[utoipa::path(post, path = "/v1/admin/tokens/revoke", tag = "console", security(("bearer" = [])), request_body = Revoke,
    responses((status = 200, description = "Revoked (or already was).", body = Revoked),
        (status = 422, description = "Not a valid, unexpired token of this server, or a console session.", body = Body), TokenErrors))]
async fn revoke(state: web::Data<AppState>, who: Admin, body: super::Object<Revoke>) -> ApiResult<HttpResponse> {
    who.require(Action::RevokeTokens)?;
    // One message for every token that does not verify, as for authentication.
    let claims = crate::revocations::revocable(&state.tokens, &body.0.token).map_err(|e| match e {
        crate::revocations::NotRevocable::Session => ApiError::Unprocessable(e.to_string()),
        crate::revocations::NotRevocable::Invalid(_) => ApiError::Unprocessable("not a valid, unexpired token of this server (an expired one needs no revoking)".into()),
    })?;
    let newly_revoked = crate::revocations::revoke(&*state.store, &claims, who.who(), who.role().as_str()).await?;
    state.revoked.add(&claims.jti);
    Ok(HttpResponse::Ok().json(Revoked {
        jti: claims.jti,
        subject: claims.sub,
        role: claims.role,
        department: claims.department,
        expires_at: crate::lifecycle::rfc3339(claims.exp),
        newly_revoked,
    }))
}
