"""Flask extensions, created unbound and initialised in create_app."""
from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Deterministic constraint names so Alembic migrations are portable between SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()

# Rate limits per client address: in memory by default, in Redis when REDIS_URL is set, so that
# several serving processes and nodes share them (config RATELIMIT_STORAGE_URI).
limiter = Limiter(key_func=get_remote_address)


def rate_limit(name: str, methods: list[str] | None = None):
    """The limit `RATE_LIMIT_<NAME>` of the configuration (e.g. "10 per minute"), for a route; the
    routes of one name share one count per address (the password and code steps of a login, say)."""
    return limiter.shared_limit(lambda: current_app.config[f"RATE_LIMIT_{name.upper()}"], scope=name,
                                methods=methods)
