//! Any bytes as a policy: parsing and validation return an error or a policy, never panic,
//! and a policy that validates survives a round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lifeguard_core::Policy;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(policy) = Policy::from_json(text) {
        let again = Policy::from_json(&policy.to_json()).expect("a valid policy re-validates");
        assert_eq!(policy.raw(), again.raw());
        let engine = lifeguard_core::Engine::new(policy);
        let _ = engine.dnr_rules(Some("police"), None, None, 0, &lifeguard_core::DnrOptions { block_page: "b", warn_page: "w", first_id: 1 });
    }
});
