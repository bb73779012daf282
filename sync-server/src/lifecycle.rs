//! The policy lifecycle: the draft admins edit, publishing it as an immutable signed version,
//! rollback, and the difference between two versions.
//!
//! Every edit goes one way: the draft is read into lifeguard-core's typed [`RawPolicy`], the
//! edit changes that, and the whole document is validated before it is saved, so the draft is
//! always publishable. JSON is only what comes in and goes out. Edits are read-modify-write on
//! the draft's revision: two admins (or two replicas) editing at once both succeed, one after
//! the other, and neither edit is lost.

use lifeguard_core::policy::Section;
use lifeguard_core::policy::raw::RawPolicy;
use lifeguard_core::{Engine, Policy};
use serde_json::{Map, Value, json};

use crate::auth::Principal;
use crate::access::Action;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{AuditEntry, DraftWrite, PolicyVersion, Write};

/// The actor recorded for changes the server makes itself (the first version).
pub const SYSTEM: &str = "lifeguard";

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// RFC 3339 for a Unix time.
pub fn rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// Reads a document with lifeguard-core: 422 with every problem if it is not valid. On the
/// blocking pool: a county's 100,000-host policy takes a tenth of a second to validate, which
/// must not hold an async worker (and every request queued on it, `/healthz` included).
pub async fn parse(doc: &Value) -> ApiResult<Policy> {
    let json = doc.to_string();
    actix_web::web::block(move || Policy::from_json(&json)).await.map_err(ApiError::internal)?.map_err(|e| ApiError::InvalidPolicy(crate::error::problems(&e)))
}

/// Validates a document that may be stored or published: valid, and within the limits of the
/// browser rules it compiles to (Chrome refuses an update past them and keeps stale rules).
/// On the blocking pool, like [`parse`].
pub async fn validate(doc: &RawPolicy) -> ApiResult<Engine> {
    let raw = doc.clone();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let checked = actix_web::web::block(move || {
        let engine = Engine::new(Policy::validate(raw)?);
        engine.check_browser_limits(now)?;
        Ok::<_, lifeguard_core::PolicyError>(engine)
    });
    checked.await.map_err(ApiError::internal)?.map_err(|e| ApiError::InvalidPolicy(crate::error::problems(&e)))
}

/// A stored document (the draft, a version), read as written: it was valid when it was saved.
pub fn stored(document: &str) -> ApiResult<RawPolicy> {
    serde_json::from_str(document).map_err(ApiError::internal)
}

/// A document as JSON, for responses and the audit log.
pub fn to_json<T: serde::Serialize>(doc: &T) -> Value {
    serde_json::to_value(doc).expect("a policy document always serialises")
}

fn to_text(doc: &RawPolicy) -> String {
    serde_json::to_string(doc).expect("a policy document always serialises")
}

fn audit(who: &Principal, action: &str, target: &str, before: Option<&Value>, after: Option<&Value>) -> AuditEntry {
    AuditEntry {
        actor: who.who().to_owned(),
        role: who.role().as_str().to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        before: before.map(Value::to_string),
        after: after.map(Value::to_string),
    }
}

/// Makes sure there is a published version and a draft: on first start, the default city
/// policy becomes version 1 and the draft.
pub async fn ensure_initial(state: &AppState) -> anyhow::Result<()> {
    let default = Policy::default_city().raw().clone();
    if state.store.latest_version().await?.is_none() {
        let v = make_version(state, 1, default.clone(), SYSTEM, "the default city policy", None);
        // Another replica starting at the same moment may win; either way version 1 exists.
        let _ = state.store.insert_version(&v, None, None).await?;
    }
    state.store.init_draft(&to_text(&default), SYSTEM).await?;
    if let Some(latest) = state.store.latest_version().await? {
        if let Some(v) = state.store.version(latest).await? {
            let signer = signer_kid(&v.bundle);
            if signer.as_deref() != Some(state.keys.kid()) {
                // Devices pin the key; a replica with its own key would serve bundles that do
                // not verify against the key it hands out.
                tracing::warn!(
                    version = v.version,
                    signed_by = signer.as_deref().unwrap_or("?"),
                    this_key = state.keys.kid(),
                    "the current policy was signed with another key: replicas must share the data folder's key files"
                );
            }
            state.bundles.offer(&v);
        }
    }
    Ok(())
}

/// The `kid` in a bundle's JWS header.
fn signer_kid(bundle: &str) -> Option<String> {
    use base64::Engine as _;
    let header = bundle.split('.').next()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).ok()?;
    serde_json::from_slice::<Value>(&bytes).ok()?.get("kid")?.as_str().map(str::to_owned)
}

fn make_version(state: &AppState, version: i64, mut doc: RawPolicy, by: &str, note: &str, rollback_of: Option<i64>) -> PolicyVersion {
    let at = now();
    let published_at = rfc3339(at);
    doc.version = version.unsigned_abs();
    doc.published_at = Some(published_at.clone());
    let (_, expires_at) = crate::bundle::signing_window(at, state.config.bundle_valid_days, at);
    // Devices get what they need to match, not the suspensions' names and reasons (§VII).
    let for_devices = crate::privacy::for_devices(&to_json(&doc), &crate::privacy::new_salt());
    let bundle = crate::bundle::sign(&state.keys, version, &published_at, &rfc3339(expires_at), &for_devices);
    PolicyVersion { version, document: to_text(&doc), bundle, published_at: at, published_by: by.to_owned(), note: note.to_owned(), rollback_of }
}

/// The draft document and its revision.
pub async fn draft(state: &AppState) -> ApiResult<(RawPolicy, i64)> {
    let d = state.store.draft().await?.ok_or_else(|| ApiError::internal(anyhow::anyhow!("no draft")))?;
    Ok((stored(&d.document)?, d.revision))
}

/// What an edit changed, for the audit log: the target and the item (or document) before and
/// after.
pub struct Change {
    /// What was edited: `draft`, or `SECTION/ID`.
    pub target: String,
    /// It before the edit, if it existed.
    pub before: Option<Value>,
    /// It after the edit, unless it was removed.
    pub after: Option<Value>,
}

/// A draft edited and validated, not yet saved.
pub struct Edited<T> {
    /// The edited document.
    pub doc: RawPolicy,
    /// It as it will be stored.
    pub text: String,
    /// The revision it was read at: the save must find the draft still there.
    pub revision: i64,
    /// What the edit returned.
    pub out: T,
}

/// The one way a draft is edited: read it, apply the edit to the typed document, validate the
/// whole. Saving is the caller's (an approval saves itself with the draft, in one
/// transaction); when the save finds the draft changed meanwhile, the caller edits again.
pub async fn edited<T>(state: &AppState, edit: impl FnOnce(&mut RawPolicy) -> ApiResult<T>) -> ApiResult<Edited<T>> {
    let (mut doc, revision) = draft(state).await?;
    let out = edit(&mut doc)?;
    validate(&doc).await?;
    Ok(Edited { text: to_text(&doc), doc, revision, out })
}

/// Applies an edit to the draft, validates the result and saves it; retried if someone else
/// saved in between. The edit says what it changed, for the audit log.
pub async fn edit_draft<F>(state: &AppState, who: &Principal, action: &str, mut edit: F) -> ApiResult<RawPolicy>
where
    F: FnMut(&mut RawPolicy) -> ApiResult<Change>,
{
    for _ in 0..8 {
        let Edited { doc, text, revision, out: change } = edited(state, &mut edit).await?;
        let entry = audit(who, action, &change.target, change.before.as_ref(), change.after.as_ref());
        match state.store.save_draft(DraftWrite { document: &text, expected_revision: revision }, who.who(), &entry).await? {
            Write::Done => return Ok(doc),
            Write::Stale => continue,
        }
    }
    Err(ApiError::Conflict("the draft is being changed by others; try again".into()))
}

/// Replaces the whole draft. Only IT edits whole documents, and a whole-document edit may not
/// change exceptions: those are the City Manager's (§VIII), through their own endpoint.
pub async fn put_draft(state: &AppState, who: &Principal, new: Value) -> ApiResult<RawPolicy> {
    who.require(Action::EditPolicy)?;
    if !new.is_object() {
        return Err(ApiError::BadRequest("the policy must be a JSON object".into()));
    }
    // Read with the policy's schema, so a problem names the rule and field it is in.
    let new = parse(&new).await?.raw().clone();
    edit_draft(state, who, "draft.put", |doc| {
        if doc.exceptions != new.exceptions {
            return Err(ApiError::Forbidden("only the City Manager may add, change or remove exceptions (APP 04.05 §VIII)".into()));
        }
        let before = std::mem::replace(doc, new.clone());
        Ok(Change { target: "draft".into(), before: Some(to_json(&before)), after: Some(to_json(&new)) })
    })
    .await
}

/// Who may edit a section: exceptions are the City Manager's, everything else IT's.
fn section_editors(section: Section) -> Action {
    if section == Section::Exceptions { Action::EditExceptions } else { Action::EditPolicy }
}

/// The section with this name: 404 naming the sections otherwise.
pub fn named_section(name: &str) -> ApiResult<Section> {
    Section::named(name).ok_or_else(|| {
        let names: Vec<&str> = Section::ALL.iter().map(|s| s.as_str()).collect();
        ApiError::NotFound(format!("no section `{name}` (one of: {})", names.join(", ")))
    })
}

/// The items of one section of the draft.
pub async fn section(state: &AppState, section: &str) -> ApiResult<Value> {
    let section = named_section(section)?;
    let (doc, _) = draft(state).await?;
    Ok(Value::Array(doc.items(section).into_iter().map(|(_, item)| item).collect()))
}

/// Creates or replaces one item of a section (matched by id): the item as stored.
pub async fn put_item(state: &AppState, who: &Principal, section: &str, id: &str, item: Value) -> ApiResult<Value> {
    let section = named_section(section)?;
    who.require(section_editors(section))?;
    let Value::Object(mut item) = item else {
        return Err(ApiError::BadRequest("the item must be a JSON object".into()));
    };
    match item.get("id") {
        None => {
            item.insert("id".into(), json!(id));
        }
        Some(Value::String(s)) if s == id => {}
        Some(_) => return Err(ApiError::BadRequest(format!("the item's id must be `{id}`, as in the URL"))),
    }
    if section == Section::Exceptions {
        // The approval is the City Manager's act: record who and when, whatever the body says.
        item.insert("approved_by".into(), json!(who.who()));
        item.insert("approved_at".into(), json!(rfc3339(now())));
    }
    let item = Value::Object(item);
    let action = format!("draft.{section}.put");
    let mut stored = Value::Null;
    edit_draft(state, who, &action, |doc| {
        let (before, after) = doc.put_item(section, item.clone()).map_err(|e| ApiError::InvalidPolicy(crate::error::problems(&e)))?;
        stored = after.clone();
        Ok(Change { target: format!("{section}/{id}"), before, after: Some(after) })
    })
    .await?;
    Ok(stored)
}

/// Removes one item of a section.
pub async fn delete_item(state: &AppState, who: &Principal, section: &str, id: &str) -> ApiResult<()> {
    let section = named_section(section)?;
    who.require(section_editors(section))?;
    let action = format!("draft.{section}.delete");
    edit_draft(state, who, &action, |doc| {
        let before = doc.remove_item(section, id).ok_or_else(|| ApiError::NotFound(format!("no {section} item `{id}` in the draft")))?;
        Ok(Change { target: format!("{section}/{id}"), before: Some(before), after: None })
    })
    .await?;
    Ok(())
}

/// Publishes the draft as the next version.
pub async fn publish(state: &AppState, who: &Principal, note: &str) -> ApiResult<PolicyVersion> {
    who.require(Action::Publish)?;
    let (doc, revision) = draft(state).await?;
    validate(&doc).await?;
    let v = insert_next(state, who, doc, note, None, None, &format!("draft revision {revision}")).await?;
    Ok(v)
}

/// Publishes an earlier version again as a new, higher version, and resets the draft to it.
pub async fn rollback(state: &AppState, who: &Principal, to: i64, note: &str) -> ApiResult<PolicyVersion> {
    who.require(Action::Rollback)?;
    let old = state.store.version(to).await?.ok_or_else(|| ApiError::NotFound(format!("no version {to}")))?;
    let mut doc = stored(&old.document)?;
    // Exceptions are the City Manager's (§VIII): a rollback by IT neither brings back one the
    // City Manager revoked nor drops one granted since. The rolled-back version gets the
    // exceptions in force now.
    let latest = state.store.latest_version().await?.unwrap_or(0);
    let current = state.store.version(latest).await?.ok_or_else(|| ApiError::internal(anyhow::anyhow!("version {latest} is missing")))?;
    doc.published_at = None;
    doc.exceptions = stored(&current.document)?.exceptions;
    validate(&doc).await.map_err(|e| match e {
        ApiError::InvalidPolicy(problems) => ApiError::Conflict(format!(
            "version {to} with today's exceptions (the City Manager's, kept by a rollback) is not a valid policy: {}",
            problems.iter().map(|p| format!("{}: {}", p.at, p.message)).collect::<Vec<_>>().join("; ")
        )),
        other => other,
    })?;
    let draft_text = to_text(&doc);
    insert_next(state, who, doc, note, Some(to), Some(&draft_text), &format!("rollback to version {to}")).await
}

async fn insert_next(
    state: &AppState,
    who: &Principal,
    doc: RawPolicy,
    note: &str,
    rollback_of: Option<i64>,
    reset_draft: Option<&str>,
    source: &str,
) -> ApiResult<PolicyVersion> {
    for _ in 0..8 {
        let previous = state.store.latest_version().await?.unwrap_or(0);
        let v = make_version(state, previous + 1, doc.clone(), who.who(), note, rollback_of);
        let entry = audit(
            who,
            if rollback_of.is_some() { "policy.rollback" } else { "policy.publish" },
            &format!("version {}", v.version),
            Some(&json!({"version": previous})),
            Some(&json!({"version": v.version, "from": source, "note": note})),
        );
        match state.store.insert_version(&v, reset_draft, Some(&entry)).await? {
            Write::Done => {
                state.bundles.offer(&v);
                return Ok(v);
            }
            // Another replica published this number first: take the next one.
            Write::Stale => continue,
        }
    }
    Err(ApiError::Conflict("others are publishing at the same moment; try again".into()))
}

/// What changed between two documents: per section, the ids added, removed and changed, and
/// the top-level fields that changed. Both are compared as typed documents, so two layouts of
/// one item (a field left out or written as its default) are the same item.
pub fn diff(from: &RawPolicy, to: &RawPolicy) -> Value {
    let mut sections = Map::new();
    for section in Section::ALL {
        let (a, b) = (from.items(section), to.items(section));
        let find = |list: &[(String, Value)], id: &str| list.iter().find(|(i, _)| i == id).map(|(_, v)| v.clone());
        let added: Vec<&str> = b.iter().filter(|(id, _)| find(&a, id).is_none()).map(|(id, _)| id.as_str()).collect();
        let removed: Vec<&str> = a.iter().filter(|(id, _)| find(&b, id).is_none()).map(|(id, _)| id.as_str()).collect();
        let changed: Vec<&str> = b.iter().filter(|(id, v)| find(&a, id).is_some_and(|old| &old != v)).map(|(id, _)| id.as_str()).collect();
        if !(added.is_empty() && removed.is_empty() && changed.is_empty()) {
            sections.insert(section.as_str().into(), json!({"added": added, "removed": removed, "changed": changed}));
        }
    }
    let (from, to) = (to_json(from), to_json(to));
    let mut fields = Vec::new();
    let keys = |v: &Value| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    let mut all = keys(&from);
    all.extend(keys(&to));
    all.sort();
    all.dedup();
    for k in all {
        if Section::named(&k).is_some() || k == "version" || k == "published_at" {
            continue;
        }
        if from.get(&k) != to.get(&k) {
            fields.push(k);
        }
    }
    json!({"sections": sections, "fields": fields})
}
