//! The IT console: the static pages under `/admin`, embedded in the binary.
//!
//! The console is plain HTML, CSS and JavaScript modules (`sync-server/console/`) that call
//! the same `/v1/admin/...` API as scripts and tests; nothing here renders data. The files are
//! compiled in with `include_bytes!`, so `lifeguard serve` needs no folder beside it and the
//! console always matches the API of the binary that serves it.
//!
//! Every response carries a strict Content Security Policy: scripts and styles only from this
//! origin (no inline script, no `eval`), no framing, no `<base>`, forms only back here. With
//! the pages building their DOM through `textContent`, a rule name such as
//! `<img src=x onerror=alert(1)>` is text twice over.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};

use crate::error::{ApiError, ApiResult};

/// The console's Content Security Policy. `img-src data:` is for the charts' "save as image";
/// `connect-src` falls back to `default-src 'self'`, so the pages can call only this server.
pub const CONSOLE_CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Embeds the listed files of `sync-server/console/`. A file missing from the list is not
/// served; the test below fails if one is left out.
macro_rules! assets {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/console/", $path)) as &[u8])),*]
    };
}

/// Every console file, by its path under `/admin/`.
static ASSETS: &[(&str, &[u8])] = assets![
    "index.html",
    "console.css",
    "js/api.js",
    "js/dom.js",
    "js/main.js",
    "js/roles.js",
    "js/pages/approvals.js",
    "js/pages/audit.js",
    "js/pages/dashboard.js",
    "js/pages/policy.js",
    "js/pages/policy-preview.js",
    "js/pages/policy-publish.js",
    "js/pages/policy-sections.js",
    "js/pages/reports.js",
    "js/pages/signin.js",
    "js/pages/users.js",
    "js/pages/versions.js",
    "vendor/chart.umd.min.js",
    "vendor/chart.js-LICENSE.md",
    "vendor/VERSIONS.md",
];

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    // One resource per path: a method it does not answer gets 405 with `Allow`.
    cfg.service(web::resource("/admin").route(web::get().to(redirect)))
        .service(web::resource("/admin/").route(web::get().to(index)))
        .service(web::resource("/admin/{path:.+}").route(web::get().to(asset)));
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("md") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// The headers every console response carries.
fn secured(mut res: HttpResponse) -> HttpResponse {
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONSOLE_CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Report filters (users, hosts) sit in the console's URLs: never send them elsewhere.
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    // For browsers that predate `frame-ancestors`.
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    // Revalidate on every load, so an upgraded server never runs with yesterday's scripts.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// `/admin` → `/admin/`, so the pages' relative URLs (`js/main.js`) resolve under it.
async fn redirect() -> HttpResponse {
    secured(HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/admin/")).finish())
}

/// The path of the one generated module: [`lifeguard_core::Vocabulary`] (report kinds,
/// detectors, the policy's closed lists), so the pages read the names the engine and the
/// server use instead of keeping their own lists. Its shape is `js/vocabulary.d.ts`.
const VOCABULARY: &str = "js/vocabulary.js";

fn vocabulary_module() -> &'static str {
    static MODULE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    MODULE.get_or_init(lifeguard_core::Vocabulary::js_module)
}

fn serve(path: &str) -> ApiResult<HttpResponse> {
    if path == VOCABULARY {
        return Ok(secured(HttpResponse::Ok().content_type(content_type(path)).body(vocabulary_module())));
    }
    let (_, body) = ASSETS.iter().find(|(p, _)| *p == path).ok_or_else(|| ApiError::NotFound(format!("no console file `{path}`")))?;
    Ok(secured(HttpResponse::Ok().content_type(content_type(path)).body(*body)))
}

async fn index() -> ApiResult<HttpResponse> {
    serve("index.html")
}

async fn asset(path: web::Path<String>) -> ApiResult<HttpResponse> {
    serve(&path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file in console/ is embedded (a new page module left out of [`ASSETS`] would be
    /// a 404 only in the browser), and every embedded file exists.
    #[test]
    fn every_console_file_is_embedded() {
        fn walk(dir: &std::path::Path, base: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).expect("console dir") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    walk(&path, base, out);
                } else if !path.to_string_lossy().ends_with(".d.ts") {
                    // Declarations are for the type check only (js/vocabulary.d.ts).
                    out.push(path.strip_prefix(base).expect("prefix").to_string_lossy().replace('\\', "/"));
                }
            }
        }
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("console");
        let mut on_disk = Vec::new();
        walk(&base, &base, &mut on_disk);
        on_disk.sort();
        let mut embedded: Vec<String> = ASSETS.iter().map(|(p, _)| (*p).to_owned()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
    }

    #[test]
    fn the_vocabulary_module_is_the_engines() {
        let module = vocabulary_module();
        let json = module.split_once("Object.freeze(").and_then(|(_, rest)| rest.rsplit_once(");")).map(|(j, _)| j).expect("a frozen object");
        let v: serde_json::Value = serde_json::from_str(json).expect("JSON");
        assert_eq!(v["kinds"].as_array().map(Vec::len), Some(lifeguard_core::EventKind::ALL.len()));
        assert!(v["detectors"].as_array().expect("detectors").iter().any(|d| d["id"] == "us_ssn" && d["label"] == "Social Security number"));
        assert!(serve(VOCABULARY).is_ok_and(|r| r.headers().contains_key(header::CONTENT_SECURITY_POLICY)));
    }

    #[test]
    fn scripts_are_served_as_javascript() {
        assert_eq!(content_type("js/main.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
    }
}
