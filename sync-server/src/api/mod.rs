//! The HTTP interface. [`configure`] registers every route; `lifeguard serve` and the
//! integration tests both build their app with it, so the tests exercise exactly what runs.
//!
//! Handlers are thin: they check who is calling, parse the request, call the domain modules
//! ([`crate::lifecycle`], [`crate::reports`], [`crate::approvals`]) and shape the answer.

mod approvals;
mod audit;
mod console;
mod devices;
mod extension;
pub mod openapi;
mod ops;
mod policy;
mod reports;
mod staff;
mod sessions;
mod sync;
mod tokens;
mod users;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, from_fn};
use actix_web::{HttpMessage as _, ResponseError, web};

use crate::error::{ApiError, json_error, path_error, query_error};
use crate::metrics::Metrics;
use crate::state::AppState;

/// The largest whole-policy document an admin may PUT (the default policy is about 120 KB;
/// a county's blocklist can be far larger than a report batch).
pub const POLICY_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Registers every route with its shared state.
pub fn configure(state: AppState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        let limit = state.config.body_limit;
        cfg.app_data(web::Data::new(state))
            .app_data(web::JsonConfig::default().limit(limit).error_handler(move |e, _| json_error(e, limit)))
            .app_data(web::PayloadConfig::default().limit(limit))
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .service(
                web::scope("")
                    .wrap(from_fn(guard))
                    .configure(ops::routes)
                    .configure(sync::routes)
                    .configure(sessions::routes)
                    .configure(approvals::routes)
                    .configure(policy::routes)
                    .configure(reports::routes)
                    .configure(audit::routes)
                    .configure(devices::routes)
                    .configure(console::routes)
                    .configure(extension::routes)
                    .configure(users::routes)
                    .configure(staff::routes)
                    .configure(tokens::routes)
                    .default_service(web::to(|| async { Err::<actix_web::HttpResponse, _>(ApiError::NotFound("no such route".into())) })),
            );
    }
}

/// Runs around every request: the rate limit (per token for a request with a valid token,
/// per client address for any other; see [`crate::ratelimit`]), and response counting.
async fn guard(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let client = state.as_ref().filter(|s| s.limiter.is_on()).and_then(|s| {
        // A valid token is its own budget; the verified claims ride along to the extractor.
        if let Some(claims) = crate::auth::bearer(req.headers()).ok().and_then(|t| s.tokens.verify(t).ok()) {
            let key = crate::ratelimit::Client::Token(claims.jti.clone());
            req.extensions_mut().insert(crate::auth::Verified(claims));
            return Some(key);
        }
        crate::client::address(req.peer_addr().map(|p| p.ip()), req.headers(), &s.config.trusted_proxies).map(crate::ratelimit::Client::Address)
    });
    if let (Some(state), Some(client)) = (&state, client) {
        if let Err(after) = state.limiter.take(client, 1.0) {
            Metrics::add(&state.metrics.rate_limited, 1);
            state.metrics.response(429);
            let res = ApiError::TooManyRequests(after).error_response();
            return Ok(req.into_response(res).map_into_right_body());
        }
    }
    // Access logs are debug-level: at thousands of policy checks a second, info would drown
    // the log. Never the query string or body (a preview's text must not be logged).
    let access = tracing::enabled!(tracing::Level::DEBUG).then(|| (req.method().clone(), req.path().to_owned(), std::time::Instant::now()));
    let res = next.call(req).await?;
    if let Some(state) = &state {
        state.metrics.response(res.status().as_u16());
    }
    if let Some((method, path, start)) = access {
        tracing::debug!(%method, path, status = res.status().as_u16(), micros = start.elapsed().as_micros() as u64, "request");
    }
    // actix answers a method a resource does not route with an empty 405 and the right
    // `Allow`; give it the same JSON error shape as every other error.
    if res.status() == actix_web::http::StatusCode::METHOD_NOT_ALLOWED {
        let allow = res.headers().get(actix_web::http::header::ALLOW).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let body = ApiError::MethodNotAllowed(allow).error_response();
        return Ok(res.into_response(body).map_into_right_body());
    }
    Ok(res.map_into_left_body())
}

/// Parses a time given as RFC 3339 or as a date (`2026-11-27`, meaning its start, UTC).
pub(crate) fn parse_time(field: &str, s: &str) -> Result<i64, ApiError> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t.unix_timestamp());
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &format)
        .map(|d| d.midnight().assume_utc().unix_timestamp())
        .map_err(|_| ApiError::BadRequest(format!("`{field}` must be an RFC 3339 time or a date (YYYY-MM-DD)")))
}

/// A text query parameter left empty (`?user=&host=`, as an HTML form sends it) is not given.
pub(crate) fn empty_is_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    use serde::Deserialize as _;
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

/// A count parameter such as `limit`: `default` when absent, else 1 to `max` (a clear 400
/// outside).
pub(crate) fn limit(name: &str, given: Option<i64>, default: i64, max: i64) -> Result<i64, ApiError> {
    match given {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::BadRequest(format!("`{name}` must be 1 to {max}, not {n}"))),
    }
}

/// An integer field of a JSON body: JSON Schema counts `3.0` as the integer 3, and so does
/// this (serde alone would refuse it).
pub(crate) fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    use serde::Deserialize as _;
    let n = serde_json::Number::deserialize(d)?;
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
        _ => Err(serde::de::Error::custom(format!("{n} is not a whole number in range"))),
    }
}

/// [`whole_number`] for an optional field (`null` or absent: none).
pub(crate) fn some_whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    use serde::Deserialize as _;
    #[derive(serde::Deserialize)]
    struct W(#[serde(deserialize_with = "whole_number")] i64);
    Ok(Option::<W>::deserialize(d)?.map(|w| w.0))
}

/// A JSON body that must be an object. serde reads a struct from an array too (`[5]` as
/// `{"to": 5}`), which no body here allows; this extractor refuses anything but an object,
/// with the same limits and error shape as actix's `Json`.
pub(crate) struct Object<T>(pub T);

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Object<T> {
    type Error = actix_web::Error;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &actix_web::HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let map = web::Json::<serde_json::Map<String, serde_json::Value>>::from_request(req, payload);
        Box::pin(async move {
            let map = map.await?.into_inner();
            serde_json::from_value(serde_json::Value::Object(map)).map(Object).map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")).into())
        })
    }
}
