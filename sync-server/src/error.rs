//! The one place where errors become HTTP responses.
//!
//! Every handler returns [`ApiError`]. Client mistakes carry a message meant for the client;
//! internal failures carry their cause for the log only: the client sees "internal error" and
//! a request id it can quote, never a database message or a file path.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// One problem in a policy document, as the API reports it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = Problem)]
pub struct ProblemOut {
    /// Where: the list, index, rule id and field.
    pub at: String,
    /// What is wrong.
    pub message: String,
}

/// The problems of a policy error, for the response body.
pub fn problems(e: &lifeguard_core::PolicyError) -> Vec<ProblemOut> {
    e.problems().iter().map(|p| ProblemOut { at: p.at().to_owned(), message: p.message().to_owned() }).collect()
}

/// An error a handler can return.
#[derive(Debug)]
pub enum ApiError {
    /// 400: the request is malformed; the message says how.
    BadRequest(String),
    /// 422: a well-formed policy document (or an edit to one) does not validate.
    InvalidPolicy(Vec<ProblemOut>),
    /// 422: the request is well-formed JSON of the documented shape, but its values do not
    /// go together (a rule the schema cannot express); the message says why.
    Unprocessable(String),
    /// 401: no token, or one that is forged, expired or meant for someone else.
    Unauthorized(&'static str),
    /// 403: a valid token whose role may not do this.
    Forbidden(String),
    /// 404.
    NotFound(String),
    /// 405: the path exists but not for this method; the methods it answers (`Allow`).
    MethodNotAllowed(String),
    /// 409: the request conflicts with the current state (a duplicate, a decided request).
    Conflict(String),
    /// 413: the body is larger than the limit.
    PayloadTooLarge(usize),
    /// 429: too many requests; retry after the given seconds.
    TooManyRequests(u64),
    /// 503: not ready (the database is unreachable).
    Unavailable,
    /// 500: logged with its cause, reported to the client without it.
    Internal(anyhow::Error),
}

impl ApiError {
    /// A 500 from any error, keeping the cause for the log.
    pub fn internal(e: impl Into<anyhow::Error>) -> ApiError {
        ApiError::Internal(e.into())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::BadRequest(m) | ApiError::Unprocessable(m) | ApiError::Forbidden(m) | ApiError::NotFound(m) | ApiError::Conflict(m) => f.write_str(m),
            ApiError::InvalidPolicy(p) => write!(f, "the policy is not valid ({} problems)", p.len()),
            ApiError::Unauthorized(m) => f.write_str(m),
            ApiError::PayloadTooLarge(limit) => write!(f, "the request body is larger than {limit} bytes"),
            ApiError::TooManyRequests(_) => f.write_str("too many requests; slow down"),
            ApiError::MethodNotAllowed(allow) => write!(f, "this path answers {allow} only"),
            ApiError::Unavailable => f.write_str("not ready"),
            // Never the cause: Display is what a client could see.
            ApiError::Internal(_) => f.write_str("internal error"),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::Internal(e.into())
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::Internal(e)
    }
}

/// Every error answer's body.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct Body {
    /// What went wrong, for a person.
    error: String,
    /// For a policy that does not validate: every problem, with where it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    problems: Option<Vec<ProblemOut>>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::InvalidPolicy(_) | ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            // The only place an internal error's text goes is the log.
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
        let mut res = HttpResponse::build(self.status_code());
        match self {
            ApiError::Unauthorized(_) => {
                res.insert_header(("WWW-Authenticate", "Bearer"));
            }
            ApiError::TooManyRequests(after) => {
                res.insert_header(("Retry-After", after.to_string()));
            }
            ApiError::MethodNotAllowed(allow) => {
                res.insert_header((actix_web::http::header::ALLOW, allow.as_str()));
            }
            _ => {}
        }
        let problems = match self {
            ApiError::InvalidPolicy(p) => Some(p.clone()),
            _ => None,
        };
        res.json(Body { error: self.to_string(), problems })
    }
}

/// Turns actix's JSON extractor errors into [`ApiError`]s, so a malformed body gets the same
/// JSON error shape as everything else, with serde's message (it names the field and position).
pub fn json_error(err: actix_web::error::JsonPayloadError, limit: usize) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as J;
    let api = match &err {
        J::OverflowKnownLength { .. } | J::Overflow { .. } => ApiError::PayloadTooLarge(limit),
        J::ContentType => ApiError::BadRequest("expected a JSON body (Content-Type: application/json)".into()),
        J::Deserialize(e) => ApiError::BadRequest(format!("malformed JSON: {e}")),
        J::Payload(actix_web::error::PayloadError::Overflow) => ApiError::PayloadTooLarge(limit),
        other => ApiError::BadRequest(format!("cannot read the request body: {other}")),
    };
    api.into()
}

/// Turns query-string errors into [`ApiError`]s.
pub fn query_error(err: actix_web::error::QueryPayloadError, _req: &actix_web::HttpRequest) -> actix_web::Error {
    ApiError::BadRequest(format!("bad query string: {err}")).into()
}

/// Turns path errors into [`ApiError`]s.
pub fn path_error(err: actix_web::error::PathError, _req: &actix_web::HttpRequest) -> actix_web::Error {
    ApiError::NotFound(format!("no such resource: {err}")).into()
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
