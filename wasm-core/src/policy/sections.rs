//! The lists of a policy document whose items have an `id`, addressed by name: how a draft is
//! edited one item at a time and how two versions are compared item by item.
//!
//! Items go in and out as JSON (they arrive from an HTTP body and are shown in a console), but
//! in between they are the typed [`raw`](super::raw) items: an item is read with the policy's
//! own schema, and an edit writes the document the way [`RawPolicy`] serialises it, whatever
//! layout it was stored in before.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::raw::*;
use super::{PolicyError, Problem, ProblemKind};

/// A list of a policy document whose items have an `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// City-wide site rules.
    SiteRules,
    /// Authorized AI tools.
    AuthorizedTools,
    /// City-wide content rules.
    ContentRules,
    /// Department overlays.
    Departments,
    /// Exceptions approved by the City Manager.
    Exceptions,
    /// Pilots on public data.
    Pilots,
    /// Suspended AI privileges.
    Suspensions,
    /// Browser extensions known to embed AI.
    KnownAiExtensions,
}

impl Section {
    /// Every section, in the order a document lists them.
    pub const ALL: [Section; 8] = [
        Section::SiteRules,
        Section::AuthorizedTools,
        Section::ContentRules,
        Section::Departments,
        Section::Exceptions,
        Section::Pilots,
        Section::Suspensions,
        Section::KnownAiExtensions,
    ];

    /// Its name in the document.
    pub fn as_str(self) -> &'static str {
        match self {
            Section::SiteRules => "site_rules",
            Section::AuthorizedTools => "authorized_tools",
            Section::ContentRules => "content_rules",
            Section::Departments => "departments",
            Section::Exceptions => "exceptions",
            Section::Pilots => "pilots",
            Section::Suspensions => "suspensions",
            Section::KnownAiExtensions => "known_ai_extensions",
        }
    }

    /// The section with this name.
    pub fn named(name: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl std::fmt::Display for Section {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An item of a section.
trait Item: Serialize + DeserializeOwned {
    fn id(&self) -> &str;
}

macro_rules! items {
    ($($t:ty),*) => {
        $(impl Item for $t {
            fn id(&self) -> &str {
                &self.id
            }
        })*
    };
}
items!(RawSiteRule, RawTool, RawContentRule, RawDepartment, RawException, RawPilot, RawSuspension, RawAiExtension);

/// Runs `$body` with `$list` bound to the section's typed list, borrowed as asked (`&` or
/// `&mut`); each arm is its own type, so `$body` calls generic code.
macro_rules! on_section {
    (&mut $policy:expr, $section:expr, |$list:ident| $body:expr) => {
        on_section!(@[&mut] $policy, $section, $list, $body)
    };
    (&$policy:expr, $section:expr, |$list:ident| $body:expr) => {
        on_section!(@[&] $policy, $section, $list, $body)
    };
    (@[$($borrow:tt)+] $policy:expr, $section:expr, $list:ident, $body:expr) => {
        match $section {
            Section::SiteRules => { let $list = $($borrow)+ $policy.site_rules; $body }
            Section::AuthorizedTools => { let $list = $($borrow)+ $policy.authorized_tools; $body }
            Section::ContentRules => { let $list = $($borrow)+ $policy.content_rules; $body }
            Section::Departments => { let $list = $($borrow)+ $policy.departments; $body }
            Section::Exceptions => { let $list = $($borrow)+ $policy.exceptions; $body }
            Section::Pilots => { let $list = $($borrow)+ $policy.pilots; $body }
            Section::Suspensions => { let $list = $($borrow)+ $policy.suspensions; $body }
            Section::KnownAiExtensions => { let $list = $($borrow)+ $policy.known_ai_extensions; $body }
        }
    };
}

fn to_json<T: Serialize>(item: &T) -> Value {
    serde_json::to_value(item).expect("a raw policy item always serialises")
}

fn listed<T: Item>(list: &[T]) -> Vec<(String, Value)> {
    list.iter().map(|i| (i.id().to_owned(), to_json(i))).collect()
}

fn put<T: Item>(list: &mut Vec<T>, section: Section, item: Value) -> Result<(Option<Value>, Value), PolicyError> {
    let id = item.get("id").and_then(Value::as_str).unwrap_or_default();
    let at = list.iter().position(|i| i.id() == id);
    let index = at.unwrap_or(list.len());
    let item: T = serde_path_to_error::deserialize(item).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." { String::new() } else { format!(".{field}") };
        PolicyError::single(Problem::new(ProblemKind::Schema, format!("{section}[{index}]{field}"), e.into_inner().to_string()))
    })?;
    let after = to_json(&item);
    let before = match at {
        Some(at) => Some(to_json(&std::mem::replace(&mut list[at], item))),
        None => {
            list.push(item);
            None
        }
    };
    Ok((before, after))
}

fn remove<T: Item>(list: &mut Vec<T>, id: &str) -> Option<Value> {
    let at = list.iter().position(|i| i.id() == id)?;
    Some(to_json(&list.remove(at)))
}

impl RawPolicy {
    /// The items of a section, each with its id, as the document writes them.
    pub fn items(&self, section: Section) -> Vec<(String, Value)> {
        on_section!(&self, section, |list| listed(list))
    }

    /// Adds an item to a section, or replaces the one with its `id`: the item replaced (if
    /// any) and the item as the document now writes it. The item is read with the policy's
    /// schema; a problem names the section, the item's index and the field.
    pub fn put_item(&mut self, section: Section, item: Value) -> Result<(Option<Value>, Value), PolicyError> {
        on_section!(&mut self, section, |list| put(list, section, item))
    }

    /// Removes the item with this id from a section: the item, if there was one.
    pub fn remove_item(&mut self, section: Section, id: &str) -> Option<Value> {
        on_section!(&mut self, section, |list| remove(list, id))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rule(id: &str, host: &str) -> Value {
        json!({"id": id, "hosts": [host], "category": "general_purpose_ai", "action": "block", "policy_ref": "APP 04.05 §IV.1"})
    }

    #[test]
    fn names_round_trip() {
        for s in Section::ALL {
            assert_eq!(Section::named(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).expect("serialises"), json!(s.as_str()));
        }
        assert_eq!(Section::named("site_rulez"), None);
    }

    #[test]
    fn put_adds_then_replaces_and_remove_takes_out() {
        let mut p = RawPolicy { schema_version: 1, ..RawPolicy::default() };
        let (before, after) = p.put_item(Section::SiteRules, rule("a", "a.example")).expect("on the schema");
        assert_eq!(before, None);
        // As the document writes it: defaults filled in, empty paths left out.
        assert_eq!(after["message"], "");
        assert!(after.get("paths").is_none());
        p.put_item(Section::SiteRules, rule("b", "b.example")).expect("on the schema");
        let (before, _) = p.put_item(Section::SiteRules, rule("a", "c.example")).expect("on the schema");
        assert_eq!(before.expect("replaced")["hosts"], json!(["a.example"]));
        assert_eq!(p.site_rules.iter().map(|r| (r.id.as_str(), r.hosts[0].as_str())).collect::<Vec<_>>(), [("a", "c.example"), ("b", "b.example")]);
        let ids: Vec<String> = p.items(Section::SiteRules).into_iter().map(|(id, _)| id).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(p.remove_item(Section::SiteRules, "a").expect("removed")["id"], "a");
        assert_eq!(p.remove_item(Section::SiteRules, "a"), None);
        assert_eq!(p.site_rules.len(), 1);
    }

    #[test]
    fn an_item_off_the_schema_names_where() {
        let mut p = RawPolicy { schema_version: 1, ..RawPolicy::default() };
        p.put_item(Section::SiteRules, rule("a", "a.example")).expect("on the schema");
        let err = p.put_item(Section::SiteRules, json!({"id": "b", "hosts": "b.example"})).expect_err("off the schema");
        let problem = &err.problems()[0];
        assert_eq!((problem.kind(), problem.at()), (ProblemKind::Schema, "site_rules[1].hosts"), "{err}");
        let err = p.put_item(Section::SiteRules, json!({"id": "a", "hostz": []})).expect_err("off the schema");
        assert_eq!(err.problems()[0].at(), "site_rules[0].hostz", "{err}");
        assert!(err.problems()[0].message().contains("hostz"), "{err}");
        assert_eq!(p.site_rules.len(), 1, "nothing changed");
    }
}
