"""The victim case: intake, forensic exam, joint interview, psychological support, the team and judgments."""
