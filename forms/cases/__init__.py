"""Forms of the victim case: intake, exam, interview, psychological records, team, clocks and judgments."""
