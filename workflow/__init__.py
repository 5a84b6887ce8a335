"""OneStop: case workflow for one-stop centres for child victims."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, has_request_context, request, session
from werkzeug.routing import IntegerConverter

from workflow.core import config
from workflow.core.extensions import babel, csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def select_locale() -> str:
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and background work use the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    requested = request.args.get("lang")
    if requested in languages:
        session["lang"] = requested
    return session.get("lang") if session.get("lang") in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: ids are 32-bit columns, so a larger number names nothing (404)
    instead of reaching the database (which would fail on it)."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(ROOT / "instance"), template_folder=str(ROOT / "templates"))
    app.url_map.converters["int"] = IdConverter
    app.config.from_mapping(config.load(app.instance_path))
    if test_config:
        app.config.update(test_config)
    config.check_production(app.config)
    os.makedirs(app.instance_path, exist_ok=True)
    logging.basicConfig(level=os.environ.get("ONESTOP_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("transitions").setLevel(logging.WARNING)  # it logs every callback at INFO
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # and this every rendering step

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str):
        from workflow.admin.users import load_session_user

        return load_session_user(session_id)

    from workflow import cli, views
    from workflow.api import bp as api_bp
    from workflow.inbox import runner

    views.init_app(app)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # bearer tokens, no cookies: CSRF does not apply
    cli.init_app(app)
    runner.init_app(app)
    return app
