"""Follow-up of a case: return visits and "judicial aid +" referrals to social assistance."""
