//! Storage: the [`Store`] trait the server's domain code talks to, and one implementation per
//! database ([`sqlite`], [`postgres`]).
//!
//! Every method that changes state writes its audit entry in the same transaction, so the
//! audit log and the data never disagree. Times are Unix seconds.

use std::sync::Arc;

use anyhow::bail;
use async_trait::async_trait;
use serde::Serialize;

pub mod postgres;
pub mod schema;
pub mod sqlite;

/// One audit-log entry to write: who did what to which thing, with the state before and after
/// (JSON, when there is one).
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// The user (e-mail) or device that acted.
    pub actor: String,
    /// Their role.
    pub role: String,
    /// What they did, e.g. `draft.site_rule.put`, `policy.publish`.
    pub action: String,
    /// What it was done to, e.g. a rule id or a version number.
    pub target: String,
    /// JSON before the change.
    pub before: Option<String>,
    /// JSON after the change.
    pub after: Option<String>,
}

/// An audit-log entry as stored.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRecord {
    /// Sequence number.
    pub id: i64,
    /// When.
    pub at: i64,
    /// The entry.
    #[serde(flatten)]
    pub entry: AuditEntry,
}

/// Filters for the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// From this time on.
    pub from: Option<i64>,
    /// Before this time.
    pub to: Option<i64>,
    /// By this actor.
    pub actor: Option<String>,
    /// Actions starting with this.
    pub action: Option<String>,
    /// At most this many, newest first.
    pub limit: i64,
}

/// A published, immutable policy version.
#[derive(Debug, Clone)]
pub struct PolicyVersion {
    /// Its number.
    pub version: i64,
    /// The policy JSON (with `version` and `published_at`).
    pub document: String,
    /// The signed bundle served to devices.
    pub bundle: String,
    /// When.
    pub published_at: i64,
    /// By whom.
    pub published_by: String,
    /// Why (free text from the publisher).
    pub note: String,
    /// For a rollback, the version it restored.
    pub rollback_of: Option<i64>,
}

/// The draft policy.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The policy JSON.
    pub document: String,
    /// Raised on every save.
    pub revision: i64,
    /// When it was last saved.
    pub updated_at: i64,
    /// By whom.
    pub updated_by: String,
}

/// A console account.
#[derive(Debug, Clone)]
pub struct User {
    /// Login name.
    pub email: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Role name.
    pub role: String,
    /// For department heads.
    pub department: Option<String>,
    /// Bumped when the account's sessions must end (role, department or password changed,
    /// signed out): a session token names the epoch it was issued in.
    pub session_epoch: i64,
    /// The password was set by someone else (generated, or by IT): the account must choose
    /// its own before anything else.
    pub must_change_password: bool,
}

/// A token IT revoked before its expiry.
#[derive(Debug, Clone)]
pub struct RevokedToken {
    /// The token's `jti`.
    pub jti: String,
    /// Its subject (a device label, an operator).
    pub subject: String,
    /// Its role.
    pub role: String,
    /// Its department.
    pub department: Option<String>,
    /// When it would have expired (Unix seconds).
    pub expires_at: i64,
}

/// A report event as stored: ids, hosts and counts, never page text.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Event {
    /// The client's UUID.
    pub id: String,
    /// What happened (`visit_blocked`, `paste_blocked`, ...).
    pub kind: String,
    /// When it happened (client clock).
    pub time: i64,
    /// When the server stored it.
    pub received_at: i64,
    /// The site's host.
    pub host: Option<String>,
    /// The rule that decided.
    pub rule: Option<String>,
    /// The site's category.
    pub category: Option<String>,
    /// The action taken.
    pub action: Option<String>,
    /// The highest severity among the detectors (computed by the server).
    pub severity: Option<String>,
    /// The user's e-mail.
    pub user: Option<String>,
    /// The department.
    pub department: Option<String>,
    /// The extension's version.
    pub extension_version: Option<String>,
    /// The policy version the extension enforced.
    pub policy_version: Option<i64>,
    /// The reporting extension's id.
    pub extension_id: Option<String>,
    /// How many, for a kind that counts (`reports_dropped`).
    pub count: Option<i64>,
    /// What the event is about, beyond its rule (`ai_extension_found`: the extension's id).
    pub subject: Option<String>,
    /// Why the user went on after a warn page (`visit_proceeded`), checked free of sensitive
    /// data.
    pub justification: Option<String>,
    /// Flagged as an incident (§IV.4).
    pub incident: bool,
    /// Detector id and number of findings.
    pub detectors: Vec<(String, i64)>,
}

/// Filters for report queries; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// From this time on.
    pub from: Option<i64>,
    /// Before this time.
    pub to: Option<i64>,
    /// Department.
    pub department: Option<String>,
    /// User.
    pub user: Option<String>,
    /// Kind.
    pub kind: Option<String>,
    /// Host (exact).
    pub host: Option<String>,
    /// Rule id.
    pub rule: Option<String>,
    /// Events with a finding of this detector.
    pub detector: Option<String>,
    /// Only incidents.
    pub incident: Option<bool>,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

/// A count by key.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Count {
    /// The key (a kind, category, department, host or detector).
    pub key: String,
    /// How many.
    pub count: i64,
}

/// Counts for charts.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Aggregates {
    /// Events per UTC day (days since 1970-01-01) and kind.
    pub per_day: Vec<(i64, String, i64)>,
    /// Events by site category.
    pub by_category: Vec<Count>,
    /// Events by department.
    pub by_department: Vec<Count>,
    /// The most frequent hosts.
    pub top_hosts: Vec<Count>,
    /// The detectors with the most findings.
    pub top_detectors: Vec<Count>,
}

/// When a device last fetched the policy, and what it then held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceSeen {
    /// The device token's subject (or, without one, its token id).
    pub device: String,
    /// The token's department.
    pub department: Option<String>,
    /// The policy version the device holds after that fetch.
    pub policy_version: Option<i64>,
    /// When (Unix seconds).
    pub last_seen: i64,
    /// Whether the extension's network check (request bodies inspected before they leave)
    /// was on then, as the device said (`Lifeguard-Network-Guard`); `None` if it did not say.
    pub network_guard: Option<bool>,
}

/// An approval request (§IV.2). Its request and review are JSON documents owned by the
/// approvals module; the store keeps them opaque.
#[derive(Debug, Clone)]
pub struct Approval {
    /// Its id (UUID).
    pub id: String,
    /// When it was submitted.
    pub created_at: i64,
    /// Who asked.
    pub requester: String,
    /// Their department.
    pub department: String,
    /// The request (JSON).
    pub request: String,
    /// submitted, in_review, approved or denied.
    pub status: String,
    /// The checklist review (JSON).
    pub review: Option<String>,
    /// Reviewer.
    pub reviewed_by: Option<String>,
    /// When reviewed or decided.
    pub reviewed_at: Option<i64>,
    /// The decision (JSON).
    pub decision: Option<String>,
}

/// A draft to save together with another change, guarded by the revision it was read at.
#[derive(Debug, Clone, Copy)]
pub struct DraftWrite<'a> {
    /// The new document.
    pub document: &'a str,
    /// The revision the change was made from; the save fails if the draft moved on.
    pub expected_revision: i64,
}

/// The outcome of a conditional write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// Done.
    Done,
    /// Someone else changed the row first: re-read and retry (or report a conflict).
    Stale,
}

/// Everything the server stores: one database behind narrower traits, so a module names the
/// part it uses (reports take a [`ReportStore`], the lifecycle a [`PolicyStore`], ...).
#[async_trait]
pub trait Store: PolicyStore + AccountStore + ReportStore + ApprovalStore + AuditStore + Send + Sync + 'static {
    /// Which database this is, for logs and `/readyz`.
    fn kind(&self) -> &'static str;
    /// Checks the database answers.
    async fn ping(&self) -> anyhow::Result<()>;
}

/// The published policy versions and the draft.
#[async_trait]
pub trait PolicyStore: Send + Sync {
    /// The highest published version.
    async fn latest_version(&self) -> anyhow::Result<Option<i64>>;
    /// One published version.
    async fn version(&self, version: i64) -> anyhow::Result<Option<PolicyVersion>>;
    /// Every published version, newest first, without documents and bundles.
    async fn versions(&self) -> anyhow::Result<Vec<PolicyVersion>>;
    /// Inserts a new version unless that number exists (another replica got there first:
    /// [`Write::Stale`]). With `draft`, also replaces the draft (rollback). With `audit`,
    /// writes the entry. All in one transaction.
    async fn insert_version(&self, v: &PolicyVersion, draft: Option<&str>, audit: Option<&AuditEntry>) -> anyhow::Result<Write>;

    /// The draft, if one was ever saved.
    async fn draft(&self) -> anyhow::Result<Option<Draft>>;
    /// Creates the draft if there is none.
    async fn init_draft(&self, document: &str, by: &str) -> anyhow::Result<()>;
    /// Saves the draft if it is still at `expected_revision`, with its audit entry.
    async fn save_draft(&self, draft: DraftWrite<'_>, by: &str, audit: &AuditEntry) -> anyhow::Result<Write>;
}

/// Console accounts and the tokens IT revoked.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Adds a console account; [`Write::Stale`] if the e-mail exists.
    async fn add_user(&self, user: &User) -> anyhow::Result<Write>;
    /// Sets a console account's password (and role): creates or replaces it; a replaced account's
    /// sessions end.
    async fn upsert_user(&self, user: &User) -> anyhow::Result<()>;
    /// A console account.
    async fn user(&self, email: &str) -> anyhow::Result<Option<User>>;
    /// How many console accounts exist.
    async fn user_count(&self) -> anyhow::Result<i64>;
    /// Every console account, by e-mail.
    async fn users(&self) -> anyhow::Result<Vec<User>>;
    /// Creates a console account (`expected_epoch` `None`) or replaces one still at
    /// `expected_epoch` (so a change made meanwhile is never overwritten), with its audit
    /// entry: [`Write::Stale`] if the account exists (create), or is gone or changed (replace).
    async fn save_user(&self, user: &User, expected_epoch: Option<i64>, audit: &AuditEntry) -> anyhow::Result<Write>;
    /// Records a revoked token with its audit entry ([`Write::Stale`]: it was revoked already).
    async fn revoke_token(&self, token: &RevokedToken, audit: &AuditEntry) -> anyhow::Result<Write>;
    /// The ids of revoked tokens that have not expired by `now`.
    async fn revoked_tokens(&self, now: i64) -> anyhow::Result<Vec<String>>;
    /// Deletes a console account, with its audit entry; [`Write::Stale`] if there is none.
    async fn delete_user(&self, email: &str, audit: &AuditEntry) -> anyhow::Result<Write>;
}

/// Report events, and when each device last fetched the policy.
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Stores events whose id is new, in one transaction; returns the ids stored.
    async fn insert_events(&self, events: &[Event]) -> anyhow::Result<Vec<String>>;
    /// Events matching a filter, newest first.
    async fn events(&self, filter: &EventFilter) -> anyhow::Result<Vec<Event>>;
    /// Counts for charts over the events matching a filter.
    async fn aggregates(&self, filter: &EventFilter, top: i64) -> anyhow::Result<Aggregates>;
    /// Deletes events older than `before`; returns how many.
    async fn purge_events(&self, before: i64) -> anyhow::Result<u64>;

    /// Records when devices last fetched the policy: creates or updates one row per device,
    /// keeping whichever time is later (replicas flush their own sightings independently).
    async fn touch_devices(&self, seen: &[DeviceSeen]) -> anyhow::Result<()>;
    /// Devices last seen before `stale_before` (any time if `None`), of one department if
    /// given, oldest first.
    async fn devices(&self, stale_before: Option<i64>, department: Option<&str>) -> anyhow::Result<Vec<DeviceSeen>>;
}

/// Staff's approval requests.
#[async_trait]
pub trait ApprovalStore: Send + Sync {
    /// Stores a new approval request and its audit entry; `false` (and nothing written) if a
    /// request with its id is already stored.
    async fn insert_approval(&self, a: &Approval, audit: &AuditEntry) -> anyhow::Result<bool>;
    /// One approval request.
    async fn approval(&self, id: &str) -> anyhow::Result<Option<Approval>>;
    /// Approval requests, newest first.
    async fn approvals(&self, status: Option<&str>, department: Option<&str>, limit: i64) -> anyhow::Result<Vec<Approval>>;
    /// Updates an approval request if its status is still `expected_status`; with `draft`,
    /// saves the draft in the same transaction (approving adds a tool or pilot).
    async fn update_approval(&self, a: &Approval, expected_status: &str, draft: Option<DraftWrite<'_>>, audit: &AuditEntry) -> anyhow::Result<Write>;
}

/// The audit log (most writes append to it in their own transaction).
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Audit-log entries, newest first.
    async fn audit(&self, filter: &AuditFilter) -> anyhow::Result<Vec<AuditRecord>>;
    /// Appends an audit-log entry on its own.
    async fn append_audit(&self, entry: &AuditEntry) -> anyhow::Result<()>;
}

/// Opens the database a URL names, and brings its schema up to date.
pub async fn open(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqlStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::SqlStore::open(url).await?))
    } else {
        bail!("unsupported database URL (expected sqlite://FILE or postgres://...)")
    }
}
