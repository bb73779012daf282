//! The API the console adds on top of the policy routes, on SQLite and on PostgreSQL: console
//! accounts (`/v1/admin/users`), the staff list of a tool (`/v1/admin/tools/{id}/staff`), when
//! devices last synced (`/v1/admin/devices`);
//! and the console's pages at `/admin` with their security headers.

mod common;

use common::{Backend, Site};
use lifeguard_server::tokens::Role;
use serde_json::{Value, json};

/// IT creates, lists, changes, resets and deletes accounts; each change is audited without a
/// password hash; no one locks themselves out; other roles get 403.
async fn console_accounts_are_managed_by_it(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let it = server.token(Role::ItAdmin, None);
    let me = "it_admin@redondo.test";

    let res = server.send("POST", "/v1/admin/users", Some(&it), &json!({"email": " Chief@Redondo.org ", "role": "dept_head", "department": "Police"})).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let created = res.json();
    assert_eq!(created["email"], "chief@redondo.org");
    assert_eq!(created["department"], "police");
    let password = created["password"].as_str().expect("a generated password").to_owned();
    let login = server.send("POST", "/v1/auth/login", None, &json!({"email": "chief@redondo.org", "password": password})).await;
    assert_eq!(login.status, 200);
    assert_eq!(login.json()["role"], "dept_head");
    // The session says what the role may do, from the server's access table.
    assert_eq!(login.json()["can"], json!(["use_console", "edit_staff"]));

    assert_eq!(server.send("POST", "/v1/admin/users", Some(&it), &json!({"email": "chief@redondo.org", "role": "auditor"})).await.status, 409);
    // A department head without a department: the shape is right, the values do not go together.
    assert_eq!(server.send("POST", "/v1/admin/users", Some(&it), &json!({"email": "x@redondo.org", "role": "dept_head"})).await.status, 422);
    assert_eq!(server.send("POST", "/v1/admin/users", Some(&it), &json!({"email": "x@redondo.org", "role": "device"})).await.status, 400);
    let short = server.send("POST", "/v1/admin/users", Some(&it), &json!({"email": "x@redondo.org", "role": "auditor", "password": "short"})).await;
    assert_eq!(short.status, 400);

    let res = server.send("PUT", "/v1/admin/users/chief@redondo.org", Some(&it), &json!({"role": "auditor"})).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let list = server.get("/v1/admin/users", Some(&it)).await.json();
    let chief: Vec<&Value> = list["users"].as_array().expect("users").iter().filter(|u| u["email"] == "chief@redondo.org").collect();
    assert_eq!(chief, vec![&json!({"email": "chief@redondo.org", "role": "auditor", "department": null, "must_change_password": true})]);
    // The role changed, the password did not.
    let login = server.send("POST", "/v1/auth/login", None, &json!({"email": "chief@redondo.org", "password": password})).await;
    assert_eq!(login.json()["role"], "auditor");
    assert_eq!(login.json()["can"], json!(["use_console", "all_departments", "audit"]));

    let reset = server.request("POST", "/v1/admin/users/chief@redondo.org/password", Some(&it), &[], None).await.json();
    let new_password = reset["password"].as_str().expect("new password");
    assert_ne!(new_password, password);
    assert_eq!(server.send("POST", "/v1/auth/login", None, &json!({"email": "chief@redondo.org", "password": password})).await.status, 401);

    assert_eq!(server.request("DELETE", &format!("/v1/admin/users/{me}"), Some(&it), &[], None).await.status, 409);
    assert_eq!(server.send("PUT", &format!("/v1/admin/users/{me}"), Some(&it), &json!({"role": "auditor"})).await.status, 409);
    assert_eq!(server.request("DELETE", "/v1/admin/users/chief@redondo.org", Some(&it), &[], None).await.status, 204);
    assert_eq!(server.request("DELETE", "/v1/admin/users/chief@redondo.org", Some(&it), &[], None).await.status, 404);
    assert_eq!(server.send("PUT", "/v1/admin/users/nobody@redondo.org", Some(&it), &json!({"role": "auditor"})).await.status, 404);

    for role in [Role::DeptHead, Role::Auditor, Role::CityManager] {
        let t = server.token(role, Some("police"));
        // A city manager reads the accounts (and manages city managers' only).
        let read = if role == Role::CityManager { 200 } else { 403 };
        assert_eq!(server.get("/v1/admin/users", Some(&t)).await.status, read, "{role:?}");
        assert_eq!(server.send("POST", "/v1/admin/users", Some(&t), &json!({"email": "y@redondo.org", "role": "it_admin"})).await.status, 403);
    }

    let audit = server.get("/v1/admin/audit?action=user.", Some(&it)).await.json();
    let actions: Vec<&str> = audit["entries"].as_array().expect("entries").iter().map(|e| e["action"].as_str().unwrap_or("")).collect();
    assert_eq!(actions, ["user.delete", "user.password", "user.update", "user.add"]);
    let text = audit.to_string();
    assert!(!text.contains("argon2") && !text.contains(&password) && !text.contains(new_password), "{text}");
    server.stop().await;
}

/// A console session is checked against its account on every request: it ends when the
/// account is demoted, reset, deleted or signs out; a password someone else set must be
/// replaced before anything else.
async fn sessions_end_with_their_account(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let it = server.token(Role::ItAdmin, None);
    let login = |password: &str| json!({"email": "chief@redondo.org", "password": password});
    let created = server.send("POST", "/v1/admin/users", Some(&it), &json!({"email": "chief@redondo.org", "role": "dept_head", "department": "police"})).await.json();
    let first = created["password"].as_str().expect("password").to_owned();

    // IT gave the password: the session may only choose a new one.
    let res = server.send("POST", "/v1/auth/login", None, &login(&first)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["must_change_password"], true);
    let pending = res.json()["token"].as_str().expect("token").to_owned();
    let refused = server.get("/v1/admin/reports", Some(&pending)).await;
    assert_eq!(refused.status, 403);
    assert!(refused.text().contains("new password"), "{}", refused.text());
    let change = |current: &str, new: &str| json!({"current": current, "new": new});
    assert_eq!(server.send("POST", "/v1/auth/password", Some(&pending), &change("wrong password!", "a brand new password")).await.status, 403);
    assert_eq!(server.send("POST", "/v1/auth/password", Some(&pending), &change(&first, "short")).await.status, 400);
    assert_eq!(server.send("POST", "/v1/auth/password", Some(&pending), &change(&first, &first)).await.status, 409);
    let changed = server.send("POST", "/v1/auth/password", Some(&pending), &change(&first, "a brand new password")).await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert_eq!(changed.json()["must_change_password"], false);
    let session = changed.json()["token"].as_str().expect("token").to_owned();
    assert_eq!(server.get("/v1/admin/reports", Some(&session)).await.status, 200);
    assert_eq!(server.get("/v1/admin/reports", Some(&pending)).await.status, 401, "the session that changed it was renewed; the old token ended");
    assert_eq!(server.send("POST", "/v1/auth/login", None, &login(&first)).await.status, 401);

    // Demoted: the session with the old role ends at once.
    let other = server.send("POST", "/v1/auth/login", None, &login("a brand new password")).await.json()["token"].as_str().expect("token").to_owned();
    assert_eq!(server.send("PUT", "/v1/admin/users/chief@redondo.org", Some(&it), &json!({"role": "auditor"})).await.status, 200);
    for token in [&session, &other] {
        let res = server.get("/v1/admin/reports", Some(token)).await;
        assert_eq!(res.status, 401);
        assert!(res.text().contains("session has ended"), "{}", res.text());
    }
    let auditor = server.send("POST", "/v1/auth/login", None, &login("a brand new password")).await.json();
    assert_eq!(auditor["role"], "auditor");
    let auditor = auditor["token"].as_str().expect("token").to_owned();
    assert_eq!(server.get("/v1/admin/reports", Some(&auditor)).await.status, 200);

    // Signing out ends every session of the account, on the server.
    let second = server.send("POST", "/v1/auth/login", None, &login("a brand new password")).await.json()["token"].as_str().expect("token").to_owned();
    assert_eq!(server.request("POST", "/v1/auth/logout", Some(&auditor), &[], None).await.status, 204);
    assert_eq!(server.get("/v1/admin/reports", Some(&auditor)).await.status, 401);
    assert_eq!(server.get("/v1/admin/reports", Some(&second)).await.status, 401);
    // An operator token has no session to end.
    assert_eq!(server.request("POST", "/v1/auth/logout", Some(&it), &[], None).await.status, 403);

    // Reset by IT: the holder's sessions end and the new password must be replaced.
    let before_reset = server.send("POST", "/v1/auth/login", None, &login("a brand new password")).await.json()["token"].as_str().expect("token").to_owned();
    let reset = server.request("POST", "/v1/admin/users/chief@redondo.org/password", Some(&it), &[], None).await.json();
    assert_eq!(server.get("/v1/admin/reports", Some(&before_reset)).await.status, 401);
    let after_reset = server.send("POST", "/v1/auth/login", None, &login(reset["password"].as_str().expect("password"))).await.json();
    assert_eq!(after_reset["must_change_password"], true);

    // Deleted: gone at once.
    let token = after_reset["token"].as_str().expect("token").to_owned();
    assert_eq!(server.request("DELETE", "/v1/admin/users/chief@redondo.org", Some(&it), &[], None).await.status, 204);
    assert_eq!(server.send("POST", "/v1/auth/password", Some(&token), &change(reset["password"].as_str().expect("p"), "another new password")).await.status, 401);

    let audit = server.get("/v1/admin/audit?action=auth.", Some(&it)).await.json();
    let actions: Vec<&str> = audit["entries"].as_array().expect("entries").iter().map(|e| e["action"].as_str().unwrap_or("")).collect();
    assert!(actions.contains(&"auth.password_change") && actions.contains(&"auth.logout"), "{actions:?}");
    assert!(!audit.to_string().contains("brand new"), "no password in the audit log");
    server.stop().await;
}

/// Only a city manager grants, changes, resets or removes the city_manager role (§VIII): IT
/// cannot make itself the approver of exceptions. Operator tokens are marked in the audit log.
async fn only_a_city_manager_grants_the_city_manager_role(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let it = server.token(Role::ItAdmin, None);
    let cm = server.token(Role::CityManager, None);
    let new = |email: &str, role: &str| json!({"email": email, "role": role});
    let res = server.send("POST", "/v1/admin/users", Some(&it), &new("deputy@redondo.org", "city_manager")).await;
    assert_eq!(res.status, 403);
    assert!(res.text().contains("only a city manager"), "{}", res.text());
    assert_eq!(server.send("POST", "/v1/admin/users", Some(&it), &new("clerk@redondo.org", "auditor")).await.status, 201);
    assert_eq!(server.send("PUT", "/v1/admin/users/clerk@redondo.org", Some(&it), &json!({"role": "city_manager"})).await.status, 403, "no promotion by IT");
    // A city manager grants it, and manages nothing else.
    assert_eq!(server.send("POST", "/v1/admin/users", Some(&cm), &new("deputy@redondo.org", "city_manager")).await.status, 201);
    assert_eq!(server.send("POST", "/v1/admin/users", Some(&cm), &new("helper@redondo.org", "it_admin")).await.status, 403);
    assert_eq!(server.send("PUT", "/v1/admin/users/clerk@redondo.org", Some(&cm), &json!({"role": "auditor"})).await.status, 403);
    assert_eq!(server.get("/v1/admin/users", Some(&cm)).await.status, 200);
    // IT can neither reset a city manager's password (and sign in as them) nor demote or delete one.
    assert_eq!(server.request("POST", "/v1/admin/users/deputy@redondo.org/password", Some(&it), &[], None).await.status, 403);
    assert_eq!(server.send("PUT", "/v1/admin/users/deputy@redondo.org", Some(&it), &json!({"role": "auditor"})).await.status, 403);
    assert_eq!(server.request("DELETE", "/v1/admin/users/deputy@redondo.org", Some(&it), &[], None).await.status, 403);
    assert_eq!(server.request("POST", "/v1/admin/users/deputy@redondo.org/password", Some(&cm), &[], None).await.status, 200);
    assert_eq!(server.send("PUT", "/v1/admin/users/deputy@redondo.org", Some(&cm), &json!({"role": "auditor"})).await.status, 200);

    let audit = server.get("/v1/admin/audit?action=user.", Some(&it)).await.json();
    let actors: Vec<&str> = audit["entries"].as_array().expect("entries").iter().filter_map(|e| e["actor"].as_str()).collect();
    assert!(actors.contains(&"city_manager@redondo.test (CLI token)") && actors.contains(&"it_admin@redondo.test (CLI token)"), "{actors:?}");
    assert!(!actors.contains(&"city_manager@redondo.test"), "an operator token never looks like the city manager's own session");
    server.stop().await;
}

/// A device token read out of the registry, or a lost laptop's: IT revokes it and it stops
/// working at once, while the rest of the department's devices go on.
async fn it_revokes_a_device_token(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let it = server.token(Role::ItAdmin, None);
    let issue = |sub: &str| server.state.tokens.issue(Role::Device, sub, Some("police"), 3600).expect("token").0;
    let (lost, kept) = (issue("laptop-17"), issue("laptop-18"));
    assert_eq!(server.get("/v1/policy", Some(&lost)).await.status, 200);
    let res = server.send("POST", "/v1/admin/tokens/revoke", Some(&it), &json!({"token": lost})).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["subject"], "laptop-17");
    assert_eq!(res.json()["newly_revoked"], true);
    let refused = server.get("/v1/policy", Some(&lost)).await;
    assert_eq!(refused.status, 401);
    assert!(refused.text().contains("revoked"), "{}", refused.text());
    let event = json!({"events": [{"id": "00000000-0000-4000-8000-000000000001", "kind": "visit_blocked", "time": lifeguard_server::lifecycle::rfc3339(time::OffsetDateTime::now_utc().unix_timestamp())}]});
    assert_eq!(server.send("POST", "/v1/reports", Some(&lost), &event).await.status, 401);
    assert_eq!(server.get("/v1/policy", Some(&kept)).await.status, 200);
    assert_eq!(server.send("POST", "/v1/reports", Some(&kept), &event).await.status, 200);
    // Again: nothing changes.
    assert_eq!(server.send("POST", "/v1/admin/tokens/revoke", Some(&it), &json!({"token": lost})).await.json()["newly_revoked"], false);
    // A second replica on the same database refuses it too (within policy_recheck_ms).
    let replica = site.start().await;
    assert_eq!(replica.get("/v1/policy", Some(&lost)).await.status, 401);
    assert_eq!(replica.get("/v1/policy", Some(&kept)).await.status, 200);
    replica.stop().await;
    // Not a token of this server, a console session, or not IT: refused.
    assert_eq!(server.send("POST", "/v1/admin/tokens/revoke", Some(&it), &json!({"token": "eyJhbGciOiJub25lIn0.e30."})).await.status, 422);
    let auditor = server.token(Role::Auditor, None);
    assert_eq!(server.send("POST", "/v1/admin/tokens/revoke", Some(&auditor), &json!({"token": kept})).await.status, 403);
    let audit = server.get("/v1/admin/audit?action=token.revoke", Some(&it)).await.json();
    assert_eq!(audit["entries"].as_array().map(Vec::len), Some(1), "{audit}");
    assert!(!audit.to_string().contains(&lost), "the token itself is never stored");
    server.stop().await;
}

/// `lifeguard token revoke` on the server, the token on standard input (never in the shell's
/// history): the same revocation as the API's, audited as made on the command line; a running
/// server and a new replica refuse the token; what is not a token of this server is refused
/// with the reason.
async fn the_cli_revokes_a_token_read_from_standard_input(backend: Backend) {
    use std::io::Write as _;
    let site = Site::new(backend).await;
    let server = site.start().await;
    let issue = |sub: &str| server.state.tokens.issue(Role::Device, sub, Some("police"), 3600).expect("token").0;
    let (lost, kept) = (issue("laptop-21"), issue("laptop-22"));
    assert_eq!(server.get("/v1/policy", Some(&lost)).await.status, 200);
    let data_dir = site.dir.path().to_str().expect("utf-8 path").to_owned();
    let revoke = |stdin: String, extra: &[&str]| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lifeguard"))
            .args(["token", "revoke", "--data-dir", &data_dir, "--database-url", &site.database_url])
            .args(extra)
            .env_remove("LIFEGUARD_CONFIG")
            .env("USER", "ops-admin")
            .env_remove("SUDO_USER")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn lifeguard");
        child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
        let out = child.wait_with_output().expect("wait");
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (ok, out, err) = revoke(format!("{lost}\n"), &[]);
    assert!(ok, "{err}");
    let printed: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(printed["subject"], "laptop-21");
    assert_eq!(printed["newly_revoked"], true);
    // A new replica refuses it at once; the running one within policy_recheck_ms (100 ms here).
    let replica = site.start().await;
    assert_eq!(replica.get("/v1/policy", Some(&lost)).await.status, 401);
    assert_eq!(replica.get("/v1/policy", Some(&kept)).await.status, 200);
    replica.stop().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while server.get("/v1/policy", Some(&lost)).await.status != 401 {
        assert!(std::time::Instant::now() < deadline, "the running server still accepts the revoked token");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let refused = server.get("/v1/policy", Some(&lost)).await;
    assert!(refused.text().contains("revoked"), "{}", refused.text());
    assert_eq!(server.get("/v1/policy", Some(&kept)).await.status, 200);
    // Again, from a file: nothing changes.
    let file = site.dir.path().join("lost-token.txt");
    std::fs::write(&file, &lost).expect("token file");
    let (ok, out, err) = revoke(String::new(), &["--token-file", file.to_str().expect("utf-8")]);
    assert!(ok, "{err}");
    assert_eq!(serde_json::from_str::<Value>(&out).expect("JSON")["newly_revoked"], false);
    // The same audit entry as the API's, marked as made on the command line.
    let it = server.token(Role::ItAdmin, None);
    let audit = server.get("/v1/admin/audit?action=token.revoke", Some(&it)).await.json();
    let entries = audit["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["actor"], "ops-admin (CLI)", "{audit}");
    assert_eq!(entries[0]["role"], "operator", "{audit}");
    assert!(!audit.to_string().contains(&lost), "the token itself is never stored");

    // Not a token, another deployment's (another key), expired, a console session, nothing.
    let other = lifeguard_server::tokens::Tokens::new(&[7u8; 64], "lifeguard", "lifeguard").issue(Role::Device, "x", Some("police"), 3600).expect("token").0;
    let expired = server.state.tokens.issue(Role::Device, "old", Some("police"), -3600).expect("token").0;
    let user = lifeguard_server::store::User { email: "it@redondo.test".into(), password_hash: String::new(), role: "it_admin".into(), department: None, session_epoch: 0, must_change_password: false };
    let session = server.state.tokens.issue_session(&user, Role::ItAdmin, 3600).expect("session").0;
    for (token, says) in [
        ("hello".to_owned(), "not a Lifeguard token"),
        ("eyJhbGciOiJub25lIn0.e30.".to_owned(), "not a Lifeguard token"),
        (other, "signature does not verify"),
        (expired, "expired"),
        (session, "console session"),
        (String::new(), "no token"),
    ] {
        let (ok, out, err) = revoke(token, &[]);
        assert!(!ok && out.is_empty(), "{says}: {out}");
        assert!(err.contains(says), "{says}: {err}");
    }
    let audit = server.get("/v1/admin/audit?action=token.revoke", Some(&it)).await.json();
    assert_eq!(audit["entries"].as_array().map(Vec::len), Some(1), "nothing else was revoked");
    server.stop().await;
}

/// A department head replaces the staff list of a tool IT restricted, and nothing else.
async fn department_heads_keep_tool_staff_lists(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let it = server.token(Role::ItAdmin, None);
    let head = server.token(Role::DeptHead, Some("planning"));
    let tool = json!({"name": "Copilot", "hosts": ["m365.cloud.microsoft"], "departments": ["planning", "information-technology"], "users": ["jane@redondo.org"], "policy_ref": "APP 04.05 §IV.1"});
    assert_eq!(server.send("PUT", "/v1/admin/draft/authorized_tools/copilot", Some(&it), &tool).await.status, 200);
    // Another department's restricted tool is not this head's to keep.
    let police_tool = json!({"name": "Axon Draft One", "hosts": ["draftone.example"], "departments": ["police"], "users": ["chief@redondo.org"], "policy_ref": "APP 04.05 §IV.5"});
    assert_eq!(server.send("PUT", "/v1/admin/draft/authorized_tools/draft-one", Some(&it), &police_tool).await.status, 200);
    let theirs = server.send("PUT", "/v1/admin/tools/draft-one/staff", Some(&head), &json!({"users": ["planner@redondo.org"]})).await;
    assert_eq!(theirs.status, 403, "{}", theirs.text());
    assert!(theirs.text().contains("police"), "{}", theirs.text());
    let police_head = server.token(Role::DeptHead, Some("police"));
    assert_eq!(server.send("PUT", "/v1/admin/tools/draft-one/staff", Some(&police_head), &json!({"users": ["chief@redondo.org", "sgt@redondo.org"]})).await.status, 200);

    let res = server.send("PUT", "/v1/admin/tools/copilot/staff", Some(&head), &json!({"users": ["jane@redondo.org", " Planner@Redondo.org ", "planner@redondo.org"]})).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["users"], json!(["jane@redondo.org", "planner@redondo.org"]));
    assert_eq!(res.json()["hosts"], json!(["m365.cloud.microsoft"]), "nothing else changed");
    let draft = server.get("/v1/admin/draft/authorized_tools", Some(&it)).await.json();
    let saved = draft.as_array().expect("tools").iter().find(|t| t["id"] == "copilot").cloned().expect("copilot");
    assert_eq!(saved["users"], json!(["jane@redondo.org", "planner@redondo.org"]));

    // A bad address is refused with the policy's own validation (422, naming the problem).
    let bad = server.send("PUT", "/v1/admin/tools/copilot/staff", Some(&head), &json!({"users": ["not an address"]})).await;
    assert_eq!(bad.status, 422, "{}", bad.text());
    assert!(bad.json()["problems"].as_array().is_some_and(|p| !p.is_empty()));
    // The city's tool for everyone cannot be narrowed by a department head.
    let open = server.send("PUT", "/v1/admin/tools/city-enterprise-ai/staff", Some(&head), &json!({"users": ["planner@redondo.org"]})).await;
    assert_eq!(open.status, 403, "{}", open.text());
    assert_eq!(server.send("PUT", "/v1/admin/tools/nope/staff", Some(&head), &json!({"users": []})).await.status, 404);
    for role in [Role::Auditor, Role::CityManager] {
        let t = server.token(role, None);
        assert_eq!(server.send("PUT", "/v1/admin/tools/copilot/staff", Some(&t), &json!({"users": []})).await.status, 403);
    }
    // Emptying the list of a tool that names no department would open it to everyone.
    let only_users = json!({"name": "Otter", "hosts": ["otter.ai"], "users": ["jane@redondo.org"], "policy_ref": "APP 04.05 §IV.1"});
    assert_eq!(server.send("PUT", "/v1/admin/draft/authorized_tools/otter", Some(&it), &only_users).await.status, 200);
    assert_eq!(server.send("PUT", "/v1/admin/tools/otter/staff", Some(&head), &json!({"users": []})).await.status, 409);

    let audit = server.get("/v1/admin/audit?action=draft.authorized_tools.staff", Some(&it)).await.json();
    let entries = audit["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "the planning head's copilot change and the police head's, nothing of the refused one");
    // Operator tokens (`lifeguard token issue`, as these) are marked as such.
    assert!(entries.iter().all(|e| e["actor"] == "dept_head@redondo.test (CLI token)"), "{audit}");
    let targets: Vec<&str> = entries.iter().filter_map(|e| e["target"].as_str()).collect();
    assert!(targets.contains(&"authorized_tools/copilot") && targets.contains(&"authorized_tools/draft-one"), "{targets:?}");
    server.stop().await;
}

/// The console's files come with a strict CSP, and only the listed files are served.
async fn console_pages_carry_security_headers(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    // `/admin` redirects to `/admin/` (the client follows it).
    let redirected = server.get("/admin", None).await;
    assert_eq!(redirected.status, 200);
    assert!(redirected.text().contains("js/main.js"));
    let index = server.get("/admin/", None).await;
    assert_eq!(index.status, 200);
    assert!(index.text().contains(r#"<script type="module" src="js/main.js">"#));
    let csp = index.header("content-security-policy").expect("csp");
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe"), "{csp}");
    assert_eq!(index.header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(index.header("referrer-policy").as_deref(), Some("no-referrer"));
    let js = server.get("/admin/js/main.js", None).await;
    assert_eq!(js.header("content-type").as_deref(), Some("text/javascript; charset=utf-8"));
    assert!(js.header("content-security-policy").is_some());
    assert_eq!(server.get("/admin/vendor/chart.umd.min.js", None).await.status, 200);
    assert_eq!(server.get("/admin/../src/main.rs", None).await.status, 404);
    assert_eq!(server.get("/admin/js/nope.js", None).await.status, 404);
    server.stop().await;
}

on_both_databases!(
    console_accounts_are_managed_by_it,
    sessions_end_with_their_account,
    only_a_city_manager_grants_the_city_manager_role,
    it_revokes_a_device_token,
    the_cli_revokes_a_token_read_from_standard_input,
    department_heads_keep_tool_staff_lists,
    console_pages_carry_security_headers,
    the_server_hosts_the_extension_for_force_install,
    the_console_lists_devices_by_when_they_last_synced
);

/// IT self-hosts the extension: once the build's CRX and extension.json are in the data
/// folder, browsers get an update manifest naming this server and the CRX itself.
async fn the_server_hosts_the_extension_for_force_install(backend: Backend) {
    let site = Site::new(backend).await;
    let mut config = site.config();
    config.public_url = Some("https://lifeguard.city.example".into());
    let server = site.start_with(config).await;
    let missing = server.get("/extension/update.xml", None).await;
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("not published"), "{}", missing.text());
    let folder = site.dir.path().join("extension");
    std::fs::create_dir_all(&folder).expect("folder");
    std::fs::write(folder.join("lifeguard.crx"), b"Cr24\x03\x00\x00\x00test").expect("crx");
    std::fs::write(folder.join("extension.json"), br#"{"id": "nfackbfoghckfggakoiamglefkleoojh", "version": "0.1.0"}"#).expect("info");
    let xml = server.get("/extension/update.xml", None).await;
    assert_eq!(xml.status, 200);
    assert_eq!(xml.header("content-type").as_deref(), Some("application/xml"));
    let text = xml.text();
    assert!(text.contains("appid='nfackbfoghckfggakoiamglefkleoojh'") && text.contains("version='0.1.0'"), "{text}");
    assert!(text.contains("codebase='https://lifeguard.city.example/extension/lifeguard.crx'"), "{text}");
    // A client's Host or X-Forwarded-Host never moves where browsers fetch the extension.
    for header in ["host", "x-forwarded-host", "forwarded"] {
        let value = if header == "forwarded" { "host=evil.example;proto=https" } else { "evil.example" };
        let spoofed = server.request("GET", "/extension/update.xml", None, &[(header, value)], None).await;
        assert_eq!(spoofed.status, 200);
        assert!(!spoofed.text().contains("evil.example") && spoofed.text().contains("https://lifeguard.city.example/"), "{header}: {}", spoofed.text());
    }
    let crx = server.get("/extension/lifeguard.crx", None).await;
    assert_eq!((crx.status, crx.body.as_slice()), (200, &b"Cr24\x03\x00\x00\x00test"[..]));
    // A tampered extension.json is not echoed into XML.
    std::fs::write(folder.join("extension.json"), br#"{"id": "x' onload='y", "version": "1"}"#).expect("info");
    assert_eq!(server.get("/extension/update.xml", None).await.status, 500);
    server.stop().await;
    // Listening on every interface with no public URL: a clear refusal, not a guess.
    std::fs::write(folder.join("extension.json"), br#"{"id": "nfackbfoghckfggakoiamglefkleoojh", "version": "0.1.0"}"#).expect("info");
    let server = site.start().await;
    let unnamed = server.get("/extension/update.xml", None).await;
    assert_eq!(unnamed.status, 404);
    assert!(unnamed.text().contains("public_url"), "{}", unnamed.text());
    server.stop().await;
}


/// Devices fetching the policy (200 or 304) are remembered in memory and, once flushed, listed
/// with their department and policy version, oldest first; `stale_days` keeps only those
/// silent that long; a department head sees their own department's devices; an auditor may
/// read; a device may not.
async fn the_console_lists_devices_by_when_they_last_synced(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let it = server.token(Role::ItAdmin, None);
    let issue = |sub: &str, dept: &str| server.state.tokens.issue(Role::Device, sub, Some(dept), 3600).expect("token").0;
    let (laptop, kiosk) = (issue("laptop-17", "police"), issue("kiosk-2", "library"));

    // The kiosk's extension was installed by policy: its network check is on, and says so.
    let first = server.request("GET", "/v1/policy", Some(&kiosk), &[("Lifeguard-Network-Guard", "on")], None).await;
    assert_eq!(first.status, 200);
    let etag = first.header("etag").expect("etag");
    let version: i64 = first.header("x-lifeguard-policy-version").expect("version").parse().expect("a number");
    let again = server.request("GET", "/v1/policy", Some(&kiosk), &[("If-None-Match", etag.as_str()), ("Lifeguard-Network-Guard", "on")], None).await;
    assert_eq!(again.status, 304);
    // The laptop first did not say (an older extension), then said off (an unpacked load):
    // the later sighting wins.
    assert_eq!(server.get("/v1/policy", Some(&laptop)).await.status, 200);
    assert_eq!(server.request("GET", "/v1/policy", Some(&laptop), &[("Lifeguard-Network-Guard", "off")], None).await.status, 200);
    // Anything else is refused, and not noted.
    for bad in ["yes", "ON ", ""] {
        let res = server.request("GET", "/v1/policy", Some(&issue("tablet-4", "police")), &[("Lifeguard-Network-Guard", bad)], None).await;
        assert_eq!(res.status, 400, "{bad:?}: {}", res.text());
        assert!(res.json()["error"].as_str().is_some_and(|e| e.contains("Lifeguard-Network-Guard")), "{}", res.text());
    }

    // Nothing is written per request: only a flush puts the sightings in the database.
    assert_eq!(server.get("/v1/admin/devices", Some(&it)).await.json(), json!({"devices": []}));
    assert_eq!(server.state.devices.flush(&*server.state.store).await.expect("flush"), 2);
    assert_eq!(server.state.devices.flush(&*server.state.store).await.expect("empty flush"), 0);

    let res = server.get("/v1/admin/devices", Some(&it)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let devices = res.json()["devices"].as_array().expect("devices").clone();
    let mut names: Vec<&str> = devices.iter().map(|d| d["device"].as_str().expect("device")).collect();
    names.sort_unstable();
    assert_eq!(names, ["kiosk-2", "laptop-17"]);
    for d in &devices {
        let department = if d["device"] == "kiosk-2" { "library" } else { "police" };
        assert_eq!(d["department"], department, "{d}");
        assert_eq!(d["policy_version"], version, "{d}");
        assert!(d["last_seen"].as_str().is_some_and(|t| t.ends_with('Z')), "{d}");
        assert_eq!(d["network_guard"], d["device"] == "kiosk-2", "{d}");
    }

    // An older sighting flushed later (another replica) does not move a device back in time,
    // and the list is oldest first.
    let old = lifeguard_server::store::DeviceSeen { device: "laptop-17".into(), department: Some("police".into()), policy_version: Some(1), last_seen: 1_000, network_guard: Some(true) };
    let gone = lifeguard_server::store::DeviceSeen { device: "desk-9".into(), department: Some("police".into()), policy_version: Some(1), last_seen: 86_400, network_guard: None };
    server.state.store.touch_devices(&[old, gone]).await.expect("touch");
    let list = server.get("/v1/admin/devices", Some(&it)).await.json();
    assert_eq!(list["devices"][0]["device"], "desk-9");
    assert_eq!(list["devices"][0]["last_seen"], "1970-01-02T00:00:00Z");
    assert_eq!(list["devices"][0]["network_guard"], Value::Null, "not said");
    let laptop_row = list["devices"].as_array().expect("devices").iter().find(|d| d["device"] == "laptop-17").expect("laptop").clone();
    assert_ne!(laptop_row["last_seen"], "1970-01-01T00:16:40Z", "the later sighting stays");
    assert_eq!(laptop_row["network_guard"], false, "with its network check as then");

    // Only devices silent for 7 days: the one seen in 1970.
    let stale = server.get("/v1/admin/devices?stale_days=7", Some(&it)).await.json();
    assert_eq!(stale["devices"].as_array().expect("devices").len(), 1, "{stale}");
    assert_eq!(stale["devices"][0]["device"], "desk-9");

    let parks = server.token(Role::DeptHead, Some("parks"));
    assert_eq!(server.get("/v1/admin/devices", Some(&parks)).await.json(), json!({"devices": []}));
    assert_eq!(server.get("/v1/admin/devices?department=police", Some(&parks)).await.status, 403);
    let police = server.token(Role::DeptHead, Some("police"));
    let own = server.get("/v1/admin/devices", Some(&police)).await.json();
    assert!(own["devices"].as_array().expect("devices").iter().all(|d| d["department"] == "police") && own["devices"].as_array().is_some_and(|a| a.len() == 2), "{own}");

    let auditor = server.get("/v1/admin/devices?stale_days=0", Some(&server.token(Role::Auditor, None))).await;
    assert_eq!(auditor.status, 200, "{}", auditor.text());
    assert_eq!(server.get("/v1/admin/devices", Some(&laptop)).await.status, 403);
    assert_eq!(server.get("/v1/admin/devices?stale_days=-1", Some(&it)).await.status, 400);
    server.stop().await;
}
