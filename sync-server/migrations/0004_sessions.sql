-- Console sessions end when the account changes: every session token carries the account's
-- session epoch, and a role, department or password change, a reset or a sign-out bumps it.
-- A password the holder did not choose (generated at first start, by IT, or by a reset) must
-- be changed before the account can do anything else.
ALTER TABLE users ADD COLUMN session_epoch {{INTEGER|BIGINT}} NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
