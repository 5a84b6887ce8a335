"""What every feature stands on: extensions, configuration, errors, the process vocabulary and its engine, clocks, jobs, sealing, money, forms, access and settings. Imports no feature."""
