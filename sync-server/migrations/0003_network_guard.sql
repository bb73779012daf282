-- Whether the device's network check (the extension's second line: request bodies inspected
-- with webRequestBlocking, granted only to a policy-installed extension) was on at its last
-- policy fetch: {{1|true}} on, {{0|false}} off, NULL not said (an extension older than the header).
ALTER TABLE devices ADD COLUMN network_guard BOOLEAN;
