"""Flask-WTF forms, one module per stage. The same classes validate page posts and API JSON."""
