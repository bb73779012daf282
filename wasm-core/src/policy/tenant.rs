//! Tenant restrictions: an authorized tool names the City's workspace, organization or tenant
//! at its vendor, and the vendor, told so by a request header on its own hosts, refuses every
//! other account there, personal ones above all (APP 04.05 §IV.1).
//!
//! Each vendor is one row of [`Vendor`]: the policy field, the header, the hosts it documents
//! for the header and how many values it takes. Validation turns the written ids and domains
//! into the header's value; [`crate::dnr`] sets it on those hosts for the tool's audience.

use std::collections::HashMap;

use super::raw::RawTenantRestrictions;
use super::validate::Validator;
use super::{names, ProblemKind};

/// A vendor that reads a tenant-restriction request header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vendor {
    /// ChatGPT workspaces.
    OpenAi,
    /// Claude organizations.
    Anthropic,
    /// Google Workspace domains.
    Google,
    /// Entra ID tenant restrictions v2 (Microsoft 365 Copilot).
    Microsoft,
}

impl Vendor {
    /// Every vendor, in the order the policy lists them.
    pub const ALL: [Vendor; 4] = [Vendor::OpenAi, Vendor::Anthropic, Vendor::Google, Vendor::Microsoft];

    /// The field of `tenant_restrictions` that names this vendor's tenants.
    pub fn field(self) -> &'static str {
        match self {
            Vendor::OpenAi => "openai_workspace_ids",
            Vendor::Anthropic => "anthropic_org_ids",
            Vendor::Google => "google_workspace_domains",
            Vendor::Microsoft => "microsoft_tenant_policy",
        }
    }

    /// The request header the vendor reads.
    pub fn header(self) -> &'static str {
        match self {
            Vendor::OpenAi => "ChatGPT-Allowed-Workspace-Id",
            Vendor::Anthropic => "anthropic-allowed-org-ids",
            Vendor::Google => "X-GoogApps-Allowed-Domains",
            Vendor::Microsoft => "sec-Restrict-Tenant-Access-Policy",
        }
    }

    /// The hosts, each with its subdomains, that the vendor documents for the header.
    pub fn domains(self) -> &'static [&'static str] {
        match self {
            Vendor::OpenAi => &["chatgpt.com", "chat.openai.com"],
            Vendor::Anthropic => &["claude.ai", "claude.com", "api.anthropic.com"],
            Vendor::Google => &["google.com"],
            Vendor::Microsoft => &["login.microsoftonline.com", "login.microsoft.com", "login.windows.net"],
        }
    }

    /// Path prefixes on [`Vendor::domains`] that serve signed-out use, which no workspace
    /// header restricts: blocked while the restriction is set.
    pub fn signed_out_paths(self) -> &'static [&'static str] {
        match self {
            Vendor::OpenAi => &["/backend-anon/"],
            _ => &[],
        }
    }

    /// What the vendor calls a value, for messages.
    fn noun(self) -> &'static str {
        match self {
            Vendor::OpenAi => "ChatGPT workspace id",
            Vendor::Anthropic => "Anthropic organization id",
            Vendor::Google => "Google Workspace domain",
            Vendor::Microsoft => "Entra tenant restrictions policy",
        }
    }

    /// The vendor's product, as staff know it.
    pub fn product(self) -> &'static str {
        match self {
            Vendor::OpenAi => "ChatGPT",
            Vendor::Anthropic => "Claude",
            Vendor::Google => "Google",
            Vendor::Microsoft => "Microsoft",
        }
    }

    /// What the field holds, for the form that edits it.
    pub fn label(self) -> &'static str {
        match self {
            Vendor::OpenAi => "ChatGPT workspace ids",
            Vendor::Anthropic => "Anthropic organization ids",
            Vendor::Google => "Google Workspace domains",
            Vendor::Microsoft => "Entra tenant restrictions (tenantId:policyGuid)",
        }
    }

    /// Where IT finds the value.
    pub fn hint(self) -> &'static str {
        match self {
            Vendor::OpenAi => "UUIDs from ChatGPT Enterprise → Settings",
            Vendor::Anthropic => "UUIDs from Claude → Settings → Organization",
            Vendor::Google => "e.g. redondo.org",
            Vendor::Microsoft => "the tenant id and policy id from Entra admin center → External Identities → Cross-tenant access settings → Tenant restrictions",
        }
    }

    /// How many values one header carries.
    pub fn limit(self) -> usize {
        match self {
            Vendor::OpenAi => 100,
            Vendor::Anthropic => 500,
            Vendor::Google => 100,
            Vendor::Microsoft => 1,
        }
    }
}

/// One vendor's restriction, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantHeader {
    /// Whose.
    pub vendor: Vendor,
    /// The header's value: the canonical ids or domains, comma-separated without spaces.
    pub value: String,
}

/// A UUID in its canonical form (lower case, hyphenated), or `None`.
fn uuid(s: &str) -> Option<String> {
    let s = s.trim();
    let shaped = s.len() == 36
        && s.char_indices().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() });
    shaped.then(|| s.to_ascii_lowercase())
}

impl Validator {
    /// Validates a tool's tenant restrictions. `claimed` holds, per vendor, the tool that
    /// already restricts it: a vendor has one list of tenants for the whole City.
    pub(super) fn tenant_restrictions(&mut self, at: &str, id: &str, raw: &RawTenantRestrictions, claimed: &mut HashMap<Vendor, String>) -> Vec<TenantHeader> {
        let at = format!("{at} `{id}`.tenant_restrictions");
        let mut out = Vec::new();
        for vendor in Vendor::ALL {
            let here = format!("{at}.{}", vendor.field());
            let value = match vendor {
                Vendor::OpenAi => raw.openai_workspace_ids.as_deref().map(|v| self.tenant_list(&here, vendor, v, uuid)),
                Vendor::Anthropic => raw.anthropic_org_ids.as_deref().map(|v| self.tenant_list(&here, vendor, v, uuid)),
                Vendor::Google => raw.google_workspace_domains.as_deref().map(|v| self.tenant_list(&here, vendor, v, |d| names::canonical_host(d).ok().filter(|h| names::is_domain_name(h)))),
                Vendor::Microsoft => raw.microsoft_tenant_policy.as_deref().map(|v| self.tenant_policy(&here, v)),
            };
            let Some(value) = value else { continue };
            if let Some(other) = claimed.get(&vendor) {
                self.problem(ProblemKind::Duplicate, here, format!("tool `{other}` already restricts {}s; the City has one list per vendor", vendor.noun()));
                continue;
            }
            claimed.insert(vendor, id.to_owned());
            if let Some(value) = value {
                out.push(TenantHeader { vendor, value });
            }
        }
        if raw == &RawTenantRestrictions::default() {
            let fields: Vec<&str> = Vendor::ALL.iter().map(|v| v.field()).collect();
            self.problem(ProblemKind::Invalid, at, format!("names no vendor: give one of {}, or leave tenant_restrictions out", fields.join(", ")));
        }
        out
    }

    /// A comma-separated header value from a list, each entry canonicalised by `parse`.
    fn tenant_list(&mut self, at: &str, vendor: Vendor, list: &[String], parse: impl Fn(&str) -> Option<String>) -> Option<String> {
        if list.is_empty() {
            self.problem(ProblemKind::Invalid, at.to_owned(), format!("lists no {}: name at least one, or leave the field out", vendor.noun()));
            return None;
        }
        if list.len() > vendor.limit() {
            self.problem(ProblemKind::Invalid, at.to_owned(), format!("lists {} values; the header takes at most {}", list.len(), vendor.limit()));
            return None;
        }
        let before = self.problems.len();
        let mut values: Vec<String> = Vec::with_capacity(list.len());
        for (j, raw) in list.iter().enumerate() {
            match parse(raw) {
                Some(v) if values.contains(&v) => self.problem(ProblemKind::Duplicate, format!("{at}[{j}]"), format!("`{raw}` is listed twice")),
                Some(v) => values.push(v),
                None => {
                    let shape = if vendor == Vendor::Google { "a domain name such as `redondo.org`" } else { "a UUID such as `550e8400-e29b-41d4-a716-446655440000`" };
                    self.problem(ProblemKind::Invalid, format!("{at}[{j}]"), format!("`{raw}` is not a valid {}: write {shape}", vendor.noun()));
                }
            }
        }
        (self.problems.len() == before).then(|| values.join(","))
    }

    /// `tenantId:policyGuid`, both UUIDs.
    fn tenant_policy(&mut self, at: &str, raw: &str) -> Option<String> {
        let parsed = raw.split_once(':').and_then(|(tenant, policy)| Some(format!("{}:{}", uuid(tenant)?, uuid(policy)?)));
        if parsed.is_none() {
            self.problem(
                ProblemKind::Invalid,
                at.to_owned(),
                format!("`{raw}` is not `tenantId:policyGuid` (two UUIDs, as Entra shows them under Cross-tenant access settings → Tenant restrictions)"),
            );
        }
        parsed
    }
}

#[cfg(test)]
mod tests {
    use super::uuid;

    #[test]
    fn uuids_are_canonical_or_refused() {
        assert_eq!(uuid(" 550E8400-e29b-41d4-A716-446655440000 ").as_deref(), Some("550e8400-e29b-41d4-a716-446655440000"));
        for bad in ["", "550e8400e29b41d4a716446655440000", "550e8400-e29b-41d4-a716-44665544000", "550e8400-e29b-41d4-a716-44665544000g", "{550e8400-e29b-41d4-a716-446655440000}", "550e8400-e29b-41d4-a716-4466554400\u{e9}"] {
            assert_eq!(uuid(bad), None, "{bad}");
        }
    }
}
