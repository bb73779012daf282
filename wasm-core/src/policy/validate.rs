//! Validation: a raw policy becomes a [`Policy`], or a [`PolicyError`] listing every problem
//! with the rule (list, index, id) and field it is in. Hosts are canonicalised here, once, so
//! that matching at decision time is a plain comparison.

use super::*;

impl Policy {
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
pub(super) struct Validator {
    pub(super) problems: Vec<Problem>,
    ids: HashMap<String, String>,
}

impl Validator {
    pub(super) fn problem(&mut self, kind: ProblemKind, at: String, message: String) {
        self.problems.push(Problem::new(kind, at, message));
    }

    /// Checks a rule id's shape and uniqueness across the whole policy.
    pub(super) fn id(&mut self, at: &str, id: &str) {
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

    pub(super) fn slug(&mut self, at: &str, s: &str) -> String {
        let slug = s.trim().to_ascii_lowercase();
        let ok = !slug.is_empty()
            && slug.len() <= 64
            && slug.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            self.problem(ProblemKind::Invalid, at.to_owned(), format!("`{s}` is not a department id (letters, digits, '-', '_')"));
        }
        slug
    }

    pub(super) fn policy_ref(&mut self, at: &str, id: &str, policy_ref: &str) {
        if policy_ref.trim().is_empty() {
            self.problem(
                ProblemKind::Invalid,
                format!("{at} `{id}`.policy_ref"),
                "every rule cites the section of the policy that applies".into(),
            );
        }
    }

    pub(super) fn hosts(&mut self, at: &str, id: &str, hosts: &[String]) -> Vec<String> {
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

    pub(super) fn paths(&mut self, at: &str, id: &str, paths: &[String]) -> Vec<String> {
        let mut out = Vec::with_capacity(paths.len());
        for (j, p) in paths.iter().enumerate() {
            match names::canonical_path(p) {
                Ok(c) => out.push(c),
                Err(why) => self.problem(ProblemKind::Invalid, format!("{at} `{id}`.paths[{j}]"), why),
            }
        }
        out
    }

    pub(super) fn audience(&mut self, at: &str, id: &str, departments: &[String], users: &[String]) -> Audience {
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

    pub(super) fn time(&mut self, at: &str, s: &str, end_of_day: bool) -> Option<i64> {
        match names::parse_time(s, end_of_day) {
            Ok(t) => Some(t),
            Err(why) => {
                self.problem(ProblemKind::Invalid, at.to_owned(), why);
                None
            }
        }
    }

    pub(super) fn order(&mut self, at: &str, id: &str, starts: Option<i64>, expires: Option<i64>) {
        if let (Some(s), Some(e)) = (starts, expires) {
            if e <= s {
                self.problem(ProblemKind::Invalid, format!("{at} `{id}`.expires_at"), "ends before it starts".into());
            }
        }
    }

    pub(super) fn site_rule(
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
    pub(super) fn unique_entries(&mut self, written: &[String], rules: &[SiteRule]) {
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

    pub(super) fn content_rules(&mut self, at: &str, rules: &[RawContentRule]) -> Vec<ContentRule> {
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
    pub(super) fn grant(
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
