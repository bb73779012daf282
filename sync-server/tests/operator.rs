//! The operator's commands against the real `lifeguard` binary: `keys show`, `token issue`,
//! `user add`, `serve` (configuration file plus environment, first console account, graceful
//! shutdown on SIGTERM) and `reports purge`.

use std::io::Write as _;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn lifeguard() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lifeguard"));
    // The tests say where everything is; nothing leaks in from the caller's environment.
    for var in ["LIFEGUARD_CONFIG", "LIFEGUARD_DATA_DIR", "LIFEGUARD_DATABASE_URL", "LIFEGUARD_LISTEN", "LIFEGUARD_RETENTION_DAYS"] {
        c.env_remove(var);
    }
    c
}

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = lifeguard().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn lifeguard");
    if let Some(text) = stdin {
        child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "lifeguard failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_ready(client: &awc::Client, base: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if let Ok(res) = client.get(format!("{base}/readyz")).send().await {
            if res.status().is_success() {
                return;
            }
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("lifeguard serve did not become ready");
}

async fn post(client: &awc::Client, url: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut req = client.post(url);
    if let Some(t) = token {
        req = req.insert_header(("Authorization", format!("Bearer {t}")));
    }
    let mut res = req.send_json(body).await.expect("request");
    let status = res.status().as_u16();
    (status, res.json::<Value>().await.unwrap_or(Value::Null))
}

#[actix_web::test]
async fn operator_commands_and_serve_from_a_config_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let data = data.to_str().expect("utf-8 path");

    // keys show: creates the keys once, then shows the same key.
    let keys: Value = serde_json::from_str(&stdout(&run(&["keys", "show", "--data-dir", data], None))).expect("json");
    assert_eq!(keys["public_key"].as_str().map(str::len), Some(43));
    assert!(keys["public_key_pem"].as_str().unwrap_or("").starts_with("-----BEGIN PUBLIC KEY-----"));
    let again: Value = serde_json::from_str(&stdout(&run(&["keys", "show", "--data-dir", data], None))).expect("json");
    assert_eq!(keys, again);

    let token = stdout(&run(&["token", "issue", "--data-dir", data, "--role", "device", "--department", "police", "--days", "2"], None));
    let refused = run(&["token", "issue", "--data-dir", data, "--role", "device"], None);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--department"));

    // user add: a generated password, a refused duplicate, a password from stdin.
    let password = stdout(&run(&["user", "add", "--data-dir", data, "--email", "Auditor@Redondo.org", "--role", "auditor"], None));
    assert!(password.len() >= 20);
    let dup = run(&["user", "add", "--data-dir", data, "--email", "auditor@redondo.org", "--role", "auditor"], None);
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already has an account"));
    let short = run(&["user", "add", "--data-dir", data, "--email", "it@redondo.org", "--role", "it_admin", "--password-stdin"], Some("short\n"));
    assert!(!short.status.success());
    assert_eq!(stdout(&run(&["user", "add", "--data-dir", data, "--email", "it@redondo.org", "--role", "it_admin", "--password-stdin"], Some("a long enough password\n"))), "");

    // serve: listen address from the environment, login rate limit from the file.
    let port = free_port();
    let config = dir.path().join("lifeguard.toml");
    std::fs::write(&config, format!("data_dir = \"{data}\"\nlogin_per_minute = 3\n")).expect("config");
    let child = lifeguard()
        .args(["serve", "--config", config.to_str().expect("path")])
        .env("LIFEGUARD_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let mut serving = Serving(child);
    let base = format!("http://127.0.0.1:{port}");
    let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
    wait_ready(&client, &base).await;

    // The CLI's token and key are the server's.
    let res = client.get(format!("{base}/v1/policy")).insert_header(("Authorization", format!("Bearer {token}"))).send().await.expect("policy");
    assert_eq!(res.status().as_u16(), 200);
    let mut res = client.get(format!("{base}/v1/policy/key")).send().await.expect("key");
    assert_eq!(res.json::<Value>().await.expect("json")["public_key"], keys["public_key"]);

    // Accounts made by the CLI log in; there were accounts, so no first account was made.
    let (status, body) = post(&client, &format!("{base}/v1/auth/login"), None, &json!({"email": "auditor@redondo.org", "password": password})).await;
    assert_eq!(status, 200, "{body}");
    assert!(!dir.path().join("data").join("initial-admin-password").exists());
    let (status, _) = post(&client, &format!("{base}/v1/auth/login"), None, &json!({"email": "it@redondo.org", "password": "a long enough password"})).await;
    assert_eq!(status, 200);
    // The third login this minute was the last one allowed.
    let (status, body) = post(&client, &format!("{base}/v1/auth/login"), None, &json!({"email": "it@redondo.org", "password": "a long enough password"})).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(&client, &format!("{base}/v1/auth/login"), None, &json!({"email": "it@redondo.org", "password": "a long enough password"})).await;
    assert_eq!(status, 429, "{body}");

    // An old event and a recent one, for the purge below.
    let events = json!({"events": [
        {"id": "00000000-0000-4000-8000-000000000001", "kind": "visit_blocked", "time": days_ago(60), "host": "chatgpt.com"},
        {"id": "00000000-0000-4000-8000-000000000002", "kind": "visit_blocked", "time": crate_now(), "host": "chatgpt.com"},
    ]});
    let (status, body) = post(&client, &format!("{base}/v1/reports"), Some(&token), &events).await;
    assert_eq!(status, 200);
    assert_eq!(body["accepted"].as_array().map(Vec::len), Some(2));

    // SIGTERM: a graceful stop, exit status 0.
    let pid = serving.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = serving.0.try_wait().expect("wait") {
            break s;
        }
        assert!(start.elapsed() < Duration::from_secs(40), "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "serve exited with {status}");

    let purged: Value = serde_json::from_str(&stdout(&run(&["reports", "purge", "--data-dir", data, "--retention-days", "30"], None))).expect("json");
    assert_eq!(purged["removed"], 1);
    let purged: Value = serde_json::from_str(&stdout(&run(&["reports", "purge", "--data-dir", data, "--retention-days", "30"], None))).expect("json");
    assert_eq!(purged["removed"], 0);
}

#[actix_web::test]
async fn a_fresh_install_makes_the_first_console_account() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().to_str().expect("utf-8 path");
    let port = free_port();
    let child = lifeguard()
        .args(["serve", "--data-dir", data, "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let _serving = Serving(child);
    let base = format!("http://127.0.0.1:{port}");
    let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
    wait_ready(&client, &base).await;
    let file = dir.path().join("initial-admin-password");
    let start = Instant::now();
    while !file.exists() && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).expect("password file").permissions().mode() & 0o777, 0o600);
    }
    let password = std::fs::read_to_string(&file).expect("password file");
    let (status, body) = post(&client, &format!("{base}/v1/auth/login"), None, &json!({"email": "admin@lifeguard.local", "password": password.trim()})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"], "it_admin");
}

fn days_ago(days: i64) -> String {
    (time::OffsetDateTime::now_utc() - time::Duration::days(days)).format(&time::format_description::well_known::Rfc3339).expect("format")
}

fn crate_now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).expect("format")
}
