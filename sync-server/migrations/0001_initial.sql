-- Lifeguard's schema, {{SQLite.|PostgreSQL.}} Times are Unix seconds (UTC); JSON documents are TEXT.
-- Kept column-for-column equal to {{migrations/postgres/0001_initial.sql:|migrations/sqlite/0001_initial.sql:}} the same queries run
-- on both.

CREATE TABLE policy_versions (
    version      {{INTEGER|BIGINT}} PRIMARY KEY,
    document     TEXT    NOT NULL,  -- the policy JSON as published (version and published_at set)
    bundle       TEXT    NOT NULL,  -- the signed JWS served to devices, byte for byte
    published_at {{INTEGER|BIGINT}} NOT NULL,
    published_by TEXT    NOT NULL,
    note         TEXT    NOT NULL DEFAULT '',
    rollback_of  {{INTEGER|BIGINT}}
);

-- One row: the draft the console edits. `revision` makes concurrent edits fail rather than
-- overwrite each other.
CREATE TABLE policy_draft (
    id         {{INTEGER|BIGINT}} PRIMARY KEY CHECK (id = 1),
    document   TEXT    NOT NULL,
    revision   {{INTEGER|BIGINT}} NOT NULL,
    updated_at {{INTEGER|BIGINT}} NOT NULL,
    updated_by TEXT    NOT NULL
);

CREATE TABLE users (
    email         TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    department    TEXT,
    created_at    {{INTEGER|BIGINT}} NOT NULL
);

-- Report events, keyed by the client's UUID so a retried batch is stored once.
-- No column holds free text from a page: everything is an id, a host, a count or a version.
CREATE TABLE report_events (
    id                TEXT PRIMARY KEY,
    kind              TEXT    NOT NULL,
    time              {{INTEGER|BIGINT}} NOT NULL,
    received_at       {{INTEGER|BIGINT}} NOT NULL,
    host              TEXT,
    rule              TEXT,
    category          TEXT,
    action            TEXT,
    severity          TEXT,
    user_email        TEXT,
    department        TEXT,
    extension_version TEXT,
    policy_version    {{INTEGER,|BIGINT,}}
    extension_id      TEXT,
    incident          BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX report_events_time ON report_events (time);
CREATE INDEX report_events_department_time ON report_events (department, time);

CREATE TABLE report_detectors (
    event_id TEXT    NOT NULL REFERENCES report_events (id) ON DELETE CASCADE,
    detector TEXT    NOT NULL,
    count    {{INTEGER|BIGINT}} NOT NULL,
    PRIMARY KEY (event_id, detector)
);
CREATE INDEX report_detectors_detector ON report_detectors (detector);

CREATE TABLE approval_requests (
    id            TEXT PRIMARY KEY,
    created_at    {{INTEGER|BIGINT}} NOT NULL,
    requester     TEXT    NOT NULL,
    department    TEXT    NOT NULL,
    request       TEXT    NOT NULL,  -- JSON: tool, url, objective, why_ai, alternatives, data
    status        TEXT    NOT NULL,  -- submitted, in_review, approved, denied
    review        TEXT,              -- JSON: the AI Evaluation Checklist (§IV.2)
    reviewed_by   TEXT,
    reviewed_at   {{INTEGER,|BIGINT,}}
    decision      TEXT               -- JSON: note, and what was added to the draft
);
CREATE INDEX approval_requests_status ON approval_requests (status, created_at);

CREATE TABLE audit_log (
    id     {{INTEGER|BIGINT GENERATED ALWAYS AS IDENTITY}} PRIMARY {{KEY AUTOINCREMENT,|KEY,}}
    at     {{INTEGER|BIGINT}} NOT NULL,
    actor  TEXT    NOT NULL,
    role   TEXT    NOT NULL,
    action TEXT    NOT NULL,
    target TEXT    NOT NULL,
    before TEXT,
    after  TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
