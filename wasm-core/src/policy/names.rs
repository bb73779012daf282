//! The closed vocabularies of a policy (categories, actions) and the canonical forms of its
//! hosts, paths and times.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident, $what:literal { $( $(#[$vdoc:meta])* $variant:ident = $s:literal, )* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $( $(#[$vdoc])* $variant, )* }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The identifier used in policies and reports.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s,)* }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($s => Ok($name::$variant),)*
                    _ => Err(format!(
                        concat!("`{}` is not ", $what, " (one of: {})"),
                        s,
                        [$($s),*].join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// What kind of AI service a site rule is about.
    Category, "a category" {
        /// Chat assistants such as ChatGPT, Gemini, Copilot, Claude (§II, §IV.1).
        GeneralPurposeAi = "general_purpose_ai",
        /// AI search engines.
        AiSearch = "ai_search",
        /// Writing and paraphrasing tools.
        WritingAssistant = "writing_assistant",
        /// Image generation.
        ImageGeneration = "image_generation",
        /// Video generation.
        VideoGeneration = "video_generation",
        /// Voice and music generation.
        VoiceGeneration = "voice_generation",
        /// AI companions.
        AiCompanion = "ai_companion",
        /// Code assistants.
        CodeAssistant = "code_assistant",
        /// Model playgrounds and APIs.
        ModelPlayground = "model_playground",
        /// Prohibited uses (§IV.6): biometric identification, emotion recognition, ...
        ProhibitedUse = "prohibited_use",
        /// AI embedded in other products (§II).
        EmbeddedAi = "embedded_ai",
        /// Anything else.
        Other = "other",
    }
}

vocabulary! {
    /// What happens on a visit.
    SiteAction, "a site action" {
        /// Let the visit through.
        Allow = "allow",
        /// Explain, ask for a justification, then let through.
        Warn = "warn",
        /// Stop the visit.
        Block = "block",
    }
}

vocabulary! {
    /// What happens to a paste with findings, from most to least permissive.
    ContentAction, "a content action" {
        /// Paste it.
        Allow = "allow",
        /// Paste it with findings replaced by placeholders.
        Redact = "redact",
        /// Ask first: paste anyway, paste redacted, or cancel.
        Warn = "warn",
        /// Do not paste.
        Block = "block",
    }
}

/// Canonicalises a rule's host as a browser would: IDNA to punycode, lowercase, no trailing
/// dot. Refuses anything that is not a bare host, with a message that says what to write.
pub(crate) fn canonical_host(input: &str) -> Result<String, String> {
    let h = input.trim();
    if h.is_empty() {
        return Err("a host cannot be empty".into());
    }
    if let Some(rest) = h.strip_prefix("*.") {
        return Err(format!("`{h}`: write `{rest}`; a host already matches all its subdomains"));
    }
    if h.contains("://") || h.contains(['/', '?', '#', '@', ' ']) {
        return Err(format!("`{h}` is not a bare host: no scheme, path, query or user (put paths in `paths`)"));
    }
    if h.starts_with('[') {
        return match url::Host::parse(h) {
            Ok(host @ url::Host::Ipv6(_)) => Ok(host.to_string()),
            _ => Err(format!("`{h}` is not an IPv6 address")),
        };
    }
    if h.contains(':') {
        return Err(format!("`{h}`: a host rule cannot name a port"));
    }
    let h = h.strip_suffix('.').unwrap_or(h);
    match url::Host::parse(h) {
        Ok(url::Host::Domain(d)) => {
            if d.split('.').any(str::is_empty) {
                Err(format!("`{h}` has an empty label"))
            } else if !d.contains('.') {
                Err(format!("`{h}` is not a domain name such as `chatgpt.com`"))
            } else {
                Ok(d)
            }
        }
        Ok(host @ url::Host::Ipv4(_)) => Ok(host.to_string()),
        Ok(url::Host::Ipv6(_)) => Err(format!("`{h}`: write IPv6 addresses in brackets")),
        Err(e) => Err(format!("`{h}` is not a valid host: {e}")),
    }
}

/// Whether a canonical host (from [`canonical_host`]) is a domain name, not an IP address.
pub(crate) fn is_domain_name(canonical: &str) -> bool {
    !canonical.starts_with('[') && canonical.contains(|c: char| c.is_ascii_alphabetic())
}

/// Canonicalises a path prefix: percent-encoded as a browser would, with escapes of
/// unreserved characters decoded and ASCII lowercased (matching ignores both), no trailing
/// slash.
pub(crate) fn canonical_path(input: &str) -> Result<String, String> {
    let p = input.trim();
    if !p.starts_with('/') {
        return Err(format!("`{p}` must start with `/`"));
    }
    if p.contains(['?', '#']) {
        return Err(format!("`{p}`: a path prefix cannot hold a query or fragment"));
    }
    let parsed = url::Url::parse(&format!("https://host.invalid{p}")).map_err(|e| format!("`{p}` is not a path: {e}"))?;
    let path = parsed.path().trim_end_matches('/');
    if path.is_empty() {
        return Err(format!("`{p}` matches the whole host: leave `paths` out instead"));
    }
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut at = 0;
    while let Some((b, len)) = path_unit(bytes, at) {
        out.push(char::from(b.to_ascii_lowercase()));
        at += len;
    }
    Ok(out)
}

/// The path unit at `at`: a byte, or a `%XX` escape of an unreserved character decoded.
/// Returns the byte and how many input bytes it took.
pub(crate) fn path_unit(path: &[u8], at: usize) -> Option<(u8, usize)> {
    let b = *path.get(at)?;
    if b == b'%' {
        if let Some(hex) = path.get(at + 1..at + 3) {
            let decoded = std::str::from_utf8(hex).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(c) = decoded.filter(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~')) {
                return Some((c, 3));
            }
        }
    }
    Some((b, 1))
}

/// Parses an RFC 3339 time, or a date (`2026-12-31`) meaning the start of that day, or with
/// `end_of_day` the end of it (an expiry on a date lasts through that date), in UTC.
pub(crate) fn parse_time(s: &str, end_of_day: bool) -> Result<i64, String> {
    let s = s.trim();
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t.unix_timestamp());
    }
    match time::Date::parse(s, format_description!("[year]-[month]-[day]")) {
        Ok(d) => {
            let start = d.midnight().assume_utc().unix_timestamp();
            Ok(if end_of_day { start + 86_400 } else { start })
        }
        Err(_) => Err(format!("`{s}` is not a time (RFC 3339 such as 2026-12-31T17:00:00Z, or a date 2026-12-31)")),
    }
}
