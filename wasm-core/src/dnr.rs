//! Compiles the policy, for one visitor, into Chrome `declarativeNetRequest` rules.
//!
//! The extension installs these as dynamic rules so the browser itself stops a navigation
//! before any page script runs. Each rule covers compiled host entries; its priority
//! encodes the same precedence the engine's own decisions use (layer, then host length,
//! then path length), so that for every URL the highest-priority matching DNR rule is the
//! entry [`crate::Engine::decide`] would pick. Block and warn rules redirect main-frame
//! and sub-frame navigations to the extension's pages with the original URL in the fragment;
//! the page asks the engine again for the rule and its message. Hosts that share a priority,
//! path and outcome share one rule, so any number of host rules compiles to a few hundred DNR
//! rules (Chrome allows 1,000 regex rules and 5,000 redirects); each distinct path prefix
//! needs a rule of its own.
//!
//! An authorized tool with tenant restrictions adds, for the visitors it authorizes, one
//! `modifyHeaders` rule per vendor that sets the vendor's header on every request to the
//! vendor's hosts (and `block` rules for its signed-out endpoints), above every allow, so
//! no allow rule can switch them off.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::decide::{HostIndex, Layer};
use crate::policy::{Policy, PolicyError, Problem, ProblemKind, SiteAction, TenantHeader};

/// Chrome's limit on dynamic rules with a `regexFilter` (every navigation rule has one).
pub const CHROME_MAX_REGEX_RULES: usize = 1000;
/// Chrome's limit on dynamic "unsafe" rules (`redirect`, `modifyHeaders`).
pub const CHROME_MAX_UNSAFE_RULES: usize = 5000;

/// Priority of tenant-restriction rules: above every navigation rule and the warn page's
/// temporary allows (which would otherwise stop lower `modifyHeaders` rules).
pub const TENANT_PRIORITY: u32 = 100_000_000;

/// Every resource type, so a header reaches documents, frames, fetches and subresources.
const ALL_RESOURCE_TYPES: &[&str] = &[
    "main_frame", "sub_frame", "stylesheet", "script", "image", "font", "object", "xmlhttprequest", "ping", "csp_report", "media", "websocket", "webtransport", "webbundle", "other",
];

/// Where the extension's pages are.
#[derive(Debug, Clone, Copy)]
pub struct DnrOptions<'a> {
    /// Full URL of the block page, e.g. `chrome-extension://<id>/pages/block.html`.
    pub block_page: &'a str,
    /// Full URL of the warn page.
    pub warn_page: &'a str,
    /// The id of the first rule; rules are numbered from it.
    pub first_id: u32,
}

/// The compiled rules and when they need compiling again.
#[derive(Debug, Clone, Serialize)]
pub struct DnrRuleset {
    /// The rules, ready for `chrome.declarativeNetRequest.updateDynamicRules`.
    pub rules: Vec<DnrRule>,
    /// The next time (Unix seconds) an exception, pilot or suspension starts or ends, when
    /// the rules must be compiled again.
    pub next_change_at: Option<i64>,
}

/// One declarativeNetRequest rule.
#[derive(Debug, Clone, Serialize)]
pub struct DnrRule {
    /// Rule id (unique within the ruleset).
    pub id: u32,
    /// Higher wins.
    pub priority: u32,
    /// What to do.
    pub action: DnrAction,
    /// When.
    pub condition: DnrCondition,
}

/// A rule's action.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DnrAction {
    /// `redirect`, `allow`, `block` or `modifyHeaders`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// For redirects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect: Option<DnrRedirect>,
    /// For `modifyHeaders`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_headers: Option<Vec<DnrHeader>>,
}

/// A request header a `modifyHeaders` rule sets.
#[derive(Debug, Clone, Serialize)]
pub struct DnrHeader {
    /// The header's name.
    pub header: &'static str,
    /// Always `set`: a value the page or another extension sent is replaced, never appended to.
    pub operation: &'static str,
    /// The value.
    pub value: String,
}

/// A redirect target.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DnrRedirect {
    /// The block or warn page with the deciding layer and, through `\0`, the original URL.
    pub regex_substitution: String,
}

/// A rule's condition.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DnrCondition {
    /// The hosts (each with its subdomains).
    pub request_domains: Vec<String>,
    /// The URL pattern (RE2), matched case-insensitively, for navigation rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regex_filter: Option<String>,
    /// A plain URL filter (`||host/path`), for tenant rules' signed-out endpoints.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url_filter: Option<String>,
    /// Navigations for navigation rules; every type for tenant rules.
    pub resource_types: Vec<&'static str>,
}

/// What one entry becomes for this visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Allow,
    Redirect { block: bool, source: &'static str },
}

/// Hosts that share a priority, path and outcome: one navigation rule each.
type Groups<'p> = BTreeMap<(u32, &'p str, Outcome), Vec<&'p str>>;

/// The navigation rules for this visitor, as groups of hosts.
fn groups<'p>(policy: &'p Policy, index: &'p HostIndex, department: Option<&str>, user: Option<&str>, user_hash: Option<&str>, now: i64) -> Groups<'p> {
    let mut groups: Groups<'p> = BTreeMap::new();
    for_each_entry(policy, index, department, user, user_hash, now, |key, host| groups.entry(key).or_default().push(host));
    groups
}

/// Calls `f` with the rule key (priority, path, outcome) and host of every index entry that
/// applies to this visitor.
fn for_each_entry<'p>(policy: &'p Policy, index: &'p HostIndex, department: Option<&str>, user: Option<&str>, user_hash: Option<&str>, now: i64, mut f: impl FnMut((u32, &'p str, Outcome), &'p str)) {
    let suspension = policy.suspension_for(department, user, user_hash, now);
    for (host, entries) in &index.map {
        for e in entries {
            let t = e.target as usize;
            let (layer, outcome) = if suspension.is_some() {
                (Layer::Grant as u32 + 1, Outcome::Redirect { block: true, source: "suspension" })
            } else {
                match e.layer {
                    Layer::CityRule | Layer::DepartmentRule => {
                        let r = &policy.site_rules[t];
                        if let Some(d) = r.department {
                            if !department.is_some_and(|x| x.trim().eq_ignore_ascii_case(&policy.departments[d].id)) {
                                continue;
                            }
                        }
                        let source = if r.department.is_some() { "department_rule" } else { "city_rule" };
                        let outcome = match r.action {
                            SiteAction::Allow => Outcome::Allow,
                            SiteAction::Block => Outcome::Redirect { block: true, source },
                            SiteAction::Warn => Outcome::Redirect { block: false, source },
                        };
                        (e.layer as u32, outcome)
                    }
                    Layer::Tool => {
                        let tool = &policy.tools[t];
                        if tool.audience.is_empty() || tool.audience.includes(department, user) {
                            (Layer::Tool as u32, Outcome::Allow)
                        } else {
                            (Layer::RestrictedTool as u32, Outcome::Redirect { block: true, source: "restricted_tool" })
                        }
                    }
                    Layer::Grant => {
                        let g = &policy.grants[t];
                        if !(g.active(now) && g.audience.includes(department, user)) {
                            continue;
                        }
                        (Layer::Grant as u32, Outcome::Allow)
                    }
                    Layer::RestrictedTool => continue,
                }
            };
            let priority = (layer + 1) * 1_000_000 + (host.len() as u32).min(999) * 1000 + (e.path.len() as u32).min(999);
            f((priority, &e.path, outcome), host);
        }
    }
}

pub(crate) fn compile(policy: &Policy, index: &HostIndex, department: Option<&str>, user: Option<&str>, user_hash: Option<&str>, now: i64, opts: &DnrOptions<'_>) -> DnrRuleset {
    let groups = groups(policy, index, department, user, user_hash, now);
    let mut rules = Vec::with_capacity(groups.len());
    for (id, ((priority, path, outcome), mut hosts)) in (opts.first_id..).zip(groups.into_iter().rev()) {
        hosts.sort_unstable();
        let action = match outcome {
            Outcome::Allow => DnrAction { kind: "allow", redirect: None, request_headers: None },
            Outcome::Redirect { block, source } => DnrAction {
                kind: "redirect",
                redirect: Some(DnrRedirect {
                    regex_substitution: format!("{}?source={source}#\\0", if block { opts.block_page } else { opts.warn_page }),
                }),
                request_headers: None,
            },
        };
        rules.push(DnrRule {
            id,
            priority,
            action,
            condition: DnrCondition {
                // Each host also behind Google Translate's proxy (`chatgpt-com.translate.goog`),
                // which serves the site itself; the extension catches proxied subdomains.
                request_domains: hosts.iter().map(|h| (*h).to_owned()).chain(hosts.iter().filter_map(|h| crate::decide::translate_proxy_host(h))).collect(),
                regex_filter: Some(if path.is_empty() {
                    "^.+$".to_owned()
                } else {
                    format!("^[a-z]+://[^/?#]+{}(?:(?:[/;?#]|%2f).*)?$", path_re2(path))
                }),
                url_filter: None,
                resource_types: vec!["main_frame", "sub_frame"],
            },
        });
    }
    let first_tenant_id = opts.first_id + rules.len() as u32;
    rules.extend(tenant_rules(policy, department, user, first_tenant_id));
    DnrRuleset { rules, next_change_at: next_change(policy, now) }
}

/// The tenant headers of the tools that authorize this visitor.
fn tenant_headers<'p>(policy: &'p Policy, department: Option<&str>, user: Option<&str>) -> Vec<&'p TenantHeader> {
    policy.tools.iter().filter(|t| t.audience.is_empty() || t.audience.includes(department, user)).flat_map(|t| &t.tenant).collect()
}

/// The tenant-restriction rules of the tools that authorize this visitor.
fn tenant_rules(policy: &Policy, department: Option<&str>, user: Option<&str>, first_id: u32) -> Vec<DnrRule> {
    let headers = tenant_headers(policy, department, user);
    let mut rules = Vec::new();
    let mut id = first_id;
    let mut push = |action: DnrAction, request_domains: Vec<String>, url_filter: Option<String>| {
        rules.push(DnrRule {
            id,
            priority: TENANT_PRIORITY,
            action,
            condition: DnrCondition { request_domains, regex_filter: None, url_filter, resource_types: ALL_RESOURCE_TYPES.to_vec() },
        });
        id += 1;
    };
    for h in headers {
        let domains: Vec<String> = h.vendor.domains().iter().map(|d| (*d).to_owned()).collect();
        let set = DnrHeader { header: h.vendor.header(), operation: "set", value: h.value.clone() };
        push(DnrAction { kind: "modifyHeaders", redirect: None, request_headers: Some(vec![set]) }, domains, None);
        for domain in h.vendor.domains() {
            for path in h.vendor.signed_out_paths() {
                push(DnrAction { kind: "block", redirect: None, request_headers: None }, vec![(*domain).to_owned()], Some(format!("||{domain}{path}")));
            }
        }
    }
    rules
}

/// Whether the rules this policy compiles to, for a visitor of no department and of each
/// department at `now`, stay within Chrome's limits; past them Chrome refuses the whole
/// update and the browser keeps stale rules. The problem says what to change.
/// Counted from the groups [`compile`] would turn into rules, without building them.
pub(crate) fn check_limits(policy: &Policy, index: &HostIndex, now: i64) -> Result<(), PolicyError> {
    let visitors = std::iter::once(None).chain(policy.departments.iter().map(|d| Some(d.id.as_str())));
    let mut problems = Vec::new();
    for department in visitors {
        let mut keys = std::collections::BTreeSet::new();
        for_each_entry(policy, index, department, None, None, now, |key, _| {
            keys.insert(key);
        });
        // Every navigation rule has a regexFilter; redirects and header rules are "unsafe".
        let regex = keys.len();
        let redirects = keys.iter().filter(|(_, _, o)| matches!(o, Outcome::Redirect { .. })).count();
        let unsafe_rules = redirects + tenant_headers(policy, department, None).len();
        let whom = department.map_or_else(|| "staff of no department".to_owned(), |d| format!("department `{d}`"));
        if regex > CHROME_MAX_REGEX_RULES {
            problems.push(Problem::new(
                ProblemKind::Invalid,
                "site_rules".into(),
                format!("for {whom} this policy compiles to {regex} browser rules with URL patterns; Chrome allows {CHROME_MAX_REGEX_RULES} and would refuse them all. Each distinct path prefix needs its own: block whole hosts, or use fewer path prefixes"),
            ));
        } else if unsafe_rules > CHROME_MAX_UNSAFE_RULES {
            problems.push(Problem::new(ProblemKind::Invalid, "site_rules".into(), format!("for {whom} this policy compiles to {unsafe_rules} redirect and header rules; Chrome allows {CHROME_MAX_UNSAFE_RULES}")));
        }
        if !problems.is_empty() {
            break; // one visitor says enough
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(PolicyError::new(problems)) }
}

/// The next start or end of a grant or suspension after `now`.
fn next_change(policy: &Policy, now: i64) -> Option<i64> {
    let grants = policy.grants.iter().flat_map(|g| [g.starts_at, Some(g.expires_at)]);
    let suspensions = policy.suspensions.iter().flat_map(|s| [s.starts_at, s.expires_at]);
    grants.chain(suspensions).flatten().filter(|&t| t > now).min()
}

/// The RE2 pattern for a canonical path prefix: metacharacters escaped, and each unreserved
/// character also accepted percent-encoded, as [`crate::decide::path_matches`] does. The
/// rules are matched case-insensitively, which covers letter case and hex digits.
fn path_re2(path: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(path.len() * 12);
    for c in path.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~') {
            let escape = if c == '.' { "\\" } else { "" };
            let _ = write!(out, "(?:{escape}{c}|%{:02x})", c as u32);
        } else {
            if "\\.+*?()|[]{}^$".contains(c) {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}
