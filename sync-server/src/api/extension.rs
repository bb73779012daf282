//! Self-hosting the browser extension: the update manifest and the CRX that
//! `ExtensionInstallForcelist` points browsers at (`ID;https://server/extension/update.xml`).
//!
//! `lifeguard extension publish` puts a verified CRX and its [`CrxInfo`] (`extension.json`)
//! into `<data-dir>/extension/`.
//! The update manifest's `codebase` names the CRX at the configured public URL (`public_url`,
//! by default the listen address), never at a `Host` or `X-Forwarded-Host` a client sent: a
//! forged header must not point a browser's extension updates elsewhere.
//! Both routes are public: browsers fetch them without a token, and neither file is secret.

use std::path::PathBuf;

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::openapi::PublicErrors;
use crate::crx::CrxInfo;
use crate::error::{ApiError, ApiResult, Body};
use crate::state::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(paths(update_xml, crx))]
pub(super) struct Doc;

/// Registers `/extension/update.xml` and `/extension/lifeguard.crx`.
pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    // One resource per path: a method it does not answer gets 405 with `Allow`.
    cfg.service(web::resource("/extension/update.xml").route(web::get().to(update_xml)))
        .service(web::resource("/extension/lifeguard.crx").route(web::get().to(crx)));
}

fn folder(state: &AppState) -> PathBuf {
    state.config.data_dir.join("extension")
}

async fn read(path: PathBuf) -> ApiResult<Vec<u8>> {
    let missing = format!("the extension is not published on this server (no {})", path.file_name().and_then(|n| n.to_str()).unwrap_or("file"));
    match web::block(move || std::fs::read(path)).await.map_err(ApiError::internal)? {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ApiError::NotFound(missing)),
        Err(e) => Err(ApiError::internal(e)),
    }
}

/// An id is 32 letters a-p; a version is dotted numbers. Checked because both go into XML.
fn valid(info: &CrxInfo) -> bool {
    info.id.len() == 32
        && info.id.bytes().all(|b| (b'a'..=b'p').contains(&b))
        && !info.version.is_empty()
        && info.version.split('.').all(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Escapes text for an XML attribute.
fn xml_attr(s: &str) -> String {
    s.replace('&', "&amp;").replace('\'', "&apos;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The gupdate manifest `ExtensionInstallForcelist` points browsers at.
#[utoipa::path(get, path = "/extension/update.xml", tag = "extension", security(()),
    responses((status = 200, description = "The update manifest, naming this server's CRX.", content_type = "application/xml", body = String), (status = 404, description = "No extension is published here (`lifeguard extension publish`), or the server has no `public_url`.", body = Body), PublicErrors))]
async fn update_xml(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let bytes = read(folder(&state).join("extension.json")).await?;
    let info: CrxInfo = serde_json::from_slice(&bytes).map_err(ApiError::internal)?;
    if !valid(&info) {
        return Err(ApiError::internal(anyhow::anyhow!("extension/extension.json has an invalid id or version")));
    }
    let Some(base) = &state.config.public_url else {
        return Err(ApiError::NotFound("this server listens on every interface and has no `public_url`; set it to the address browsers reach it at".into()));
    };
    let codebase = format!("{base}/extension/lifeguard.crx");
    let body = format!(
        "<?xml version='1.0' encoding='UTF-8'?>\n<gupdate xmlns='http://www.google.com/update2/response' protocol='2.0'>\n  <app appid='{}'>\n    <updatecheck codebase='{}' version='{}' />\n  </app>\n</gupdate>\n",
        info.id,
        xml_attr(&codebase),
        info.version
    );
    Ok(HttpResponse::Ok().content_type("application/xml").insert_header((header::CACHE_CONTROL, "no-cache")).body(body))
}

/// The signed extension (CRX3).
#[utoipa::path(get, path = "/extension/lifeguard.crx", tag = "extension", security(()),
    responses((status = 200, description = "The CRX.", content_type = "application/x-chrome-extension", body = Vec<u8>), (status = 404, description = "No extension is published here.", body = Body), PublicErrors))]
async fn crx(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let bytes = read(folder(&state).join("lifeguard.crx")).await?;
    Ok(HttpResponse::Ok().content_type("application/x-chrome-extension").insert_header((header::CACHE_CONTROL, "no-cache")).body(bytes))
}
