"""The audit trail: one append-only, chained and signed record per request that reads or changes
data, per sign-in and sign-out, and per change made outside a request (commands, the escalation
runner), with the case history folded in. See docs/security.md."""
