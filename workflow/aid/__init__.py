"""Judicial aid: the aid application sub-process, its ledger and pages."""
