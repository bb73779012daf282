//! Lifeguard's policy engine.
//!
//! Lifeguard enforces the City of Redondo Beach's AI-use policy (Administrative Policy
//! 04.05) on managed browsers. This crate holds every decision it makes, and nothing else:
//! no browser and no server code. It is compiled natively for the server and the command
//! line, and to WebAssembly for the extension, so the same code decides everywhere.
//!
//! The model:
//! - A [`Policy`] is a JSON document (see `docs/policy-format.md`), parsed into
//!   [`policy::raw`] types, then validated; a bad document gives a [`PolicyError`] listing
//!   every problem with the rule and field it is in.
//! - An [`Engine`] is a policy compiled for fast decisions: [`Engine::decide`] says whether a
//!   visit to a URL is allowed, warned or blocked and which rule decided; [`Engine::scan`]
//!   finds sensitive data in a paste ([`detect`]) and rates it against the content rules;
//!   [`Engine::dnr_rules`] compiles the site rules into the browser's declarativeNetRequest
//!   rules.
//! - [`report`] is the report vocabulary: the kinds of event, which can be incidents, the
//!   event on the wire, and the labels people read, for the server, console and extension.
//! - Times are Unix seconds passed in by the caller, so the engine needs no clock.

#![deny(missing_docs)]

pub mod content;
pub mod decide;
pub mod detect;
pub mod dnr;
pub mod inspect;
pub mod policy;
pub mod report;

#[cfg(all(feature = "wasm", target_arch = "wasm32"))]
pub mod bindings;

use std::sync::OnceLock;

pub use content::{Paste, RatedFinding, ScanVerdict, redact};
pub use decide::{Decision, Source, UrlError, Visit};
pub use detect::{Detector, Finding, Scanner, Severity};
pub use dnr::{DnrOptions, DnrRuleset};
pub use inspect::{Inspection, Part, Via};
pub use report::{EventKind, ReportEvent, Vocabulary};
pub use policy::{Category, ContentAction, Policy, PolicyError, SiteAction};

/// Finds sensitive data in a text, whatever the policy: for text that must hold none (a warn
/// page's justification).
pub fn find(text: &str) -> Vec<Finding> {
    scanner().scan(text)
}

/// A policy compiled for decisions.
#[derive(Debug, Clone)]
pub struct Engine {
    policy: Policy,
    index: decide::HostIndex,
}

/// The detectors do not depend on the policy: compile them once per process.
fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(Scanner::new)
}

impl Engine {
    /// Compiles a validated policy.
    pub fn new(policy: Policy) -> Engine {
        let index = decide::HostIndex::build(&policy);
        Engine { policy, index }
    }

    /// Parses, validates and compiles a policy document.
    pub fn from_json(json: &str) -> Result<Engine, PolicyError> {
        Policy::from_json(json).map(Engine::new)
    }

    /// The engine for the default city policy built into Lifeguard.
    pub fn default_city() -> Engine {
        Engine::new(Policy::default_city())
    }

    /// The policy this engine enforces.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Decides a visit.
    pub fn decide(&self, visit: &Visit<'_>) -> Result<Decision<'_>, UrlError> {
        decide::decide(&self.policy, &self.index, visit)
    }

    /// Scans a paste and rates its findings.
    pub fn scan(&self, text: &str, paste: &Paste<'_>) -> ScanVerdict<'_> {
        let findings = scanner().scan(text);
        self.rate(&findings, paste)
    }

    /// Decides everything one user action brings in (the flavours of a paste, its files,
    /// typed text, a request body): one verdict, counts, redactions and the events to report.
    pub fn inspect(&self, parts: &[Part<'_>], via: Via, paste: &Paste<'_>) -> Inspection<'_> {
        inspect::inspect(self, parts, via, paste)
    }

    /// Rates findings (from [`Scanner::scan`]) against the content rules for a paste.
    pub fn rate(&self, findings: &[Finding], paste: &Paste<'_>) -> ScanVerdict<'_> {
        let pilot = content::pilot_for(&self.policy, &self.index, paste);
        content::rate(&self.policy, pilot, paste, findings)
    }

    /// Compiles the site rules that apply to this visitor into declarativeNetRequest rules
    /// (`user_hash` as in [`Visit::user_hash`]).
    pub fn dnr_rules(&self, department: Option<&str>, user: Option<&str>, user_hash: Option<&str>, now: i64, opts: &DnrOptions<'_>) -> DnrRuleset {
        dnr::compile(&self.policy, &self.index, department, user, user_hash, now, opts)
    }

    /// Whether the browser rules this policy compiles to (for staff of no department and of
    /// each department, at `now`) stay within Chrome's limits: a server refuses to publish a
    /// policy that a browser would refuse to install.
    pub fn check_browser_limits(&self, now: i64) -> Result<(), PolicyError> {
        dnr::check_limits(&self.policy, &self.index, now)
    }

    /// Hosts where pastes are inspected: sites the policy warns about (staff may proceed to
    /// them), authorized tools, exceptions and pilots. Blocked sites need no inspection, and
    /// no other site gets a content script.
    pub fn inspected_hosts(&self) -> Vec<&str> {
        let p = &self.policy;
        let mut hosts: Vec<&str> = p
            .site_rules
            .iter()
            .filter(|r| r.action == SiteAction::Warn)
            .flat_map(|r| r.hosts.iter())
            .chain(p.tools.iter().flat_map(|t| t.hosts.iter()))
            .chain(p.grants.iter().flat_map(|g| g.hosts.iter()))
            .map(String::as_str)
            .collect();
        hosts.sort_unstable();
        hosts.dedup();
        hosts
    }
}
