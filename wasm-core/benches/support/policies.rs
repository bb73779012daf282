//! Large policies for the size benchmarks (native and in Chromium): the default city policy
//! plus a county's imported blocklist.

use lifeguard_core::Policy;
use lifeguard_core::policy::raw::{RawPolicy, RawSiteRule};

/// The default policy plus `hosts` blocked hosts in rules of `per_rule` hosts each, as JSON
/// (what the server receives and the extension compiles).
pub fn county_blocklist(hosts: usize, per_rule: usize) -> String {
    let mut raw: RawPolicy = Policy::default_city().raw().clone();
    for r in 0..hosts.div_ceil(per_rule) {
        raw.site_rules.push(RawSiteRule {
            id: format!("county-{r}"),
            hosts: (r * per_rule..((r + 1) * per_rule).min(hosts)).map(|i| format!("tool{i}.ai-vendor{}.com", i % 97)).collect(),
            category: "general_purpose_ai".into(),
            action: if r % 3 == 0 { "warn".into() } else { "block".into() },
            message: "Not authorized.".into(),
            policy_ref: "APP 04.05 §IV.1".into(),
            ..RawSiteRule::default()
        });
    }
    serde_json::to_string(&raw).expect("serialises")
}
