-- When each device last fetched the policy, so the console can list devices that stopped
-- syncing. Written in batches by each replica (not per request), newest time wins.
CREATE TABLE devices (
    device         TEXT{{    |   }}PRIMARY KEY,
    department     TEXT,
    policy_version {{INTEGER,|BIGINT,}}
    last_seen      {{INTEGER|BIGINT}} NOT NULL
);

CREATE INDEX devices_last_seen ON devices (last_seen);
