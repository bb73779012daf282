//! The policy document exactly as it is written: what serde reads from JSON.
//!
//! Nothing here is checked beyond its JSON shape (unknown fields are refused, so a
//! misspelt field is an error rather than a silently ignored rule). [`super::Policy`]
//! validates a [`RawPolicy`] into the form the engine uses.

use serde::{Deserialize, Serialize};

/// A whole policy document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    /// The format version of this document; this engine reads version 1.
    pub schema_version: u32,
    /// The policy's own version, raised on every publish.
    #[serde(default)]
    pub version: u64,
    /// A human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// When this version was published (RFC 3339), set by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
    /// The salt of the suspensions' `user_hashes`, set by the server in the bundle it
    /// sends to devices (docs/policy-format.md "Suspensions").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspension_salt: Option<String>,
    /// City-wide site rules.
    #[serde(default)]
    pub site_rules: Vec<RawSiteRule>,
    /// Authorized AI tools (§IV.1, §V).
    #[serde(default)]
    pub authorized_tools: Vec<RawTool>,
    /// City-wide content rules.
    #[serde(default)]
    pub content_rules: Vec<RawContentRule>,
    /// Department overlays (e.g. Police, §IV.5).
    #[serde(default)]
    pub departments: Vec<RawDepartment>,
    /// Exceptions approved by the City Manager (§VIII).
    #[serde(default)]
    pub exceptions: Vec<RawException>,
    /// Time-boxed pilots on public data (§IV.7).
    #[serde(default)]
    pub pilots: Vec<RawPilot>,
    /// Suspended AI privileges (§VII).
    #[serde(default)]
    pub suspensions: Vec<RawSuspension>,
    /// Browser extensions known to embed AI (§II), reported when installed.
    #[serde(default)]
    pub known_ai_extensions: Vec<RawAiExtension>,
}

/// A rule about visiting sites.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSiteRule {
    /// Unique id, cited by decisions and reports.
    pub id: String,
    /// Hosts; each matches itself and its subdomains.
    pub hosts: Vec<String>,
    /// Optional path prefixes (segment-aware); without them the whole host matches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// What kind of AI service this is.
    pub category: String,
    /// `block`, `warn` or `allow`.
    pub action: String,
    /// What staff are told.
    #[serde(default)]
    pub message: String,
    /// The section of the policy that applies.
    pub policy_ref: String,
}

/// An AI tool authorized in writing by the IT Director.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTool {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Hosts of the tool.
    pub hosts: Vec<String>,
    /// Optional path prefixes on those hosts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// Departments it is authorized for; empty with `users` empty means everyone.
    #[serde(default)]
    pub departments: Vec<String>,
    /// Staff (e-mail) it is authorized for.
    #[serde(default)]
    pub users: Vec<String>,
    /// Vendor AI Fact Sheet or documentation (§IV.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
    /// The CPRA public-records notice shown on the tool (§VI).
    #[serde(default)]
    pub public_records_notice: String,
    /// The vendor's tenant restrictions: only the City's workspace, organization or tenant
    /// can be signed in to on the vendor's hosts (§IV.1: no personal accounts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_restrictions: Option<RawTenantRestrictions>,
    /// The section of the policy that applies.
    pub policy_ref: String,
}

/// Tenant restrictions of an authorized tool, by vendor; each is sent as the vendor's
/// documented request header on the vendor's hosts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTenantRestrictions {
    /// ChatGPT workspace ids (UUIDs): `ChatGPT-Allowed-Workspace-Id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openai_workspace_ids: Option<Vec<String>>,
    /// Anthropic organization ids (UUIDs): `anthropic-allowed-org-ids`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anthropic_org_ids: Option<Vec<String>>,
    /// Google Workspace domains: `X-GoogApps-Allowed-Domains`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google_workspace_domains: Option<Vec<String>>,
    /// Entra tenant restrictions v2, `tenantId:policyGuid`: `sec-Restrict-Tenant-Access-Policy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub microsoft_tenant_policy: Option<String>,
}

/// What to do when a detector finds data in a paste.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawContentRule {
    /// Unique id.
    pub id: String,
    /// The detectors this rule acts on (exclusive with `min_severity`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub detectors: Vec<String>,
    /// Act on every finding at or above this severity (exclusive with `detectors`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_severity: Option<String>,
    /// Act on files that cannot be read (encrypted, images, archives, unknown binary, over
    /// the size limit, malformed): exclusive with `detectors` and `min_severity`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unreadable_files: bool,
    /// `block`, `warn`, `redact` or `allow`.
    pub action: String,
    /// What staff are told.
    #[serde(default)]
    pub message: String,
    /// The section of the policy that applies.
    pub policy_ref: String,
}

/// A department's own rules, applied before the city's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDepartment {
    /// Department id, a lowercase slug such as `police`.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Site rules for this department.
    #[serde(default)]
    pub site_rules: Vec<RawSiteRule>,
    /// Content rules for this department.
    #[serde(default)]
    pub content_rules: Vec<RawContentRule>,
}

/// An exception approved by the City Manager (§VIII).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawException {
    /// Unique id.
    pub id: String,
    /// Hosts it allows.
    pub hosts: Vec<String>,
    /// Optional path prefixes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// Departments it applies to.
    #[serde(default)]
    pub departments: Vec<String>,
    /// Staff it applies to.
    #[serde(default)]
    pub users: Vec<String>,
    /// Why it was granted.
    #[serde(default)]
    pub reason: String,
    /// Who approved it (the City Manager).
    pub approved_by: String,
    /// When it was approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<String>,
    /// When it starts (default: at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<String>,
    /// When it ends (RFC 3339, or a date meaning the end of that day, UTC).
    pub expires_at: String,
    /// The section of the policy that applies.
    #[serde(default)]
    pub policy_ref: String,
}

/// A pilot or proof of concept (§IV.7).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPilot {
    /// Unique id.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Hosts of the tool piloted.
    pub hosts: Vec<String>,
    /// Optional path prefixes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// Departments running the pilot.
    #[serde(default)]
    pub departments: Vec<String>,
    /// Staff in the pilot.
    #[serde(default)]
    pub users: Vec<String>,
    /// Who approved it (the IT Director).
    pub approved_by: String,
    /// When it starts (default: at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<String>,
    /// When it ends.
    pub expires_at: String,
    /// The section of the policy that applies.
    #[serde(default)]
    pub policy_ref: String,
}

/// Suspended AI privileges (§VII).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSuspension {
    /// Unique id.
    pub id: String,
    /// Departments suspended.
    #[serde(default)]
    pub departments: Vec<String>,
    /// Staff suspended.
    #[serde(default)]
    pub users: Vec<String>,
    /// Staff suspended, as devices receive them: hex SHA-256 of the salt, a line feed and
    /// the lower-case address (the server replaces `users` with these in the bundle).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_hashes: Vec<String>,
    /// Why.
    #[serde(default)]
    pub reason: String,
    /// Who suspended.
    #[serde(default)]
    pub suspended_by: String,
    /// From when (default: at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<String>,
    /// Until when (default: until lifted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// The section of the policy that applies.
    #[serde(default)]
    pub policy_ref: String,
}

/// A browser extension known to embed AI.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAiExtension {
    /// The 32-letter Chrome extension id.
    pub id: String,
    /// Its name.
    pub name: String,
}
