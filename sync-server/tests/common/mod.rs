//! Test harness: starts the real server in-process on a free 127.0.0.1 port, with the same
//! `api::configure` that `lifeguard serve` uses, on SQLite (a temporary folder) or on
//! PostgreSQL (a fresh database per server group, dropped afterwards), and talks to it over
//! HTTP like any client.
//!
//! PostgreSQL: `LIFEGUARD_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! must reach a server where that user may create databases.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use actix_web::{App, HttpServer};
use lifeguard_server::tokens::Role;
use lifeguard_server::config::Config;
use lifeguard_server::state::AppState;
use serde_json::Value;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh PostgreSQL database, dropped when this is dropped (even when a test panics).
pub struct PgDatabase {
    pub url: String,
    pub admin_url: String,
    pub name: String,
}

fn pg_admin_url() -> String {
    std::env::var("LIFEGUARD_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl PgDatabase {
    pub async fn create() -> PgDatabase {
        use sqlx::Connection;
        let admin_url = pg_admin_url();
        let name = format!("lifeguard_test_{}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed), uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is not reachable at {admin_url} ({e}); start it or set LIFEGUARD_TEST_POSTGRES_URL"));
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create test database");
        conn.close().await.ok();
        let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap_or(admin_url.clone());
        PgDatabase { url: format!("{base}/{name}"), admin_url, name }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // A fresh runtime on its own thread: this may run while the test's runtime unwinds.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
                }
            });
        })
        .join();
    }
}

/// Where a group of servers keeps its data: one folder (keys, SQLite file) and one database.
pub struct Site {
    pub dir: tempfile::TempDir,
    pub database_url: String,
    pub pg: Option<PgDatabase>,
}

impl Site {
    pub async fn new(backend: Backend) -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => {
                let database_url = format!("sqlite://{}", dir.path().join("lifeguard.sqlite3").display());
                Site { dir, database_url, pg: None }
            }
            Backend::Postgres => {
                let pg = PgDatabase::create().await;
                Site { dir, database_url: pg.url.clone(), pg: Some(pg) }
            }
        }
    }

    pub fn config(&self) -> Config {
        let mut c = Config::for_data_dir(self.dir.path(), Some(self.database_url.clone()));
        c.policy_recheck_ms = 100;
        c
    }

    /// Starts a server on this site.
    pub async fn start(&self) -> Server {
        self.start_with(self.config()).await
    }

    pub async fn start_with(&self, config: Config) -> Server {
        let state = lifeguard_server::server::state(config).await.expect("server state");
        let app_state = state.clone();
        let server = HttpServer::new(move || App::new().configure(lifeguard_server::api::configure(app_state.clone())))
            .workers(1)
            .disable_signals()
            // Keep-alive connections in the test client's pool would hold a graceful stop
            // for the default 30 s.
            .shutdown_timeout(2)
            .bind(("127.0.0.1", 0))
            .expect("bind");
        let addr = server.addrs()[0];
        let running = server.run();
        let handle = running.handle();
        actix_web::rt::spawn(running);
        Server { base: format!("http://{addr}"), state, handle, client: awc::Client::builder().timeout(std::time::Duration::from_secs(30)).finish() }
    }
}

/// Every thread's stack in this process, read by gdb when it is installed: what a server that
/// does not stop is waiting for (this has happened now and then, never when watched).
fn thread_stacks() -> String {
    let pid = std::process::id().to_string();
    match std::process::Command::new("gdb").args(["-p", &pid, "-batch", "-nx", "-ex", "thread apply all bt"]).output() {
        Ok(out) => format!("thread stacks (gdb):\n{}", String::from_utf8_lossy(&out.stdout)),
        Err(e) => format!("no thread stacks: gdb did not run ({e})"),
    }
}

/// A running server and a client for it.
pub struct Server {
    pub base: String,
    pub state: AppState,
    handle: actix_web::dev::ServerHandle,
    client: awc::Client,
}

/// A response as a client sees it.
#[derive(Debug)]
pub struct Res {
    pub status: u16,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Res {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }
}

impl Server {
    pub async fn stop(&self) {
        if tokio::time::timeout(std::time::Duration::from_secs(20), self.handle.stop(true)).await.is_err() {
            eprintln!("{}", thread_stacks());
            panic!("the server did not stop within 20 s");
        }
    }

    /// A token for a role, signed with this server's key.
    pub fn token(&self, role: Role, department: Option<&str>) -> String {
        let sub = match role {
            Role::Device => "device:test".to_owned(),
            r => format!("{}@redondo.test", r.as_str()),
        };
        self.state.tokens.issue(role, &sub, department, 3600).expect("token").0
    }

    pub async fn request(&self, method: &str, path: &str, token: Option<&str>, headers: &[(&str, &str)], body: Option<Vec<u8>>) -> Res {
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let mut res = match body {
            Some(b) => req.insert_header(("Content-Type", "application/json")).send_body(b).await,
            None => req.send().await,
        }
        .expect("request");
        let body = res.body().limit(64 * 1024 * 1024).await.expect("body").to_vec();
        Res { status: res.status().as_u16(), headers: res.headers().clone(), body }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Res {
        self.request("GET", path, token, &[], None).await
    }

    pub async fn send(&self, method: &str, path: &str, token: Option<&str>, body: &Value) -> Res {
        self.request(method, path, token, &[], Some(body.to_string().into_bytes())).await
    }
}

/// Generates one test per backend for each named async fn taking a [`Backend`].
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        // A hung test fails with its name after 3 minutes instead of holding CI forever.
        mod sqlite {
            $( #[actix_web::test] async fn $name() {
                tokio::time::timeout(std::time::Duration::from_secs(180), super::$name(super::common::Backend::Sqlite)).await.expect("timed out after 180 s")
            } )*
        }
        mod postgres {
            $( #[actix_web::test] async fn $name() {
                tokio::time::timeout(std::time::Duration::from_secs(180), super::$name(super::common::Backend::Postgres)).await.expect("timed out after 180 s")
            } )*
        }
    };
}
