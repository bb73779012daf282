-- The typed report event's own fields (lifeguard-core report::ReportEvent): how many, for a
-- kind that counts (reports_dropped, which carried it as `rule = dropped:N` before); what the
-- event is about (ai_extension_found: the extension's id, which was in `rule`); and why the
-- user went on after a warn page: the one column holding words a user typed, at most 500
-- characters, refused by the extension and again by the server if the detectors find
-- anything in it.
ALTER TABLE report_events ADD COLUMN count {{INTEGER|BIGINT}};
ALTER TABLE report_events ADD COLUMN subject TEXT;
ALTER TABLE report_events ADD COLUMN justification TEXT;
