"""Flask-WTF forms, one module or package per feature (`forms/cases/`: one module per stage); the base
classes are in `workflow.core.forms`. The same classes validate page posts and API JSON."""
