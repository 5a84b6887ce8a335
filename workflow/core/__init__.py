"""What every feature stands on: extensions, configuration, errors, models of the engine, the process
vocabulary and its engine, access (`can`), settings, clocks, jobs, sealing and its keys, identity numbers, money,
forms, pages, the API's shared parts, serializers, diagrams and roles. Imports no feature."""
