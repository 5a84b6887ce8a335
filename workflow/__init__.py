"""OneStop: case workflow for one-stop centres for child victims.

This package's top level is the composition root: `create_app` assembles the core and every
feature (their models, permission rules, pages, API routes and commands). Features never import
it; see docs/architecture.md.
"""
from __future__ import annotations

import logging
import os
from types import SimpleNamespace

from flask import Flask, has_request_context, request, session
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from workflow.audit import chain as audit_chain
from workflow.audit import trail
from workflow.core import config, keys, privileges, web
from workflow.core.config import ROOT
from workflow.core.extensions import babel, csrf, db, limiter, login_manager, migrate
from workflow.core.models import MAX_ID

__all__ = ["ROOT", "create_app"]


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
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def _features(app: Flask) -> None:
    """Every feature's pages, API routes, permission rules and commands, in dependency order."""
    from workflow import (
        cli,
        openapi,  # noqa: F401 - its route
    )
    from workflow.admin import api as admin_api  # noqa: F401 - its routes
    from workflow.admin import auth
    from workflow.admin import cli as admin_cli
    from workflow.admin import labels as admin_labels
    from workflow.admin import permissions as admin_permissions  # noqa: F401 - its rules
    from workflow.admin import views as admin_views
    from workflow.admin.sessions import load_user
    from workflow.aid import api as aid_api  # noqa: F401 - its routes
    from workflow.aid import labels as aid_labels
    from workflow.aid import permissions as aid_permissions  # noqa: F401 - its rules
    from workflow.aid import views as aid_views
    from workflow.audit import api as audit_api  # noqa: F401 - its routes
    from workflow.audit import cli as audit_cli
    from workflow.audit import detection as bulk_reads
    from workflow.audit import labels as audit_labels
    from workflow.audit import permissions as audit_permissions  # noqa: F401 - its rules
    from workflow.audit import review_api  # noqa: F401 - its routes
    from workflow.audit import review_views as bulk_read_views
    from workflow.audit import views as audit_views
    from workflow.cases import api as cases_api  # noqa: F401 - its routes
    from workflow.cases import labels as cases_labels
    from workflow.cases import permissions as cases_permissions  # noqa: F401 - its rules
    from workflow.cases import views as cases_views
    from workflow.core import api as core_api
    from workflow.core import labels as core_labels
    from workflow.core import pages, roles
    from workflow.documents import api as documents_api  # noqa: F401 - its routes
    from workflow.documents import labels as documents_labels
    from workflow.documents import permissions as documents_permissions  # noqa: F401 - its rules
    from workflow.documents import views as documents_views
    from workflow.emergency import api as emergency_api  # noqa: F401 - its routes
    from workflow.emergency import labels as emergency_labels
    from workflow.emergency import permissions as emergency_permissions  # noqa: F401 - its rules and reader
    from workflow.emergency import views as emergency_views
    from workflow.followup import labels as followup_labels
    from workflow.inbox import api as inbox_api  # noqa: F401 - its routes
    from workflow.inbox import cli as inbox_cli
    from workflow.inbox import (
        escalation,  # noqa: F401 - its settings
        notification_views,
        runner,
    )
    from workflow.inbox import labels as inbox_labels
    from workflow.inbox import permissions as inbox_permissions  # noqa: F401 - its rules
    from workflow.inbox import views as inbox_views
    from workflow.registry import api as registry_api  # noqa: F401 - its routes
    from workflow.registry import cli as registry_cli
    from workflow.registry import labels as registry_labels
    from workflow.registry import permissions as registry_permissions  # noqa: F401 - its rules
    from workflow.registry import views as registry_views
    from workflow.retention import cli as retention_cli
    from workflow.retention import operations as retention
    from workflow.retention import permissions as retention_permissions  # noqa: F401 - its rules
    from workflow.retention import views as retention_views

    login_manager.user_loader(load_user)
    # The api and permissions modules imported above registered their routes and rules.
    for module in (auth, inbox_views, cases_views, aid_views, admin_views, notification_views, documents_views,
                   registry_views, emergency_views, audit_views, bulk_read_views, retention_views):
        app.register_blueprint(module.bp)
    app.register_blueprint(core_api.bp)
    csrf.exempt(core_api.bp)  # bearer tokens, no cookies: CSRF does not apply
    # Templates read every feature's labels as `labels.<NAME>`.
    labels = {}
    for module in (roles, core_labels, admin_labels, cases_labels, aid_labels, followup_labels, inbox_labels,
                   documents_labels, registry_labels, emergency_labels, audit_labels):
        labels.update({name: value for name, value in vars(module).items() if not name.startswith("_")})
    web.init_app(app, {"labels": SimpleNamespace(**labels), "banners_for": pages.banners_for})
    for commands in (cli, admin_cli, audit_cli, inbox_cli, registry_cli, retention_cli):
        commands.init_app(app)
    runner.periodic(retention.run)  # the inbox does not import retention: it is wired here
    runner.periodic(bulk_reads.deliver_alert_emails)  # nor the audit trail: retries its alerts' e-mails
    bulk_reads.init_app(app)
    runner.init_app(app)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(ROOT / "instance"), template_folder=str(ROOT / "templates"))
    app.url_map.converters["int"] = IdConverter
    app.config.from_mapping(config.load(app.instance_path))
    if test_config:
        app.config.update(test_config)
    config.check_production(app.config)
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
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
    limiter.init_app(app)
    trail.init_app(app)  # first of the features' request hooks: they may note into its record
    _features(app)
    with app.app_context():  # keys that do not fit the stored data stop the start, not each inquiry
        privileges.check_app_role()  # first: connected as the owner, nothing else is to be trusted
        keys.check_keys()
        audit_chain.check_key()
        db.session.remove()
        db.engine.dispose()  # no connection outlives the factory: a forking server would share it
    return app
