//! What of a policy each reader may see (§VII: suspensions are HR matters).
//!
//! Devices get the policy as published minus what they do not need to match: a suspension's
//! addresses become salted hashes (`user_hashes`, with one fresh `suspension_salt` per
//! version) and its `reason` and `suspended_by` are dropped. The extension hashes the
//! visitor's address with the same salt (SHA-256 of the salt, a line feed and the lower-case
//! address) and the engine compares hashes. The salt keeps one version's hashes from being
//! compared with another's or looked up in a table made in advance; it does not stop
//! someone holding both a bundle and the staff directory from hashing every address in it,
//! which is why the reasons are left out entirely.
//!
//! In the console, only IT and the City Manager read suspension reasons; department heads
//! and auditors see that a suspension exists, whom and when, not why.

use rand::RngCore as _;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::auth::Principal;
use crate::access::Action;

/// The hash devices match a suspended address by: lower-case hex SHA-256 of `salt`, `\n`
/// and the trimmed, lower-case address.
pub fn user_hash(salt: &str, email: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(b"\n");
    h.update(email.trim().to_lowercase().as_bytes());
    hex(&h.finalize())
}

/// Lower-case hex, two digits a byte.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh salt: 16 random bytes, hex.
pub fn new_salt() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// The document devices receive for a published `doc`: every suspension's `users` hashed
/// with `salt` (or the salt the document already carries) into `user_hashes`, its
/// `reason` and `suspended_by` removed. A document without user suspensions gets no salt.
pub fn for_devices(doc: &Value, salt: &str) -> Value {
    let mut out = doc.clone();
    let salt = doc.get("suspension_salt").and_then(Value::as_str).unwrap_or(salt).to_owned();
    let mut hashed = false;
    if let Some(list) = out.get_mut("suspensions").and_then(Value::as_array_mut) {
        for s in list.iter_mut().filter_map(Value::as_object_mut) {
            s.remove("reason");
            s.remove("suspended_by");
            let users = match s.remove("users") {
                Some(Value::Array(users)) => users,
                _ => Vec::new(),
            };
            let mut hashes: Vec<String> = match s.remove("user_hashes") {
                Some(Value::Array(h)) => h.into_iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
                _ => Vec::new(),
            };
            hashes.extend(users.iter().filter_map(Value::as_str).map(|u| user_hash(&salt, u)));
            // Sorted, so the order of the hashes says nothing about the order of the names.
            hashes.sort_unstable();
            hashes.dedup();
            if !hashes.is_empty() {
                hashed = true;
                s.insert("user_hashes".into(), Value::from(hashes));
            }
        }
    }
    if let Some(obj) = out.as_object_mut() {
        if hashed {
            obj.insert("suspension_salt".into(), Value::from(salt));
        } else {
            obj.remove("suspension_salt");
        }
    }
    out
}

/// Whether this console reader may read suspension reasons (IT and the City Manager).
pub fn reads_reasons(who: &Principal) -> bool {
    who.may(Action::ReadReasons)
}

/// Removes what `who` may not read from a policy document: the suspensions' reasons for
/// department heads and auditors.
pub fn redact_policy(who: &Principal, doc: &mut Value) {
    if reads_reasons(who) {
        return;
    }
    if let Some(list) = doc.get_mut("suspensions").and_then(Value::as_array_mut) {
        list.iter_mut().for_each(redact_suspension);
    }
}

/// Removes the reason from one suspension (a policy item or an audit entry's before/after).
pub fn redact_suspension(s: &mut Value) {
    if let Some(obj) = s.as_object_mut() {
        if obj.contains_key("reason") {
            obj.insert("reason".into(), Value::from("(shown to IT and the City Manager only)"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn devices_get_hashes_and_no_reasons() {
        let doc = json!({"schema_version": 1, "suspensions": [
            {"id": "s1", "users": ["Mallory@Redondo.org", "eve@redondo.org"], "reason": "HR case 12", "suspended_by": "IT Director", "policy_ref": "§VII"},
            {"id": "s2", "departments": ["fire"], "reason": "audit"}
        ]});
        let out = for_devices(&doc, "0123456789abcdef");
        let text = out.to_string();
        for secret in ["mallory", "Mallory", "eve@", "HR case", "IT Director", "audit"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(out["suspension_salt"], "0123456789abcdef");
        let mut want = vec![user_hash("0123456789abcdef", "mallory@redondo.org"), user_hash("0123456789abcdef", "eve@redondo.org")];
        want.sort();
        assert_eq!(out["suspensions"][0]["user_hashes"], json!(want));
        assert_eq!(out["suspensions"][0]["policy_ref"], "§VII");
        assert_eq!(out["suspensions"][1], json!({"id": "s2", "departments": ["fire"]}));
        // The engine reads it, and matches the hash of the address and nothing else.
        let engine = lifeguard_core::Engine::from_json(&out.to_string()).expect("the device view is a valid policy");
        let p = engine.policy();
        assert!(p.suspension_for(None, None, Some(&user_hash("0123456789abcdef", " MALLORY@redondo.org")), 0).is_some());
        assert!(p.suspension_for(None, Some("mallory@redondo.org"), None, 0).is_none());
        assert!(p.suspension_for(None, None, Some(&user_hash("another-salt-0000", "mallory@redondo.org")), 0).is_none());
    }

    #[test]
    fn known_hash() {
        // The same value the extension computes (tests/e2e) and wasm-core's fixture uses.
        assert_eq!(user_hash("fixture-salt-0123456789", "mallory@redondo.org"), "1ce973a638d067df0e416e68ce004c943ff8e41f36b34cfdbad1a3cdd41abec0");
    }

    #[test]
    fn no_user_suspension_no_salt() {
        let doc = json!({"schema_version": 1, "suspension_salt": "left-over-salt-000", "suspensions": [{"id": "s2", "departments": ["fire"]}]});
        assert!(for_devices(&doc, "0123456789abcdef").get("suspension_salt").is_none());
        assert!(for_devices(&json!({"schema_version": 1}), "0123456789abcdef").get("suspension_salt").is_none());
    }
}
