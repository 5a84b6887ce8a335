"""Administration: agencies, users and sign-in, settings, average wages and the holiday calendar."""
