//! Approval requests (APP 04.05 §IV.2): staff ask, from the block page, to use an AI tool; IT
//! reviews the request with the AI Evaluation Checklist; approving it adds the tool (or a
//! time-boxed pilot, §IV.7) to the draft policy, in the same transaction as the decision.

use lifeguard_core::policy::Section;
use lifeguard_core::policy::raw::{RawPilot, RawTool};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::auth::Principal;
use crate::access::Action;
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::{self, rfc3339};
use crate::state::AppState;
use crate::store::{Approval, AuditEntry, DraftWrite, Write};

/// What staff submit.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// A UUID the device made for this request: sent again (an answer lost on the way, a
    /// request queued while the server was away), it is filed once. Without one, the server
    /// makes one.
    #[serde(default, skip_serializing)]
    #[schema(format = Uuid)]
    pub id: Option<String>,
    /// The requester's e-mail.
    #[schema(format = Email, max_length = 254)]
    pub requester: String,
    /// The tool's name, if known (the tool, the URL or both).
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub tool: Option<String>,
    /// The URL that was blocked or that the tool lives at.
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub url: Option<String>,
    /// The business objective.
    #[schema(pattern = r"\S", max_length = 4000)]
    pub objective: String,
    /// Why AI is needed for it.
    #[schema(pattern = r"\S", max_length = 4000)]
    pub why_ai: String,
    /// Alternatives considered.
    #[schema(pattern = r"\S", max_length = 4000)]
    pub alternatives: String,
    /// The kinds of data the tool would see (public, internal, PII, ...).
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub data: Option<String>,
}

/// The AI Evaluation Checklist of §IV.2, filled in by IT.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    /// Types of data processed.
    pub data_types: Vec<String>,
    /// Whether Criminal Justice Information is involved.
    pub cji: bool,
    /// Whether personally identifiable information is involved.
    pub pii: bool,
    /// Whether HIPAA-protected health information is involved.
    pub hipaa: bool,
    /// The vendor's security and privacy controls.
    #[schema(pattern = r"\S", max_length = 4000)]
    pub vendor_controls: String,
    /// Data retention, export and deletion.
    #[schema(pattern = r"\S", max_length = 4000)]
    pub retention_export_deletion: String,
    /// Explainability of outputs.
    #[schema(pattern = r"\S", max_length = 4000)]
    pub explainability: String,
    /// Audit trails.
    #[schema(pattern = r"\S", max_length = 4000)]
    pub audit_trails: String,
    /// Legal and regulatory compliance.
    #[schema(pattern = r"\S", max_length = 4000)]
    pub compliance: String,
    /// Third-party AI embedded in the product.
    #[schema(pattern = r"\S", max_length = 4000)]
    pub embedded_third_party_ai: String,
    /// Anything else.
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub notes: String,
}

/// What an approval grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// An authorized tool (§IV.1).
    Tool,
    /// A time-boxed pilot on public data only (§IV.7).
    Pilot,
}

/// What an approval adds to the draft.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Approve {
    /// `tool` (an authorized tool) or `pilot` (time-boxed, public data only).
    pub grant: Grant,
    /// The id of the new tool or pilot.
    pub id: String,
    /// Its display name.
    pub name: String,
    /// Its hosts.
    pub hosts: Vec<String>,
    /// Path prefixes.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Departments it is for (default: the requester's).
    #[serde(default)]
    pub departments: Option<Vec<String>>,
    /// Staff it is for.
    #[serde(default)]
    pub users: Vec<String>,
    /// For a pilot: when it ends.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// For a tool: the CPRA notice (§VI).
    #[serde(default)]
    pub public_records_notice: Option<String>,
    /// Why.
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub note: String,
}

const TEXT_LIMIT: usize = 4000;

fn text(field: &str, v: &str, required: bool) -> ApiResult<()> {
    // A well-formed body whose answer is blank (white space of any script): 422, as for any
    // value that is there but not acceptable.
    if required && v.trim().is_empty() {
        return Err(ApiError::Unprocessable(format!("`{field}` is required and must not be blank")));
    }
    if v.chars().count() > TEXT_LIMIT {
        return Err(ApiError::BadRequest(format!("`{field}` is longer than {TEXT_LIMIT} characters")));
    }
    Ok(())
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// An approval request as the API shows it: the requester's view, and with `full` (the
/// console's) the request, the checklist review and the reviewer too.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct View {
    /// Its id (UUID).
    pub id: String,
    /// `submitted`, `in_review`, `approved` or `denied`.
    pub status: String,
    /// When it was submitted (RFC 3339).
    pub created_at: String,
    /// The requester's department.
    pub department: String,
    /// The tool asked for.
    pub tool: Option<String>,
    /// The URL asked for.
    pub url: Option<String>,
    /// When it was decided (RFC 3339).
    pub decided_at: Option<String>,
    /// The decision: what was granted, or why not.
    #[schema(value_type = Option<Object>)]
    pub decision: Option<Value>,
    /// The request as submitted (console only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<Request>,
    /// The AI Evaluation Checklist review (console only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<Checklist>,
    /// Who reviewed or decided it (console only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<String>,
}

/// An approval request as the API shows it.
pub fn view(a: &Approval, full: bool) -> View {
    let request: Option<Request> = serde_json::from_str(&a.request).ok();
    View {
        id: a.id.clone(),
        status: a.status.clone(),
        created_at: rfc3339(a.created_at),
        department: a.department.clone(),
        tool: request.as_ref().and_then(|r| r.tool.clone()),
        url: request.as_ref().and_then(|r| r.url.clone()),
        decided_at: a.reviewed_at.map(rfc3339),
        decision: a.decision.as_deref().and_then(|t| serde_json::from_str(t).ok()),
        request: if full { request } else { None },
        review: if full { a.review.as_deref().and_then(|t| serde_json::from_str(t).ok()) } else { None },
        reviewed_by: if full { a.reviewed_by.clone() } else { None },
    }
}

/// Whether a request was filed now or had been already (the same id, sent again).
pub enum Filed {
    /// Stored now.
    New(Approval),
    /// Stored before, from the same department: the request as it is now.
    Again(Approval),
}

/// Files a request from a device, once per id.
pub async fn submit(state: &AppState, device: &Principal, r: Request) -> ApiResult<Filed> {
    let id = match r.id.as_deref() {
        Some(raw) => uuid::Uuid::parse_str(raw).map_err(|_| ApiError::BadRequest("`id` must be a UUID".into()))?.hyphenated().to_string(),
        None => uuid::Uuid::new_v4().to_string(),
    };
    text("requester", &r.requester, true)?;
    if r.requester.chars().count() > 254 || !r.requester.contains('@') {
        return Err(ApiError::BadRequest("`requester` must be an e-mail address".into()));
    }
    if r.tool.as_deref().unwrap_or("").trim().is_empty() && r.url.as_deref().unwrap_or("").trim().is_empty() {
        return Err(ApiError::Unprocessable("give the `tool` or the `url` you want approved".into()));
    }
    text("tool", r.tool.as_deref().unwrap_or(""), false)?;
    text("url", r.url.as_deref().unwrap_or(""), false)?;
    text("objective", &r.objective, true)?;
    text("why_ai", &r.why_ai, true)?;
    text("alternatives", &r.alternatives, true)?;
    text("data", r.data.as_deref().unwrap_or(""), false)?;
    let department = device.claims.department.clone().unwrap_or_default();
    let a = Approval {
        id: id.clone(),
        created_at: now(),
        requester: r.requester.clone(),
        department: department.clone(),
        request: serde_json::to_string(&r).map_err(ApiError::internal)?,
        status: "submitted".into(),
        review: None,
        reviewed_by: None,
        reviewed_at: None,
        decision: None,
    };
    let entry = AuditEntry {
        actor: r.requester.clone(),
        role: "device".into(),
        action: "approval.submit".into(),
        target: a.id.clone(),
        before: None,
        after: Some(a.request.clone()),
    };
    if state.store.insert_approval(&a, &entry).await? {
        return Ok(Filed::New(a));
    }
    // Sent again. Another department's request with this id is none of this device's business.
    match state.store.approval(&id).await? {
        Some(before) if before.department == department => Ok(Filed::Again(before)),
        _ => Err(ApiError::Conflict("a different request has this `id`: make a new one".into())),
    }
}

/// Loads a request; a department head only sees their own department's.
pub async fn load(state: &AppState, who: &Principal, id: &str) -> ApiResult<Approval> {
    let a = state.store.approval(id).await?.ok_or_else(|| ApiError::NotFound(format!("no approval request {id}")))?;
    if !who.sees(&a.department) {
        return Err(ApiError::NotFound(format!("no approval request {id}")));
    }
    Ok(a)
}

fn entry(who: &Principal, action: &str, before: &Approval, after: &Approval) -> AuditEntry {
    AuditEntry {
        actor: who.who().to_owned(),
        role: who.role().as_str().to_owned(),
        action: action.into(),
        target: before.id.clone(),
        before: serde_json::to_string(&view(before, true)).ok(),
        after: serde_json::to_string(&view(after, true)).ok(),
    }
}

/// Records IT's checklist review.
pub async fn review(state: &AppState, who: &Principal, id: &str, checklist: Checklist) -> ApiResult<Approval> {
    who.require(Action::Review)?;
    for (f, v) in [
        ("vendor_controls", &checklist.vendor_controls),
        ("retention_export_deletion", &checklist.retention_export_deletion),
        ("explainability", &checklist.explainability),
        ("audit_trails", &checklist.audit_trails),
        ("compliance", &checklist.compliance),
        ("embedded_third_party_ai", &checklist.embedded_third_party_ai),
    ] {
        text(f, v, true)?;
    }
    text("notes", &checklist.notes, false)?;
    let before = load(state, who, id).await?;
    if !matches!(before.status.as_str(), "submitted" | "in_review") {
        return Err(ApiError::Conflict(format!("the request is already {}", before.status)));
    }
    let mut after = before.clone();
    after.status = "in_review".into();
    after.review = Some(serde_json::to_string(&checklist).map_err(ApiError::internal)?);
    after.reviewed_by = Some(who.who().to_owned());
    after.reviewed_at = Some(now());
    match state.store.update_approval(&after, &before.status, None, &entry(who, "approval.review", &before, &after)).await? {
        Write::Done => Ok(after),
        Write::Stale => Err(ApiError::Conflict("the request changed meanwhile; reload it".into())),
    }
}

/// Approves a reviewed request: adds the tool or pilot to the draft.
pub async fn approve(state: &AppState, who: &Principal, id: &str, a: Approve) -> ApiResult<Approval> {
    who.require(Action::Review)?;
    text("note", &a.note, false)?;
    for _ in 0..8 {
        let before = load(state, who, id).await?;
        if before.status != "in_review" {
            return Err(ApiError::Conflict(match before.status.as_str() {
                "submitted" => "review the request with the AI Evaluation Checklist first".to_owned(),
                s => format!("the request is already {s}"),
            }));
        }
        let departments = a.departments.clone().unwrap_or_else(|| vec![before.department.clone()]);
        let section = match a.grant {
            Grant::Tool => Section::AuthorizedTools,
            Grant::Pilot => Section::Pilots,
        };
        let expires_at = match a.grant {
            Grant::Tool => None,
            Grant::Pilot => Some(a.expires_at.clone().ok_or_else(|| ApiError::Unprocessable("a pilot needs `expires_at` (§IV.7)".into()))?),
        };
        let edited = lifecycle::edited(state, |doc| {
            if doc.items(section).iter().any(|(id, _)| *id == a.id) {
                return Err(ApiError::Conflict(format!("the draft already has {section} `{}`", a.id)));
            }
            match expires_at {
                None => doc.authorized_tools.push(RawTool {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    hosts: a.hosts.clone(),
                    paths: a.paths.clone(),
                    departments,
                    users: a.users.clone(),
                    public_records_notice: a.public_records_notice.clone().unwrap_or_default(),
                    policy_ref: "APP 04.05 §IV.1".into(),
                    ..RawTool::default()
                }),
                Some(expires_at) => doc.pilots.push(RawPilot {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    hosts: a.hosts.clone(),
                    paths: a.paths.clone(),
                    departments,
                    users: a.users.clone(),
                    approved_by: who.who().to_owned(),
                    expires_at,
                    policy_ref: "APP 04.05 §IV.7".into(),
                    ..RawPilot::default()
                }),
            }
            Ok(())
        })
        .await?;
        let mut after = before.clone();
        after.status = "approved".into();
        after.reviewed_at = Some(now());
        after.decision = Some(json!({"by": who.who(), "note": a.note, "added": {"section": section, "id": a.id}}).to_string());
        let draft = DraftWrite { document: &edited.text, expected_revision: edited.revision };
        match state.store.update_approval(&after, "in_review", Some(draft), &entry(who, "approval.approve", &before, &after)).await? {
            Write::Done => return Ok(after),
            Write::Stale => continue,
        }
    }
    Err(ApiError::Conflict("the draft is being changed by others; try again".into()))
}

/// Denies a request.
pub async fn deny(state: &AppState, who: &Principal, id: &str, note: String) -> ApiResult<Approval> {
    who.require(Action::Review)?;
    text("note", &note, true)?;
    let before = load(state, who, id).await?;
    if !matches!(before.status.as_str(), "submitted" | "in_review") {
        return Err(ApiError::Conflict(format!("the request is already {}", before.status)));
    }
    let mut after = before.clone();
    after.status = "denied".into();
    after.reviewed_at = Some(now());
    after.decision = Some(json!({"by": who.who(), "note": note}).to_string());
    match state.store.update_approval(&after, &before.status, None, &entry(who, "approval.deny", &before, &after)).await? {
        Write::Done => Ok(after),
        Write::Stale => Err(ApiError::Conflict("the request changed meanwhile; reload it".into())),
    }
}
