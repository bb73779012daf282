//! The policy: parsed from JSON into [`raw`] types, then validated into [`Policy`].
//!
//! Validation checks every rule and collects every problem, each naming the rule (its list,
//! index and id) and the field, so an IT administrator can fix a whole draft at once.
//! Hosts are canonicalised the way a browser would (IDNA, lowercase, no trailing dot) so
//! that matching at decision time is a plain comparison.

pub mod raw;

mod error;
mod names;
mod sections;
mod tenant;
mod validate;

use std::collections::HashMap;

use serde::Serialize;

pub use error::{PolicyError, Problem, ProblemKind};
pub use names::{Category, ContentAction, SiteAction};
pub use sections::Section;
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
