//! The policy: parsed from JSON into [`raw`] types, then validated into [`Policy`].
//!
//! Validation checks every rule and collects every problem, each naming the rule (its list,
//! index and id) and the field, so an IT administrator can fix a whole draft at once.
//! Hosts are canonicalised the way a browser would (IDNA, lowercase, no trailing dot) so
//! that matching at decision time is a plain comparison.

pub mod raw;

mod error;
mod names;
mod tenant;

use std::collections::HashMap;

use serde::Serialize;

pub use error::{PolicyError, Problem, ProblemKind};
pub use names::{Category, ContentAction, SiteAction};
pub(crate) use names::{is_domain_name, path_unit};
pub use tenant::{TenantHeader, Vendor};

use crate::detect::{Detector, Severity};
use raw::{RawContentRule, RawPolicy, RawSiteRule};

/// The policy format this engine reads.
pub const SCHEMA_VERSION: u32 = 1;

/// The most host entries (each host once per path prefix of its rule) a policy may name, across
/// site rules, tools, exceptions and pilots: a county's imported blocklist fits, and checking
/// and compiling stay well under a second in every inspected page.
pub const MAX_HOST_ENTRIES: usize = 200_000;

/// The default city policy (APP 04.05), built into the engine.
#[cfg(not(target_arch = "wasm32"))]
pub const DEFAULT_POLICY_JSON: &str = include_str!("../../policy/default-policy.json");
/// The built-in default policy (policy/default-policy.json), without its layout (build.rs).
#[cfg(target_arch = "wasm32")]
pub const DEFAULT_POLICY_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/default-policy.min.json"));

/// A validated policy, ready to be compiled into an [`crate::Engine`].
#[derive(Debug, Clone)]
pub struct Policy {
    raw: RawPolicy,
    pub(crate) site_rules: Vec<SiteRule>,
    pub(crate) tools: Vec<Tool>,
    pub(crate) content_rules: Vec<ContentRule>,
    pub(crate) departments: Vec<Department>,
    pub(crate) grants: Vec<Grant>,
    pub(crate) suspensions: Vec<Suspension>,
}

/// Who a tool, exception, pilot or suspension applies to: listed departments and staff.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audience {
    /// Department ids (lowercase).
    pub departments: Vec<String>,
    /// Staff e-mail addresses (lowercase).
    pub users: Vec<String>,
}

impl Audience {
    /// Whether the audience names nobody (for tools: everyone is authorized).
    pub fn is_empty(&self) -> bool {
        self.departments.is_empty() && self.users.is_empty()
    }

    /// Whether the department or the user is in the audience. Case-insensitive, allocation-free.
    pub fn includes(&self, department: Option<&str>, user: Option<&str>) -> bool {
        department.is_some_and(|d| self.departments.iter().any(|x| x.eq_ignore_ascii_case(d.trim())))
            || user.is_some_and(|u| self.users.iter().any(|x| x.eq_ignore_ascii_case(u.trim())))
    }
}

/// A validated site rule.
#[derive(Debug, Clone)]
pub struct SiteRule {
    /// Unique id.
    pub id: String,
    /// Canonical hosts.
    pub hosts: Vec<String>,
    /// Canonical path prefixes, empty for the whole host.
    pub paths: Vec<String>,
    /// Category.
    pub category: Category,
    /// Action.
    pub action: SiteAction,
    /// Message for staff.
    pub message: String,
    /// Policy section.
    pub policy_ref: String,
    /// The department overlay that holds it (index into the departments), or `None` for a city rule.
    pub department: Option<usize>,
}

/// A validated authorized tool.
#[derive(Debug, Clone)]
pub struct Tool {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Canonical hosts.
    pub hosts: Vec<String>,
    /// Canonical path prefixes.
    pub paths: Vec<String>,
    /// Who may use it; empty means everyone.
    pub audience: Audience,
    /// Vendor documentation / AI Fact Sheet.
    pub documentation_url: Option<String>,
    /// CPRA notice.
    pub public_records_notice: String,
    /// Headers that restrict the vendor's hosts to the City's tenants; empty without.
    pub tenant: Vec<TenantHeader>,
    /// Policy section.
    pub policy_ref: String,
}

/// What a content rule selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// These detectors.
    Detectors(Vec<Detector>),
    /// Every finding at or above this severity.
    MinSeverity(Severity),
    /// Files that cannot be read, so nothing in them can be checked.
    UnreadableFiles,
}

/// A validated content rule.
#[derive(Debug, Clone)]
pub struct ContentRule {
    /// Unique id.
    pub id: String,
    /// What it selects.
    pub selector: Selector,
    /// Action on a hit.
    pub action: ContentAction,
    /// Message for staff.
    pub message: String,
    /// Policy section.
    pub policy_ref: String,
}

/// A validated department overlay.
#[derive(Debug, Clone)]
pub struct Department {
    /// Lowercase id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Content rules, applied before the city's.
    pub content_rules: Vec<ContentRule>,
}

/// Whether a grant is an exception or a pilot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantKind {
    /// An exception approved by the City Manager (§VIII).
    Exception,
    /// A pilot on public data (§IV.7).
    Pilot,
}

/// A validated exception or pilot: time-boxed permission for some people to use some hosts.
#[derive(Debug, Clone)]
pub struct Grant {
    /// Exception or pilot.
    pub kind: GrantKind,
    /// Unique id.
    pub id: String,
    /// Canonical hosts.
    pub hosts: Vec<String>,
    /// Canonical path prefixes.
    pub paths: Vec<String>,
    /// Who it applies to (never empty).
    pub audience: Audience,
    /// Who approved it.
    pub approved_by: String,
    /// Unix seconds it starts at.
    pub starts_at: Option<i64>,
    /// Unix seconds it ends at (exclusive).
    pub expires_at: i64,
    /// Policy section.
    pub policy_ref: String,
}

impl Grant {
    /// Whether it is in force at `now` (Unix seconds).
    pub fn active(&self, now: i64) -> bool {
        self.starts_at.is_none_or(|s| s <= now) && now < self.expires_at
    }
}

/// A validated suspension.
#[derive(Debug, Clone)]
pub struct Suspension {
    /// Unique id.
    pub id: String,
    /// Who is suspended.
    pub audience: Audience,
    /// Staff suspended, as salted hashes (lower-case hex SHA-256, see [`RawSuspension::user_hashes`]).
    pub user_hashes: Vec<String>,
    /// Why.
    pub reason: String,
    /// Unix seconds it starts at.
    pub starts_at: Option<i64>,
    /// Unix seconds it ends at, if it does.
    pub expires_at: Option<i64>,
    /// Policy section.
    pub policy_ref: String,
}

impl Suspension {
    /// Whether it is in force at `now` (Unix seconds).
    pub fn active(&self, now: i64) -> bool {
        self.starts_at.is_none_or(|s| s <= now) && self.expires_at.is_none_or(|e| now < e)
    }
}

impl Policy {
    /// Parses and validates a policy document.
    pub fn from_json(json: &str) -> Result<Policy, PolicyError> {
        let de = &mut serde_json::Deserializer::from_str(json);
        let raw: RawPolicy = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let kind = if inner.is_syntax() || inner.is_eof() { ProblemKind::Syntax } else { ProblemKind::Schema };
            PolicyError::single(Problem::new(kind, if path == "." { String::new() } else { path }, inner.to_string()))
        })?;
        Policy::validate(raw)
    }

    /// The default city policy built into the engine.
    pub fn default_city() -> Policy {
        Policy::from_json(DEFAULT_POLICY_JSON).expect("the built-in default policy is valid (tested)")
    }

    /// Validates a raw policy.
    pub fn validate(raw: RawPolicy) -> Result<Policy, PolicyError> {
        // Bounded before any per-host work.
        let entries = host_entries(&raw);
        if entries > MAX_HOST_ENTRIES {
            return Err(PolicyError::single(Problem::new(
                ProblemKind::Invalid,
                String::new(),
                format!("this policy names {entries} host entries (hosts, once per path prefix of their rule); Lifeguard allows {MAX_HOST_ENTRIES}: merge rules, or block whole hosts instead of paths"),
            )));
        }
        let mut v = Validator::default();
        if raw.schema_version != SCHEMA_VERSION {
            v.problem(
                ProblemKind::Invalid,
                "schema_version".into(),
                format!("this engine reads schema_version {SCHEMA_VERSION}, not {}", raw.schema_version),
            );
        }
        if let Some(t) = &raw.published_at {
            v.time("published_at", t, false);
        }
        let mut departments = Vec::new();
        let mut site_rules = Vec::new();
        // Where each valid rule is written, for the layers' duplicate check.
        let mut written = Vec::new();
        for (i, r) in raw.site_rules.iter().enumerate() {
            let at = format!("site_rules[{i}]");
            if let Some(rule) = v.site_rule(&at, r, None) {
                site_rules.push(rule);
                written.push(at);
            }
        }
        let mut layers = vec![(0, site_rules.len())];
        let mut dept_ids = HashMap::new();
        for (d, dept) in raw.departments.iter().enumerate() {
            let at = format!("departments[{d}]");
            let id = v.slug(&format!("{at}.id"), &dept.id);
            if let Some(prev) = dept_ids.insert(id.clone(), d) {
                v.problem(ProblemKind::Duplicate, format!("{at}.id"), format!("department `{id}` is also departments[{prev}]"));
            }
            let start = site_rules.len();
            for (i, r) in dept.site_rules.iter().enumerate() {
                let at = format!("{at}.site_rules[{i}]");
                if let Some(rule) = v.site_rule(&at, r, Some(departments.len())) {
                    site_rules.push(rule);
                    written.push(at);
                }
            }
            layers.push((start, site_rules.len()));
            let content_rules = v.content_rules(&format!("{at}.content_rules"), &dept.content_rules);
            departments.push(Department { id, name: dept.name.trim().to_owned(), content_rules });
        }
        for (start, end) in layers {
            v.unique_entries(&written[start..end], &site_rules[start..end]);
        }
        let mut tools = Vec::new();
        let mut tenant_claims = HashMap::new();
        for (i, t) in raw.authorized_tools.iter().enumerate() {
            let at = format!("authorized_tools[{i}]");
            v.id(&at, &t.id);
            if t.name.trim().is_empty() {
                v.problem(ProblemKind::Invalid, format!("{at} `{}`.name", t.id), "a tool needs a name".into());
            }
            let hosts = v.hosts(&at, &t.id, &t.hosts);
            let paths = v.paths(&at, &t.id, &t.paths);
            let audience = v.audience(&at, &t.id, &t.departments, &t.users);
            if let Some(url) = &t.documentation_url {
                if url::Url::parse(url).map(|u| !matches!(u.scheme(), "http" | "https")).unwrap_or(true) {
                    v.problem(ProblemKind::Invalid, format!("{at} `{}`.documentation_url", t.id), format!("`{url}` is not an http(s) URL"));
                }
            }
            v.policy_ref(&at, &t.id, &t.policy_ref);
            let tenant = t.tenant_restrictions.as_ref().map(|r| v.tenant_restrictions(&at, &t.id, r, &mut tenant_claims)).unwrap_or_default();
            tools.push(Tool {
                id: t.id.clone(),
                name: t.name.trim().to_owned(),
                hosts,
                paths,
                audience,
                documentation_url: t.documentation_url.clone(),
                public_records_notice: t.public_records_notice.clone(),
                tenant,
                policy_ref: t.policy_ref.clone(),
            });
        }
        let content_rules = v.content_rules("content_rules", &raw.content_rules);
        let mut grants = Vec::new();
        for (i, e) in raw.exceptions.iter().enumerate() {
            let at = format!("exceptions[{i}]");
            if let Some(t) = &e.approved_at {
                v.time(&format!("{at} `{}`.approved_at", e.id), t, false);
            }
            let g = v.grant(&at, GrantKind::Exception, &e.id, &e.hosts, &e.paths, &e.departments, &e.users, &e.approved_by, e.starts_at.as_deref(), &e.expires_at, &e.policy_ref);
            grants.push(g);
        }
        for (i, p) in raw.pilots.iter().enumerate() {
            let at = format!("pilots[{i}]");
            let g = v.grant(&at, GrantKind::Pilot, &p.id, &p.hosts, &p.paths, &p.departments, &p.users, &p.approved_by, p.starts_at.as_deref(), &p.expires_at, &p.policy_ref);
            grants.push(g);
        }
        let mut suspensions = Vec::new();
        for (i, s) in raw.suspensions.iter().enumerate() {
            let at = format!("suspensions[{i}]");
            v.id(&at, &s.id);
            let audience = v.audience(&at, &s.id, &s.departments, &s.users);
            for (j, h) in s.user_hashes.iter().enumerate() {
                if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
                    v.problem(ProblemKind::Invalid, format!("{at} `{}`.user_hashes[{j}]", s.id), "not a SHA-256 in lower-case hex (64 characters)".into());
                }
            }
            if !s.user_hashes.is_empty() && raw.suspension_salt.as_deref().is_none_or(|salt| salt.len() < 16) {
                v.problem(ProblemKind::Invalid, format!("{at} `{}`.user_hashes", s.id), "hashed users need the policy's `suspension_salt` (16 characters or more)".into());
            }
            if audience.is_empty() && s.user_hashes.is_empty() {
                v.problem(ProblemKind::Invalid, format!("{at} `{}`", s.id), "a suspension must name departments or users".into());
            }
            let starts_at = s.starts_at.as_deref().and_then(|t| v.time(&format!("{at} `{}`.starts_at", s.id), t, false));
            let expires_at = s.expires_at.as_deref().and_then(|t| v.time(&format!("{at} `{}`.expires_at", s.id), t, true));
            v.order(&at, &s.id, starts_at, expires_at);
            suspensions.push(Suspension {
                id: s.id.clone(),
                audience,
                user_hashes: s.user_hashes.clone(),
                reason: s.reason.clone(),
                starts_at,
                expires_at,
                policy_ref: if s.policy_ref.trim().is_empty() { "APP 04.05 §VII Enforcement".into() } else { s.policy_ref.clone() },
            });
        }
        for (i, x) in raw.known_ai_extensions.iter().enumerate() {
            if x.id.len() != 32 || !x.id.bytes().all(|b| (b'a'..=b'p').contains(&b)) {
                v.problem(ProblemKind::Invalid, format!("known_ai_extensions[{i}].id"), format!("`{}` is not a Chrome extension id (32 letters a-p)", x.id));
            }
        }
        if v.problems.is_empty() {
            Ok(Policy { raw, site_rules, tools, content_rules, departments, grants, suspensions })
        } else {
            Err(PolicyError::new(v.problems))
        }
    }

    /// The document as written (after parsing), for storage and re-publishing.
    pub fn raw(&self) -> &RawPolicy {
        &self.raw
    }

    /// The policy's own version.
    pub fn version(&self) -> u64 {
        self.raw.version
    }

    /// Serialises the document back to JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.raw).expect("a RawPolicy always serialises")
    }

    /// Every site rule, city rules first, then department overlays.
    pub fn site_rules(&self) -> &[SiteRule] {
        &self.site_rules
    }

    /// The authorized tools.
    pub fn tools(&self) -> &[Tool] {
        &self.tools
    }

    /// City-wide content rules.
    pub fn content_rules(&self) -> &[ContentRule] {
        &self.content_rules
    }

    /// Department overlays.
    pub fn departments(&self) -> &[Department] {
        &self.departments
    }

    /// Exceptions and pilots.
    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }

    /// Suspensions.
    pub fn suspensions(&self) -> &[Suspension] {
        &self.suspensions
    }

    /// The department overlay with this id (case-insensitive).
    pub fn department(&self, id: &str) -> Option<&Department> {
        let id = id.trim();
        self.departments.iter().find(|d| d.id.eq_ignore_ascii_case(id))
    }

    /// Whether a suspension is in force for this department or user at `now`. `user_hash`
    /// is the visitor's address hashed with [`Policy::suspension_salt`], for the suspensions
    /// a device receives hashed.
    pub fn suspension_for(&self, department: Option<&str>, user: Option<&str>, user_hash: Option<&str>, now: i64) -> Option<&Suspension> {
        self.suspensions.iter().find(|s| {
            s.active(now) && (s.audience.includes(department, user) || user_hash.is_some_and(|h| s.user_hashes.iter().any(|x| x.eq_ignore_ascii_case(h.trim()))))
        })
    }

    /// The salt the suspensions' `user_hashes` were made with, if they are hashed.
    pub fn suspension_salt(&self) -> Option<&str> {
        self.raw.suspension_salt.as_deref()
    }
}

/// Every host entry a raw policy names: each host once per path prefix of its rule.
fn host_entries(raw: &RawPolicy) -> usize {
    let n = |hosts: &[String], paths: &[String]| hosts.len().saturating_mul(paths.len().max(1));
    let rules = raw.site_rules.iter().chain(raw.departments.iter().flat_map(|d| &d.site_rules)).map(|r| n(&r.hosts, &r.paths));
    let tools = raw.authorized_tools.iter().map(|t| n(&t.hosts, &t.paths));
    let grants = raw.exceptions.iter().map(|e| n(&e.hosts, &e.paths)).chain(raw.pilots.iter().map(|p| n(&p.hosts, &p.paths)));
    rules.chain(tools).chain(grants).fold(0usize, usize::saturating_add)
}

/// Collects problems while validating.
#[derive(Default)]
struct Validator {
    problems: Vec<Problem>,
    ids: HashMap<String, String>,
}

impl Validator {
    fn problem(&mut self, kind: ProblemKind, at: String, message: String) {
        self.problems.push(Problem::new(kind, at, message));
    }

    /// Checks a rule id's shape and uniqueness across the whole policy.
    fn id(&mut self, at: &str, id: &str) {
        let ok = !id.is_empty()
            && id.len() <= 100
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
        if !ok {
            self.problem(
                ProblemKind::Invalid,
                format!("{at}.id"),
                format!("`{id}` is not a rule id (1-100 letters, digits, '-', '_', '.', ':')"),
            );
        } else if let Some(prev) = self.ids.insert(id.to_owned(), at.to_owned()) {
            self.problem(ProblemKind::Duplicate, format!("{at}.id"), format!("id `{id}` is already used by {prev}"));
        }
    }

    fn slug(&mut self, at: &str, s: &str) -> String {
        let slug = s.trim().to_ascii_lowercase();
        let ok = !slug.is_empty()
            && slug.len() <= 64
            && slug.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            self.problem(ProblemKind::Invalid, at.to_owned(), format!("`{s}` is not a department id (letters, digits, '-', '_')"));
        }
        slug
    }

    fn policy_ref(&mut self, at: &str, id: &str, policy_ref: &str) {
        if policy_ref.trim().is_empty() {
            self.problem(
                ProblemKind::Invalid,
                format!("{at} `{id}`.policy_ref"),
                "every rule cites the section of the policy that applies".into(),
            );
        }
    }

    fn hosts(&mut self, at: &str, id: &str, hosts: &[String]) -> Vec<String> {
        if hosts.is_empty() {
            self.problem(ProblemKind::Invalid, format!("{at} `{id}`.hosts"), "needs at least one host".into());
        }
        let mut out = Vec::with_capacity(hosts.len());
        // A set beside the list: a rule may hold a county's whole blocklist (100,000 hosts).
        let mut seen = std::collections::HashSet::with_capacity(hosts.len());
        for (j, h) in hosts.iter().enumerate() {
            match names::canonical_host(h) {
                Ok(c) if !seen.insert(c.clone()) => {
                    self.problem(ProblemKind::Duplicate, format!("{at} `{id}`.hosts[{j}]"), format!("`{h}` is listed twice"));
                }
                Ok(c) => out.push(c),
                Err(why) => self.problem(ProblemKind::Invalid, format!("{at} `{id}`.hosts[{j}]"), why),
            }
        }
        out
    }

    fn paths(&mut self, at: &str, id: &str, paths: &[String]) -> Vec<String> {
        let mut out = Vec::with_capacity(paths.len());
        for (j, p) in paths.iter().enumerate() {
            match names::canonical_path(p) {
                Ok(c) => out.push(c),
                Err(why) => self.problem(ProblemKind::Invalid, format!("{at} `{id}`.paths[{j}]"), why),
            }
        }
        out
    }

    fn audience(&mut self, at: &str, id: &str, departments: &[String], users: &[String]) -> Audience {
        let departments = departments
            .iter()
            .enumerate()
            .map(|(j, d)| self.slug(&format!("{at} `{id}`.departments[{j}]"), d))
            .collect();
        let users = users
            .iter()
            .enumerate()
            .map(|(j, u)| {
                let u = u.trim().to_ascii_lowercase();
                let ok = u.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !u.contains(char::is_whitespace));
                if !ok {
                    self.problem(ProblemKind::Invalid, format!("{at} `{id}`.users[{j}]"), format!("`{u}` is not an e-mail address"));
                }
                u
            })
            .collect();
        Audience { departments, users }
    }

    fn time(&mut self, at: &str, s: &str, end_of_day: bool) -> Option<i64> {
        match names::parse_time(s, end_of_day) {
            Ok(t) => Some(t),
            Err(why) => {
                self.problem(ProblemKind::Invalid, at.to_owned(), why);
                None
            }
        }
    }

    fn order(&mut self, at: &str, id: &str, starts: Option<i64>, expires: Option<i64>) {
        if let (Some(s), Some(e)) = (starts, expires) {
            if e <= s {
                self.problem(ProblemKind::Invalid, format!("{at} `{id}`.expires_at"), "ends before it starts".into());
            }
        }
    }

    fn site_rule(
        &mut self,
        at: &str,
        r: &RawSiteRule,
        department: Option<usize>,
    ) -> Option<SiteRule> {
        self.id(at, &r.id);
        let hosts = self.hosts(at, &r.id, &r.hosts);
        let paths = self.paths(at, &r.id, &r.paths);
        let category = r.category.parse::<Category>().map_err(|e| {
            self.problem(ProblemKind::Invalid, format!("{at} `{}`.category", r.id), e);
        });
        let action = r.action.parse::<SiteAction>().map_err(|e| {
            self.problem(ProblemKind::Invalid, format!("{at} `{}`.action", r.id), e);
        });
        self.policy_ref(at, &r.id, &r.policy_ref);
        Some(SiteRule {
            id: r.id.clone(),
            hosts,
            paths,
            category: category.ok()?,
            action: action.ok()?,
            message: r.message.trim().to_owned(),
            policy_ref: r.policy_ref.clone(),
            department,
        })
    }

    /// Two rules on the same host and path in one layer would make the decision depend on the
    /// order of the file: refuse it. `rules` are one layer's, `written` where each is written.
    /// One pass with borrowed keys, so a county's 100,000-host blocklist costs milliseconds.
    fn unique_entries(&mut self, written: &[String], rules: &[SiteRule]) {
        let size = rules.iter().map(|r| r.hosts.len() * r.paths.len().max(1)).sum();
        let mut keys: HashMap<(&str, &str), &str> = HashMap::with_capacity(size);
        for (at, r) in written.iter().zip(rules) {
            let paths: &[String] = &r.paths;
            for h in &r.hosts {
                for p in paths.iter().map(String::as_str).chain(paths.is_empty().then_some("")) {
                    if let Some(prev) = keys.insert((h.as_str(), p), r.id.as_str()) {
                        if prev != r.id {
                            self.problem(
                                ProblemKind::Duplicate,
                                format!("{at} `{}`.hosts", r.id),
                                format!("`{h}{p}` is already covered by rule `{prev}` in the same list"),
                            );
                        }
                    }
                }
            }
        }
    }

    fn content_rules(&mut self, at: &str, rules: &[RawContentRule]) -> Vec<ContentRule> {
        let mut out = Vec::new();
        let mut seen: HashMap<Detector, String> = HashMap::new();
        let mut seen_sev: HashMap<Severity, String> = HashMap::new();
        let mut unreadable: Option<String> = None;
        for (i, r) in rules.iter().enumerate() {
            let at = format!("{at}[{i}]");
            self.id(&at, &r.id);
            self.policy_ref(&at, &r.id, &r.policy_ref);
            let action = r.action.parse::<ContentAction>().map_err(|e| {
                self.problem(ProblemKind::Invalid, format!("{at} `{}`.action", r.id), e);
            });
            let selector = match (&r.min_severity, r.detectors.is_empty()) {
                _ if r.unreadable_files && (r.min_severity.is_some() || !r.detectors.is_empty()) => {
                    self.problem(ProblemKind::Invalid, format!("{at} `{}`", r.id), "a content rule names one of `detectors`, `min_severity` or `unreadable_files`, not several".into());
                    None
                }
                (None, true) if r.unreadable_files => {
                    if let Some(prev) = unreadable.replace(r.id.clone()) {
                        self.problem(ProblemKind::Duplicate, format!("{at} `{}`.unreadable_files", r.id), format!("rule `{prev}` in the same list already acts on unreadable files"));
                    }
                    if matches!(action, Ok(ContentAction::Redact)) {
                        self.problem(ProblemKind::Invalid, format!("{at} `{}`.action", r.id), "a file that cannot be read cannot be redacted: use `block`, `warn` or `allow`".into());
                    }
                    Some(Selector::UnreadableFiles)
                }
                (Some(_), false) | (None, true) => {
                    self.problem(
                        ProblemKind::Invalid,
                        format!("{at} `{}`", r.id),
                        "a content rule names one of `detectors`, `min_severity` or `unreadable_files`, not several and not none".into(),
                    );
                    None
                }
                (Some(s), true) => match serde_json::from_value::<Severity>(serde_json::Value::String(s.clone())) {
                    Ok(sev) => {
                        if let Some(prev) = seen_sev.insert(sev, r.id.clone()) {
                            self.problem(ProblemKind::Duplicate, format!("{at} `{}`.min_severity", r.id), format!("rule `{prev}` in the same list already acts on `{s}`"));
                        }
                        Some(Selector::MinSeverity(sev))
                    }
                    Err(_) => {
                        self.problem(
                            ProblemKind::Invalid,
                            format!("{at} `{}`.min_severity", r.id),
                            format!("`{s}` is not a severity (low, medium, high, critical)"),
                        );
                        None
                    }
                },
                (None, false) => {
                    let mut ds = Vec::new();
                    for (j, d) in r.detectors.iter().enumerate() {
                        match d.parse::<Detector>() {
                            Ok(det) => {
                                if let Some(prev) = seen.insert(det, r.id.clone()) {
                                    let msg = if prev == r.id {
                                        format!("`{d}` is listed twice")
                                    } else {
                                        format!("`{d}` is already handled by rule `{prev}` in the same list")
                                    };
                                    self.problem(ProblemKind::Duplicate, format!("{at} `{}`.detectors[{j}]", r.id), msg);
                                }
                                ds.push(det);
                            }
                            Err(_) => self.problem(
                                ProblemKind::Invalid,
                                format!("{at} `{}`.detectors[{j}]", r.id),
                                format!("`{d}` is not a detector (`lifeguard scan --help` lists them)"),
                            ),
                        }
                    }
                    Some(Selector::Detectors(ds))
                }
            };
            if let (Some(selector), Ok(action)) = (selector, action) {
                out.push(ContentRule { id: r.id.clone(), selector, action, message: r.message.trim().to_owned(), policy_ref: r.policy_ref.clone() });
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn grant(
        &mut self,
        at: &str,
        kind: GrantKind,
        id: &str,
        hosts: &[String],
        paths: &[String],
        departments: &[String],
        users: &[String],
        approved_by: &str,
        starts_at: Option<&str>,
        expires_at: &str,
        policy_ref: &str,
    ) -> Grant {
        self.id(at, id);
        let hosts = self.hosts(at, id, hosts);
        let paths = self.paths(at, id, paths);
        let audience = self.audience(at, id, departments, users);
        if audience.is_empty() {
            self.problem(ProblemKind::Invalid, format!("{at} `{id}`"), "must name the departments or users it applies to".into());
        }
        if approved_by.trim().is_empty() {
            self.problem(ProblemKind::Invalid, format!("{at} `{id}`.approved_by"), "must say who approved it".into());
        }
        let starts = starts_at.and_then(|t| self.time(&format!("{at} `{id}`.starts_at"), t, false));
        let expires = self.time(&format!("{at} `{id}`.expires_at"), expires_at, true);
        self.order(at, id, starts, expires);
        let default_ref = match kind {
            GrantKind::Exception => "APP 04.05 §VIII Exceptions",
            GrantKind::Pilot => "APP 04.05 §IV.7 Experimental Use and Proof of Concepts",
        };
        Grant {
            kind,
            id: id.to_owned(),
            hosts,
            paths,
            audience,
            approved_by: approved_by.trim().to_owned(),
            starts_at: starts,
            expires_at: expires.unwrap_or(i64::MIN),
            policy_ref: if policy_ref.trim().is_empty() { default_ref.into() } else { policy_ref.to_owned() },
        }
    }
}
