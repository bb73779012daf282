//! The OpenAPI document at `/v1/openapi.json`, generated (utoipa) from the annotations on the
//! handlers and the types they read and write, so it cannot drift from the code: each module
//! of [`crate::api`] lists its handlers in a `Doc` beside its `routes`, and this module merges
//! them. The integration tests check that every documented operation is routed and that every
//! other method of a documented path answers 405; CI runs schemathesis against it.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ObjectBuilder, Ref, RefOr, Type};
use utoipa::{IntoResponses, Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lifeguard sync server",
        description = "Signed policy versions for managed browsers, their reports, approval requests, the policy draft and the audit log (APP 04.05). Devices use a device token, the console a session token from /v1/auth/login; both are Bearer JWTs.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::error::Body, crate::error::ProblemOut)),
    tags(
        (name = "operations", description = "Health, readiness, metrics and this document."),
        (name = "devices", description = "What the extension calls with its device token."),
        (name = "console", description = "The IT console's API: policy draft and versions, reports, audit, accounts."),
        (name = "approvals", description = "Staff's requests to use an AI tool (APP 04.05 §IV.2)."),
        (name = "extension", description = "Self-hosting the extension for ExtensionInstallForcelist."),
    ),
)]
struct Base;

/// The `bearer` security scheme (JWT).
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.bearer_format = Some("JWT".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(http));
        // /metrics: the configured `metrics_token`, not a JWT.
        components.add_security_scheme("metrics", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The whole document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = Base::openapi();
    for part in [super::ops::Doc::openapi(), super::sync::Doc::openapi(), super::sessions::Doc::openapi(), super::approvals::Doc::openapi(), super::policy::Doc::openapi(), super::reports::Doc::openapi(), super::audit::Doc::openapi(), super::devices::Doc::openapi(), super::users::Doc::openapi(), super::staff::Doc::openapi(), super::tokens::Doc::openapi(), super::extension::Doc::openapi()] {
        doc.merge(part);
    }
    doc
}

/// The document as JSON, made once.
pub fn json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| document().to_json().unwrap_or_else(|e| format!("{{\"error\": \"cannot serialise the OpenAPI document: {e}\"}}")))
}

/// RFC 3339 or a date, as the items of a `oneOf`.
fn time_or_date_items() -> utoipa::openapi::schema::OneOfBuilder {
    use utoipa::openapi::schema::{KnownFormat, OneOfBuilder, SchemaFormat};
    let string = |f| ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(f)));
    OneOfBuilder::new().item(string(KnownFormat::DateTime)).item(string(KnownFormat::Date))
}

/// A time parameter: RFC 3339, or a date (its start, UTC).
pub(super) fn time_or_date() -> utoipa::openapi::schema::Schema {
    time_or_date_items().into()
}

/// [`time_or_date`], or `null`: an optional body field, which serde reads as absent when null.
pub(super) fn time_or_date_or_null() -> utoipa::openapi::schema::Schema {
    time_or_date_items().item(ObjectBuilder::new().schema_type(Type::Null)).into()
}

fn error(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("Error"))).build())
        .build()
}

fn with_header(mut r: Response, name: &str, description: &str, ty: Type) -> Response {
    r.headers.insert(name.into(), RefOr::T(HeaderBuilder::new().schema(Some(ObjectBuilder::new().schema_type(ty))).description(Some(description)).build()));
    r
}

fn set(entries: &[(u16, Response)]) -> BTreeMap<String, RefOr<Response>> {
    entries.iter().map(|(code, r)| (code.to_string(), RefOr::T(r.clone()))).collect()
}

fn too_many() -> Response {
    with_header(error("Too many requests with this token, or without a valid token from this address (the server's rate limit, on by default)."), "Retry-After", "Seconds to wait.", Type::Integer)
}

/// The errors of a route that needs no token: a malformed request, the rate limit, a fault.
pub(super) struct PublicErrors;

impl IntoResponses for PublicErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        set(&[(400, error("The request is malformed; `error` says how.")), (429, too_many()), (500, error("An internal error (logged on the server; never its cause)."))])
    }
}

/// The errors of a route that needs a token: also 401, 403 and 413.
pub(super) struct TokenErrors;

impl IntoResponses for TokenErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        set(&[
            (400, error("The request is malformed; `error` says how.")),
            (401, with_header(error("No token, or one that is forged, expired or meant for another deployment."), "WWW-Authenticate", "Bearer", Type::String)),
            (403, error("The token's role may not do this, or not for this department.")),
            (413, error("The request body is larger than the server's limit.")),
            (429, too_many()),
            (500, error("An internal error (logged on the server; never its cause).")),
        ])
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_is_openapi_3_1_with_every_route_group() {
        let doc: serde_json::Value = serde_json::from_str(super::json()).expect("JSON");
        assert_eq!(doc["openapi"], "3.1.0");
        for path in ["/healthz", "/v1/policy", "/v1/reports", "/v1/admin/draft", "/v1/admin/users", "/v1/approvals", "/v1/admin/tools/{id}/staff", "/extension/update.xml"] {
            assert!(doc["paths"].get(path).is_some(), "{path}");
        }
        assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    }
}
