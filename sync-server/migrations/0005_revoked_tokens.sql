-- Device and operator tokens IT revoked before they expire (a lost laptop, a leaked
-- registry value, a rotation). Kept until the token would have expired anyway.
CREATE TABLE revoked_tokens (
    jti        TEXT    PRIMARY KEY,
    subject    TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    department TEXT,
    expires_at {{INTEGER |BIGINT  }}NOT NULL,
    revoked_at {{INTEGER |BIGINT  }}NOT NULL
);
