//! Hostile URLs: deciding never panics, and a URL that decides gives the same decision when
//! re-serialised (the browser's canonical form), so no spelling decides differently.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use lifeguard_core::{Engine, Visit};

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(Engine::default_city)
}

fuzz_target!(|data: &[u8]| {
    let Ok(url) = std::str::from_utf8(data) else { return };
    let visit = Visit { url, department: Some("police"), user: None, user_hash: None, now: 1_780_000_000 };
    if let Ok(d) = engine().decide(&visit) {
        if let Ok(parsed) = lifeguard_core::decide::parse_url(url) {
            let again = engine().decide(&Visit { url: parsed.as_str(), ..visit }).expect("canonical form decides");
            assert_eq!(d.action, again.action, "{url} vs {parsed}");
            assert_eq!(d.rule, again.rule);
        }
    }
});
