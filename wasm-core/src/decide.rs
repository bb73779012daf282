//! URL decisions: where a visit is allowed, warned or blocked, and why.
//!
//! Every host of every rule, tool, exception and pilot is compiled into one [`HostIndex`]:
//! a hash map from canonical host to the entries for it. A URL's host is looked up once per
//! label suffix (`a.chatgpt.com`, `chatgpt.com`, `com`), so matching costs a handful of
//! hash lookups whatever the size of the policy, and only whole labels ever match
//! (`notchatgpt.com` is not `chatgpt.com`). Among the entries found, the one of the highest
//! layer wins (suspension, then exception or pilot, authorized tool, department rule, city
//! rule), and within a layer the most specific (longest host, then longest path).

use std::fmt;

use rustc_hash::FxHashMap;

use serde::Serialize;

use crate::policy::{Category, GrantKind, Policy, SiteAction, path_unit};

/// Precedence layers, lowest first. The order of the variants is the precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Layer {
    /// A tool authorized for others only: blocks when nothing else decides.
    RestrictedTool,
    CityRule,
    DepartmentRule,
    Tool,
    Grant,
}

/// One compiled host entry.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) layer: Layer,
    /// Index into the policy's list for that layer.
    pub(crate) target: u32,
    /// Canonical path prefix, empty for the whole host.
    pub(crate) path: Box<str>,
}

/// Hosts of every rule, compiled for lookup by label suffix.
#[derive(Debug, Clone, Default)]
pub(crate) struct HostIndex {
    pub(crate) map: FxHashMap<Box<str>, Vec<Entry>>,
}

impl HostIndex {
    pub(crate) fn build(policy: &Policy) -> HostIndex {
        let mut index = HostIndex::default();
        // Sized once: rehashing a county's 100,000 hosts as the map grows is most of the cost.
        let hosts = policy.site_rules.iter().map(|r| r.hosts.len()).chain(policy.tools.iter().map(|t| t.hosts.len())).chain(policy.grants.iter().map(|g| g.hosts.len()));
        index.map.reserve(hosts.sum());
        for (i, r) in policy.site_rules.iter().enumerate() {
            let layer = if r.department.is_some() { Layer::DepartmentRule } else { Layer::CityRule };
            index.add(&r.hosts, &r.paths, layer, i);
        }
        for (i, t) in policy.tools.iter().enumerate() {
            index.add(&t.hosts, &t.paths, Layer::Tool, i);
        }
        for (i, g) in policy.grants.iter().enumerate() {
            index.add(&g.hosts, &g.paths, Layer::Grant, i);
        }
        for entries in index.map.values_mut() {
            // Longest path first, so the first applicable entry of a layer is the most specific.
            entries.sort_by_key(|e| std::cmp::Reverse(e.path.len()));
            entries.shrink_to_fit();
        }
        index
    }

    fn add(&mut self, hosts: &[String], paths: &[String], layer: Layer, target: usize) {
        let target = u32::try_from(target).expect("fewer than 2^32 rules");
        for h in hosts {
            let list = self.map.entry(h.as_str().into()).or_default();
            if paths.is_empty() {
                list.push(Entry { layer, target, path: "".into() });
            }
            for p in paths {
                list.push(Entry { layer, target, path: p.as_str().into() });
            }
        }
    }
}

/// Whether a URL path falls under a rule's path prefix: the prefix itself or below it,
/// never a longer name (`/chat` covers `/chat/x`, not `/chatter`). ASCII case-insensitive,
/// and percent-encoded unreserved characters count as themselves (`/%63hat` is `/chat` to
/// most servers), so neither spelling is a way around a rule. Prefixes are stored in that
/// normal form (see `canonical_path`). Allocation-free.
pub(crate) fn path_matches(prefix: &str, path: &str) -> bool {
    let (p, u) = (prefix.as_bytes(), path.as_bytes());
    let mut j = 0;
    for &want in p {
        match path_unit(u, j) {
            Some((got, len)) if got.eq_ignore_ascii_case(&want) => j += len,
            _ => return false,
        }
    }
    match path_unit(u, j) {
        None => true,
        Some((b'/' | b';', _)) => true,
        // An encoded slash is a segment boundary to many servers.
        Some((b'%', _)) => u.get(j + 1..j + 3).is_some_and(|h| h.eq_ignore_ascii_case(b"2f")),
        _ => false,
    }
}

/// What a decision is about: the URL and who is visiting it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Visit<'a> {
    /// The URL as the browser has it (any spelling: it is parsed as a browser would).
    pub url: &'a str,
    /// The visitor's department id, if known.
    pub department: Option<&'a str>,
    /// The visitor's e-mail, if known and trusted for the rules that allow (per-user tools,
    /// exceptions, pilots).
    pub user: Option<&'a str>,
    /// The visitor's e-mail hashed with the policy's `suspension_salt`, for the suspensions
    /// devices receive hashed (whether or not the e-mail is trusted: a suspension only takes).
    pub user_hash: Option<&'a str>,
    /// The time of the visit, Unix seconds (exceptions, pilots and suspensions expire).
    pub now: i64,
}

/// Which layer of the policy decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A suspension of the user's or department's AI privileges (§VII).
    Suspension,
    /// An exception approved by the City Manager (§VIII).
    Exception,
    /// A pilot (§IV.7).
    Pilot,
    /// An authorized tool (§IV.1).
    AuthorizedTool,
    /// An authorized tool the visitor is not authorized for.
    RestrictedTool,
    /// The department's overlay.
    DepartmentRule,
    /// A city-wide rule.
    CityRule,
    /// No rule matched.
    Default,
    /// Not a web URL (e.g. `file:`, `chrome:`); nothing to decide.
    NotWeb,
}

/// The answer for a visit. Borrowed from the policy, so deciding allocates nothing but the
/// parsed URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision<'p> {
    /// What happens.
    pub action: SiteAction,
    /// The id of the rule, tool, exception, pilot or suspension that decided.
    pub rule: Option<&'p str>,
    /// The category of the site, when a site rule decided or the site is one.
    pub category: Option<Category>,
    /// The section of APP 04.05 that applies.
    pub policy_ref: Option<&'p str>,
    /// What staff are told.
    pub message: Option<&'p str>,
    /// Which layer decided.
    pub source: Source,
    /// For authorized tools: the CPRA public-records notice (§VI).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<&'p str>,
    /// For authorized tools with tenant restrictions: only the City's workspace can be signed
    /// in to here (the vendor refuses personal accounts).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub workspace_only: bool,
    /// For blocks: the authorized tool to use instead, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternative: Option<Alternative<'p>>,
    /// The canonical host that was decided.
    pub host: String,
}

/// An authorized tool offered instead of a blocked site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alternative<'p> {
    /// Tool id.
    pub id: &'p str,
    /// Tool name.
    pub name: &'p str,
    /// Where it is.
    pub url: String,
}

/// A URL that cannot be decided because it is not a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlError {
    input: String,
    reason: String,
}

impl UrlError {
    /// Why it is not a URL.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self.input.chars().take(200).collect();
        write!(f, "`{shown}` is not a URL: {}", self.reason)
    }
}

impl std::error::Error for UrlError {}

/// Parses a URL as a browser does. A URL typed without a scheme (`chatgpt.com/x`) is read
/// as `https://`, as the address bar would.
pub fn parse_url(input: &str) -> Result<url::Url, UrlError> {
    let err = |e: url::ParseError| UrlError { input: input.to_owned(), reason: e.to_string() };
    match url::Url::parse(input) {
        Ok(u) => Ok(u),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            url::Url::parse(&format!("https://{}", input.trim())).map_err(err)
        }
        Err(e) => Err(err(e)),
    }
}

/// The canonical host of a parsed URL, or `None` for URLs without one.
pub(crate) fn url_host(url: &url::Url) -> Option<&str> {
    match url.host()? {
        url::Host::Domain(d) => Some(d.strip_suffix('.').unwrap_or(d)),
        _ => url.host_str(),
    }
}

/// Google Translate's proxy host for a site (`chatgpt-com.translate.goog`): its hyphens
/// doubled, its dots made hyphens; `None` for an IP address, which the proxy does not serve.
pub fn translate_proxy_host(host: &str) -> Option<String> {
    crate::policy::is_domain_name(host).then(|| format!("{}.translate.goog", host.replace('-', "--").replace('.', "-")))
}

/// The site behind a Google Translate proxy host (`www-chatgpt-com.translate.goog` →
/// `www.chatgpt.com`), which serves that site's pages: decided as the site itself.
pub fn translated_site(host: &str) -> Option<String> {
    let label = host.strip_suffix(".translate.goog")?;
    if label.is_empty() || label.contains('.') || label.starts_with('-') || label.ends_with('-') {
        return None;
    }
    let site = label.replace("--", "\0").replace('-', ".").replace('\0', "-");
    (site.contains('.') && !site.split('.').any(str::is_empty)).then_some(site)
}

/// The best entry found for a host and path, and what else was seen on the way.
pub(crate) struct Lookup<'i> {
    pub(crate) best: Option<&'i Entry>,
    /// Any rule at all matched (a suspension blocks every AI site).
    pub(crate) any: Option<&'i Entry>,
}

/// The host and each parent domain, longest first (`a.b.com`, `b.com`, `com`); an IP
/// address only as itself. Slices of `host`: no allocation.
fn suffixes(host: &str) -> impl Iterator<Item = &str> {
    let is_ip = host.starts_with('[') || host.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    std::iter::successors(Some(host), move |s| if is_ip { None } else { s.find('.').map(|dot| &s[dot + 1..]) })
}

impl HostIndex {
    /// The entries for the host and its parent domains whose path matches, most specific
    /// host first.
    fn matching<'i>(&'i self, host: &'i str, path: &'i str) -> impl Iterator<Item = (&'i str, &'i Entry)> {
        suffixes(host)
            .filter_map(|s| self.map.get(s).map(|entries| (s, entries)))
            .flat_map(move |(s, entries)| entries.iter().filter(move |e| path_matches(&e.path, path)).map(move |e| (s, e)))
    }

    /// The first matching entry for which `f` gives a value.
    pub(crate) fn find<'i, T>(&'i self, host: &'i str, path: &'i str, f: impl FnMut(&'i Entry) -> Option<T>) -> Option<T> {
        self.matching(host, path).map(|(_, e)| e).find_map(f)
    }

    /// Finds the deciding entry for `host` and `path`, for this department and user at `now`.
    pub(crate) fn lookup<'i>(&'i self, policy: &Policy, host: &'i str, path: &'i str, department: Option<&str>, user: Option<&str>, now: i64) -> Lookup<'i> {
        let mut best: Option<(&Entry, (Layer, usize, usize))> = None;
        let mut any = None;
        for (suffix, e) in self.matching(host, path) {
            any.get_or_insert(e);
            let Some(layer) = applicable(policy, e, department, user, now) else { continue };
            let key = (layer, suffix.len(), e.path.len());
            if best.is_none_or(|(_, k)| key > k) {
                best = Some((e, key));
            }
        }
        Lookup { best: best.map(|(e, _)| e), any }
    }
}

/// The layer an entry acts in for this visitor, or `None` if it does not apply to them.
fn applicable(policy: &Policy, e: &Entry, department: Option<&str>, user: Option<&str>, now: i64) -> Option<Layer> {
    let t = e.target as usize;
    match e.layer {
        Layer::CityRule => Some(Layer::CityRule),
        Layer::DepartmentRule => {
            let d = policy.site_rules[t].department?;
            let id = &policy.departments[d].id;
            department.is_some_and(|x| x.trim().eq_ignore_ascii_case(id)).then_some(Layer::DepartmentRule)
        }
        Layer::Tool => {
            let a = &policy.tools[t].audience;
            Some(if a.is_empty() || a.includes(department, user) { Layer::Tool } else { Layer::RestrictedTool })
        }
        Layer::Grant => {
            let g = &policy.grants[t];
            (g.active(now) && g.audience.includes(department, user)).then_some(Layer::Grant)
        }
        Layer::RestrictedTool => Some(Layer::RestrictedTool),
    }
}

/// Decides a visit against a compiled policy.
pub(crate) fn decide<'p>(policy: &'p Policy, index: &HostIndex, visit: &Visit<'_>) -> Result<Decision<'p>, UrlError> {
    let url = parse_url(visit.url)?;
    let host = match (url.scheme(), url_host(&url)) {
        ("http" | "https" | "ws" | "wss", Some(h)) => h,
        _ => return Ok(Decision::plain(SiteAction::Allow, Source::NotWeb, url.host_str().unwrap_or_default())),
    };
    let proxied = translated_site(host);
    let host = proxied.as_deref().unwrap_or(host);
    let found = index.lookup(policy, host, url.path(), visit.department, visit.user, visit.now);
    if let Some(s) = found.any.and(policy.suspension_for(visit.department, visit.user, visit.user_hash, visit.now)) {
        let mut d = Decision::plain(SiteAction::Block, Source::Suspension, host);
        d.rule = Some(&s.id);
        d.policy_ref = Some(&s.policy_ref);
        d.message = Some(if s.reason.is_empty() { "Your AI privileges are suspended pending review." } else { &s.reason });
        d.category = found.any.and_then(|e| entry_category(policy, e));
        return Ok(d);
    }
    let Some(e) = found.best else {
        return Ok(Decision::plain(SiteAction::Allow, Source::Default, host));
    };
    let t = e.target as usize;
    let layer = applicable(policy, e, visit.department, visit.user, visit.now);
    let mut d = match (e.layer, layer) {
        (Layer::CityRule | Layer::DepartmentRule, _) => {
            let r = &policy.site_rules[t];
            let source = if e.layer == Layer::CityRule { Source::CityRule } else { Source::DepartmentRule };
            let mut d = Decision::plain(r.action, source, host);
            d.rule = Some(&r.id);
            d.category = Some(r.category);
            d.policy_ref = Some(&r.policy_ref);
            d.message = Some(&r.message);
            d
        }
        (Layer::Tool, Some(Layer::Tool)) => {
            let tool = &policy.tools[t];
            let mut d = Decision::plain(SiteAction::Allow, Source::AuthorizedTool, host);
            d.rule = Some(&tool.id);
            d.policy_ref = Some(&tool.policy_ref);
            d.notice = Some(&tool.public_records_notice);
            d.workspace_only = !tool.tenant.is_empty();
            d
        }
        (Layer::Tool, _) => {
            let tool = &policy.tools[t];
            let mut d = Decision::plain(SiteAction::Block, Source::RestrictedTool, host);
            d.rule = Some(&tool.id);
            d.policy_ref = Some(&tool.policy_ref);
            d.message = Some("This AI tool is authorized only for certain departments or staff. Ask IT for approval (APP 04.05 §IV.2).");
            d
        }
        (Layer::Grant, _) => {
            let g = &policy.grants[t];
            let source = match g.kind {
                GrantKind::Exception => Source::Exception,
                GrantKind::Pilot => Source::Pilot,
            };
            let mut d = Decision::plain(SiteAction::Allow, source, host);
            d.rule = Some(&g.id);
            d.policy_ref = Some(&g.policy_ref);
            d
        }
        (Layer::RestrictedTool, _) => unreachable!("no entry is stored in the restricted layer"),
    };
    if d.category.is_none() {
        // The site's own category, if a city rule names it, helps reports even when a
        // tool or grant decided.
        d.category = index.lookup(policy, host, url.path(), None, None, visit.now).best.and_then(|e| entry_category(policy, e));
    }
    if d.action == SiteAction::Block {
        d.alternative = alternative(policy, visit.department, visit.user);
    }
    Ok(d)
}

fn entry_category(policy: &Policy, e: &Entry) -> Option<Category> {
    matches!(e.layer, Layer::CityRule | Layer::DepartmentRule).then(|| policy.site_rules[e.target as usize].category)
}

/// The first authorized tool this visitor may use, offered on the block page.
fn alternative<'p>(policy: &'p Policy, department: Option<&str>, user: Option<&str>) -> Option<Alternative<'p>> {
    let t = policy.tools.iter().find(|t| t.audience.is_empty() || t.audience.includes(department, user))?;
    let host = t.hosts.first()?;
    let path = t.paths.first().map(String::as_str).unwrap_or("/");
    Some(Alternative { id: &t.id, name: &t.name, url: format!("https://{host}{path}") })
}

impl<'p> Decision<'p> {
    fn plain(action: SiteAction, source: Source, host: &str) -> Decision<'p> {
        Decision {
            action,
            rule: None,
            category: None,
            policy_ref: None,
            message: None,
            source,
            notice: None,
            workspace_only: false,
            alternative: None,
            host: host.to_owned(),
        }
    }
}

#[cfg(test)]
mod translate_tests {
    use super::{translate_proxy_host, translated_site};

    #[test]
    fn proxy_hosts_round_trip_and_odd_labels_are_not_sites() {
        for site in ["chatgpt.com", "www.chatgpt.com", "my-site.example.org", "a--b.ai"] {
            assert_eq!(translate_proxy_host(site).and_then(|p| translated_site(&p)).as_deref(), Some(site), "{site}");
        }
        assert_eq!(translate_proxy_host("my-site.com").as_deref(), Some("my--site-com.translate.goog"));
        assert_eq!(translate_proxy_host("10.0.0.1"), None);
        assert_eq!(translate_proxy_host("[::1]"), None);
        for odd in ["translate.goog", "-chatgpt-com.translate.goog", "chatgpt-.translate.goog", "chatgpt.translate.goog", "a.chatgpt-com.translate.goog", "chatgpt--com.translate.goog", "x.example"] {
            assert_eq!(translated_site(odd), None, "{odd}");
        }
    }
}
