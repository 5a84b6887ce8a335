"""The task inbox, notifications and the escalation of task clocks."""
