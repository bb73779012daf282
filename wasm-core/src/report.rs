//! The report vocabulary, defined once for every surface: the kinds of event the extension
//! reports (which of them can be incidents, what people call them), the shape of one report
//! event on the wire, and [`Vocabulary`], everything a policy or a report can say, for the
//! console and the extension to read instead of keeping their own lists.
//!
//! A report carries ids, a host, counts and versions, never what a user pasted or typed. The
//! one piece of free text is a warn page's justification, which the extension scans with the
//! engine first and the server scans again ([`MAX_JUSTIFICATION`]).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::detect::{Detector, Severity};
use crate::policy::{Category, ContentAction, SiteAction, Vendor};

macro_rules! kinds {
    ($( $(#[$doc:meta])* $variant:ident = $id:literal, $label:literal, $incident:literal; )*) => {
        /// What a report event is about (its `kind`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum EventKind {
            $( $(#[$doc])* $variant, )*
        }

        impl EventKind {
            /// Every kind, in a fixed order.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant,)*];

            /// The identifier used in reports, e.g. `paste_blocked`.
            pub fn as_str(self) -> &'static str {
                match self { $(EventKind::$variant => $id,)* }
            }

            /// What people call it, e.g. `Paste blocked`.
            pub fn label(self) -> &'static str {
                match self { $(EventKind::$variant => $label,)* }
            }

            /// Whether an event of this kind is an incident (§IV.4) when its findings reach
            /// the configured severity: sensitive data was held back at the last moment, or
            /// went on after a warning.
            pub fn may_be_incident(self) -> bool {
                match self { $(EventKind::$variant => $incident,)* }
            }
        }

        impl FromStr for EventKind {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($id => Ok(EventKind::$variant),)*
                    _ => Err(format!("`{}` is not a report kind (one of: {})", s.chars().take(48).collect::<String>(), [$($id),*].join(", "))),
                }
            }
        }
    };
}

kinds! {
    /// A visit stopped by a site rule.
    VisitBlocked = "visit_blocked", "Visit blocked", false;
    /// A warn page shown.
    VisitWarned = "visit_warned", "Visit warned", false;
    /// The user went on after a warn page (with a justification).
    VisitProceeded = "visit_proceeded", "Proceeded after warning", false;
    /// A paste let through; it had findings the policy allows.
    PasteAllowed = "paste_allowed", "Paste allowed", false;
    /// A paste not let in.
    PasteBlocked = "paste_blocked", "Paste blocked", true;
    /// A paste let in with placeholders for the findings.
    PasteRedacted = "paste_redacted", "Paste redacted", false;
    /// A paste let in as it was, after a warning.
    PasteProceeded = "paste_proceeded", "Pasted after warning", true;
    /// A paste given up after a warning.
    PasteCancelled = "paste_cancelled", "Paste cancelled", false;
    /// Sending typed text was held.
    SendBlocked = "send_blocked", "Sending typed data held", true;
    /// Typed text sent after a warning.
    SendProceeded = "send_proceeded", "Sent after warning", true;
    /// Typed text sent with placeholders for the findings.
    SendRedacted = "send_redacted", "Sent redacted", false;
    /// Sending given up after a warning.
    SendCancelled = "send_cancelled", "Sending cancelled", false;
    /// A request leaving the page was cancelled (the network check).
    RequestBlocked = "request_blocked", "Sending blocked (network check)", true;
    /// Staff asked IT to approve a tool.
    ApprovalRequested = "approval_requested", "Approval requested", false;
    /// An AI browser extension is installed (`subject`: its id).
    AiExtensionFound = "ai_extension_found", "AI extension found", false;
    /// Events lost because the device's queue was full (`count`: how many).
    ReportsDropped = "reports_dropped", "Reports dropped", false;
    /// The browser refused the compiled site rules.
    RulesRefused = "rules_refused", "Browser refused the rules", false;
    /// The device enforces a policy past its freshness.
    PolicyStale = "policy_stale", "Policy out of date on a device", false;
    /// The policy kept on the device failed its signature check.
    PolicyTampered = "policy_tampered", "Stored policy tampered with on a device", false;
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EventKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The longest justification a warn page sends, in characters.
pub const MAX_JUSTIFICATION: usize = 500;
// The OpenAPI schema of `ReportEvent::justification` can take only a literal: it says 500 too.
const _: () = assert!(MAX_JUSTIFICATION == 500);

/// One report event as the extension sends it (`POST /v1/reports`): ids, a host, counts and
/// versions, never what was pasted or typed. Unknown fields are refused, so text cannot ride
/// along under another name. The server checks every field's characters and length.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = EventIn))]
#[serde(deny_unknown_fields)]
pub struct ReportEvent {
    /// A UUID made by the client: the same event sent twice is stored once.
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub id: String,
    /// What happened.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: EventKind,
    /// When (RFC 3339).
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub time: String,
    /// The host of the page.
    #[serde(default)]
    pub host: Option<String>,
    /// The policy rule that decided.
    #[serde(default)]
    pub rule: Option<String>,
    /// The rule's category.
    #[serde(default)]
    pub category: Option<String>,
    /// `block`, `warn`, `redact`, `allow`, `proceed`, ...
    #[serde(default)]
    pub action: Option<String>,
    /// Findings per detector id: counts, never the text.
    #[serde(default)]
    pub detectors: BTreeMap<String, u32>,
    /// How many, for a kind that counts (`reports_dropped`: the events lost).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub count: Option<u64>,
    /// What the event is about, for a kind that names something other than a rule
    /// (`ai_extension_found`: the extension's id).
    #[serde(default)]
    pub subject: Option<String>,
    /// Why the user went on after a warn page, in their words (`visit_proceeded`); at most
    /// [`MAX_JUSTIFICATION`] characters and free of sensitive data.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub justification: Option<String>,
    /// The user the extension identified, as the device claims it (not verified).
    #[serde(default)]
    pub user: Option<String>,
    /// The device's department.
    #[serde(default)]
    pub department: Option<String>,
    /// The reporting extension's version.
    #[serde(default)]
    pub extension_version: Option<String>,
    /// The policy version enforced.
    #[serde(default)]
    pub policy_version: Option<u64>,
    /// The reporting extension's id.
    #[serde(default)]
    pub extension_id: Option<String>,
}

/// One entry of a closed list: its identifier and what people call it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Term {
    /// The identifier used in policies and reports.
    pub id: &'static str,
    /// What people call it.
    pub label: &'static str,
}

/// A report kind, for the console and the extension.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KindTerm {
    /// The identifier.
    pub id: &'static str,
    /// What people call it.
    pub label: &'static str,
    /// Whether it may be an incident ([`EventKind::may_be_incident`]).
    pub incident: bool,
}

/// A detector, for the console and the extension.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DetectorTerm {
    /// The identifier.
    pub id: &'static str,
    /// What people call it.
    pub label: &'static str,
    /// Its severity.
    pub severity: Severity,
    /// What replaces a finding on redaction.
    pub placeholder: &'static str,
}

/// A vendor whose tenant restrictions a tool may set, for the console.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VendorTerm {
    /// The field of `tenant_restrictions`.
    pub field: &'static str,
    /// The vendor's product, as staff know it.
    pub product: &'static str,
    /// What the field holds.
    pub label: &'static str,
    /// Where IT finds the value.
    pub hint: &'static str,
    /// The request header it becomes.
    pub header: &'static str,
    /// The hosts the header is sent to (each with its subdomains).
    pub hosts: &'static [&'static str],
    /// Whether the field is a list (else one value).
    pub list: bool,
}

/// Everything a policy or a report can say, from the types that decide it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Vocabulary {
    /// Report kinds.
    pub kinds: Vec<KindTerm>,
    /// Detectors.
    pub detectors: Vec<DetectorTerm>,
    /// Site categories.
    pub categories: Vec<&'static str>,
    /// What a site rule may do, strictest first.
    pub site_actions: Vec<&'static str>,
    /// What a content rule may do, strictest first.
    pub content_actions: Vec<&'static str>,
    /// Severities, lowest first.
    pub severities: &'static [Severity],
    /// The longest justification a warn page sends, in characters ([`MAX_JUSTIFICATION`]).
    pub max_justification: usize,
    /// The vendors of a tool's tenant restrictions.
    pub tenant_vendors: Vec<VendorTerm>,
}

impl Vocabulary {
    /// The vocabulary of this build.
    pub fn get() -> Vocabulary {
        Vocabulary {
            kinds: EventKind::ALL.iter().map(|k| KindTerm { id: k.as_str(), label: k.label(), incident: k.may_be_incident() }).collect(),
            detectors: Detector::ALL.iter().map(|d| DetectorTerm { id: d.as_str(), label: d.label(), severity: d.severity(), placeholder: d.placeholder() }).collect(),
            categories: Category::ALL.iter().map(|c| c.as_str()).collect(),
            site_actions: SiteAction::ALL.iter().rev().map(|a| a.as_str()).collect(),
            content_actions: ContentAction::ALL.iter().rev().map(|a| a.as_str()).collect(),
            severities: Severity::ALL,
            max_justification: MAX_JUSTIFICATION,
            tenant_vendors: Vendor::ALL
                .iter()
                .map(|&v| VendorTerm { field: v.field(), product: v.product(), label: v.label(), hint: v.hint(), header: v.header(), hosts: v.domains(), list: v.limit() > 1 })
                .collect(),
        }
    }
}

impl Vocabulary {
    /// The vocabulary as a JavaScript module (`export const VOCABULARY`), for the console
    /// (served by the server) and the extension (written by its build): generated, never
    /// edited.
    pub fn js_module() -> String {
        let json = serde_json::to_string(&Vocabulary::get()).unwrap_or_else(|_| "{}".into());
        format!("// Generated from lifeguard-core (wasm-core/src/report.rs): edit it there.\nexport const VOCABULARY = Object.freeze({json});\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_unknown_ones_are_named() {
        for k in EventKind::ALL {
            assert_eq!(k.as_str().parse::<EventKind>(), Ok(*k));
            assert_eq!(serde_json::to_value(k).expect("a string"), k.as_str());
        }
        let e = "ai_extension_installed".parse::<EventKind>().expect_err("the name store/mod.rs once documented");
        assert!(e.contains("not a report kind") && e.contains("ai_extension_found"), "{e}");
    }

    #[test]
    fn the_incident_kinds_are_the_last_moment_holds_and_the_warned_sends() {
        let incidents: Vec<&str> = EventKind::ALL.iter().filter(|k| k.may_be_incident()).map(|k| k.as_str()).collect();
        assert_eq!(incidents, ["paste_blocked", "paste_proceeded", "send_blocked", "send_proceeded", "request_blocked"]);
    }

    #[test]
    fn an_event_with_text_in_an_unknown_field_is_refused() {
        let ok: ReportEvent = serde_json::from_str(r#"{"id":"x","kind":"reports_dropped","time":"t","count":3}"#).expect("an event");
        assert_eq!((ok.kind, ok.count), (EventKind::ReportsDropped, Some(3)));
        let e = serde_json::from_str::<ReportEvent>(r#"{"id":"x","kind":"paste_blocked","time":"t","text":"SSN 123-45-6789"}"#).expect_err("text refused");
        assert!(e.to_string().contains("unknown field `text`"), "{e}");
    }

    #[test]
    fn the_tenant_vendors_are_the_fields_of_tenant_restrictions() {
        let all = crate::policy::raw::RawTenantRestrictions {
            openai_workspace_ids: Some(vec![]),
            anthropic_org_ids: Some(vec![]),
            google_workspace_domains: Some(vec![]),
            microsoft_tenant_policy: Some(String::new()),
        };
        let written = serde_json::to_value(all).expect("serialises");
        let vendors = Vocabulary::get().tenant_vendors;
        let fields: Vec<&str> = vendors.iter().map(|v| v.field).collect();
        let keys: Vec<&str> = written.as_object().expect("an object").keys().map(String::as_str).collect();
        assert_eq!(fields.len(), keys.len());
        assert!(fields.iter().all(|f| keys.contains(f)), "{fields:?} {keys:?}");
        // A list field takes several values; the one text field is Microsoft's.
        for v in &vendors {
            assert_eq!(v.list, written[v.field].is_array(), "{}", v.field);
        }
    }

    #[test]
    fn every_detector_has_a_label_in_words() {
        let v = Vocabulary::get();
        assert_eq!(v.detectors.len(), Detector::ALL.len());
        assert!(v.detectors.iter().all(|d| !d.label.is_empty() && !d.label.contains('_')));
        assert_eq!(v.site_actions, ["block", "warn", "allow"]);
        assert_eq!(v.content_actions, ["block", "warn", "redact", "allow"]);
    }
}
