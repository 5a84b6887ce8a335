"""Retention and legal hold: a closed case is anonymised once its retention period has run (the
`retention_years` setting after closing, and never before the child turns 21), unless a supervisor
of its centre placed a legal hold on it. Anonymising erases who the case is about and what was
written about them, keeps the facts statistics count (age band, sex, offence, stage times, aid
amounts) and the audit trail, and destroys the documents' bytes, leaving tombstones that
`/verify` still answers for."""
