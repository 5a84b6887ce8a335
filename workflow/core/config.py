"""Configuration from environment variables, with safe defaults for a local install."""
from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from sqlalchemy.engine import make_url

# The project directory (templates, migrations, docs_templates, instance).
ROOT = Path(__file__).resolve().parent.parent.parent

ENVIRONMENTS = ("development", "production")
DEFAULT_SECRET = "dev-insecure-secret-change-me"
# Secrets anyone can guess: the built-in one, those of the tests and benchmarks, placeholders.
KNOWN_SECRETS = frozenset({DEFAULT_SECRET, "test-secret", "test", "bench-secret-key-not-for-production", "dev",
                           "development", "secret", "secret-key", "secretkey", "changeme", "change-me",
                           "change_me", "password"})
MIN_KEY_BYTES = 32
KEY_HINT = "python3 -c 'import secrets; print(secrets.token_hex(32))'"
ENCRYPTION_KEY_HINT = "python3 -c 'import os, base64; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'"


def database_url(url: str) -> str:
    """Accept the URLs Heroku-style tools print and route them to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "onestop.sqlite")
    return database_url(url)


def load(instance_path: str) -> dict:
    env = os.environ.get("ONESTOP_ENV") or "development"
    production = env == "production"
    return {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # PostgreSQL with two roles (workflow/core/privileges.py): the app connects as DATABASE_URL's,
        # which owns no table; migrations connect as the owner's, then grant DATABASE_APP_ROLE
        # (default: DATABASE_URL's user when it is not the owner) what the app may do.
        "DATABASE_OWNER_URI": database_url(os.environ.get("DATABASE_OWNER_URL", "")),
        "DATABASE_APP_ROLE": os.environ.get("DATABASE_APP_ROLE", ""),
        "BABEL_DEFAULT_LOCALE": os.environ.get("ONESTOP_LOCALE", "zh_CN"),
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("ONESTOP_TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": ["zh_CN", "en"],
        # Production's cookie is HTTPS-only and, by its __Host- prefix, set by this host for the whole
        # site alone (no Domain attribute, Path /): no sibling subdomain can plant or overwrite it.
        "SESSION_COOKIE_NAME": "__Host-onestop" if production else "session",
        "SESSION_COOKIE_PATH": "/",
        "SESSION_COOKIE_DOMAIN": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        # The cookie outlives no session: the server ends sessions by the settings session_idle_minutes
        # and session_max_hours (workflow/admin/sessions.py), and API tokens by api_token_hours.
        "PERMANENT_SESSION_LIFETIME": 24 * 3600,
        # Rate limits per client address (Flask-Limiter syntax), shared in Redis when REDIS_URL is set.
        "RATE_LIMIT_LOGIN": os.environ.get("ONESTOP_RATE_LIMIT_LOGIN", "20 per minute; 200 per hour"),
        "RATE_LIMIT_TOKENS": os.environ.get("ONESTOP_RATE_LIMIT_TOKENS", "10 per minute; 100 per hour"),
        "RATE_LIMIT_VERIFY": os.environ.get("ONESTOP_RATE_LIMIT_VERIFY", "30 per minute; 300 per hour"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Behind nginx (or another proxy): how many proxies put X-Forwarded-For/-Proto/-Host in front,
        # so that limits and records see the client's address. 0: clients connect directly.
        "PROXY_HOPS": int(os.environ.get("ONESTOP_PROXY_HOPS", "0")),
        # Argon2 cost; tests lower it, production keeps the library defaults.
        "ARGON2_TIME_COST": int(os.environ.get("ONESTOP_ARGON2_TIME_COST", "3")),
        "ARGON2_MEMORY_COST": int(os.environ.get("ONESTOP_ARGON2_MEMORY_KIB", "65536")),
        "WTF_CSRF_TIME_LIMIT": None,
        # Largest request body (a PDF uploaded to the public verification page is the largest).
        "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
        "CASES_PER_PAGE": 50,
        # Links in e-mails point here.
        "BASE_URL": os.environ.get("ONESTOP_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        # Escalation of task clocks: "inprocess" runs it in a thread of each serving process every
        # ESCALATION_INTERVAL seconds; "off" when cron runs `flask --app wsgi escalate` instead.
        "ESCALATION_RUNNER": os.environ.get("ONESTOP_ESCALATION_RUNNER", "inprocess"),
        "ESCALATION_INTERVAL": int(os.environ.get("ONESTOP_ESCALATION_INTERVAL", "300")),
        # E-mail of notifications; none is sent while SMTP_HOST is empty.
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": os.environ.get("SMTP_STARTTLS", "") in ("1", "true", "yes"),
        "SMTP_SSL": os.environ.get("SMTP_SSL", "") in ("1", "true", "yes"),
        "SMTP_TIMEOUT": int(os.environ.get("SMTP_TIMEOUT", "20")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "onestop@localhost"),
        # Background jobs (documents, batches): "inprocess" runs them in a worker thread of each
        # serving process; "rq" queues them in Redis for `rq worker onestop` processes.
        "JOB_RUNNER": os.environ.get("ONESTOP_JOB_RUNNER", "inprocess"),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        "JOB_TIMEOUT": int(os.environ.get("ONESTOP_JOB_TIMEOUT", "3600")),
        # How long a page waits for one document before showing the job's progress instead.
        "DOCUMENT_WAIT_SECONDS": float(os.environ.get("ONESTOP_DOCUMENT_WAIT_SECONDS", "20")),
        # Generated PDFs: in the database ("database") or as files under DOCUMENT_DIR ("file").
        "DOCUMENT_STORE": os.environ.get("ONESTOP_DOCUMENT_STORE", "database"),
        "DOCUMENT_DIR": os.environ.get("ONESTOP_DOCUMENT_DIR", str(Path(instance_path) / "documents")),
        # The register: the HMAC key that matches ID numbers and the AES-256 key (32 bytes, url-safe
        # base64) that seals who people are. Development derives both from SECRET_KEY; production
        # must set them. Changing either makes existing entries unmatchable or unreadable.
        "REGISTRY_HMAC_KEY": os.environ.get("REGISTRY_HMAC_KEY", ""),
        "REGISTRY_ENCRYPTION_KEY": os.environ.get("REGISTRY_ENCRYPTION_KEY", ""),
        # The keys that seal identities and notes at rest (workflow/core/sealing.py), as
        # "kid:key,kid:key" (key ids 1-255, keys of 32 bytes in url-safe base64): the first seals new
        # values, the others still open what they sealed until `flask --app wsgi keys rotate` re-sealed
        # it. Unset: key id 1 is REGISTRY_ENCRYPTION_KEY (or its development key).
        "SEALING_KEYS": os.environ.get("ONESTOP_SEALING_KEYS", ""),
        # "off" stores values unencrypted (still marked as such): only to measure what sealing costs
        # (bench/); production refuses it.
        "SEALING_ENABLED": _switch(os.environ.get("ONESTOP_SEALING", "on")),
        # The audit trail's signing key (HMAC of every record and checkpoint). Held outside the
        # database, so that access to the database alone cannot forge a trail that verifies.
        # Development derives it from SECRET_KEY; production must set it.
        "AUDIT_KEY": os.environ.get("AUDIT_KEY", ""),
        # ONESTOP_AUDIT=off records nothing: only for the benchmark that measures what auditing
        # costs (bench/audit_cost.py); production refuses it.
        "AUDIT_ENABLED": os.environ.get("ONESTOP_AUDIT", "on") != "off",
        # The agency named on inquiry result notices (default: that of the first registry maintainer).
        "REGISTRY_AGENCY": os.environ.get("ONESTOP_REGISTRY_AGENCY", ""),
    }


def _switch(value: str) -> bool | str:
    """"on" / "off" as a boolean; anything else is kept for `check_production` to refuse."""
    return {"on": True, "off": False}.get(value.strip().lower(), value)


def sealing_keys(text: str) -> dict[int, bytes]:
    """ONESTOP_SEALING_KEYS as {key id: key}, in the order given (the first is the current key);
    ValueError saying which entry is wrong."""
    ring: dict[int, bytes] = {}
    for entry in text.split(","):
        kid, sep, encoded = entry.strip().partition(":")
        if not sep or not kid.strip().isdigit() or not 1 <= int(kid) <= 255:
            raise ValueError(f"{entry.strip()[:8]!r}… is not 'key id:key' with a key id from 1 to 255")
        if int(kid) in ring:
            raise ValueError(f"key id {int(kid)} is given twice")
        try:
            key = base64.urlsafe_b64decode(encoded.strip())
        except (ValueError, binascii.Error):
            key = b""
        if len(key) != MIN_KEY_BYTES or _one_value(key):
            raise ValueError(f"key id {int(kid)} is not {MIN_KEY_BYTES} random bytes in url-safe base64")
        ring[int(kid)] = key
    return ring


def _one_value(key: bytes | str) -> bool:
    """All one byte or character (all zero, "aaaa…"): a placeholder, not a key."""
    return len(set(key)) == 1


def same_database(a: str, b: str) -> bool:
    """Whether two database URLs name the same database, whoever they connect as."""
    a_url, b_url = make_url(a), make_url(b)
    return (a_url.get_backend_name(), a_url.host, a_url.port or None, a_url.database) == \
        (b_url.get_backend_name(), b_url.host, b_url.port or None, b_url.database)


def check_production(config: dict) -> None:
    """Refuse to start with a setting that is unknown, guessable or wrong, one line saying which;
    production also refuses the built-in development secret and missing register keys."""
    if config["ENV_NAME"] not in ENVIRONMENTS:
        raise RuntimeError(f"ONESTOP_ENV must be 'development' or 'production', not {config['ENV_NAME']!r}")
    production = config["ENV_NAME"] == "production"
    secret = config["SECRET_KEY"] or ""
    if production and secret.strip().lower() in KNOWN_SECRETS:
        raise RuntimeError(f"SECRET_KEY is a known default; set a random one when ONESTOP_ENV=production ({KEY_HINT})")
    if production and (len(secret.encode()) < MIN_KEY_BYTES or _one_value(secret.encode())):
        raise RuntimeError(f"SECRET_KEY must be a random value of at least {MIN_KEY_BYTES} bytes when "
                           f"ONESTOP_ENV=production ({KEY_HINT})")
    if production and not (config["REGISTRY_HMAC_KEY"] and (config["REGISTRY_ENCRYPTION_KEY"]
                                                          or config.get("SEALING_KEYS"))):
        raise RuntimeError("REGISTRY_HMAC_KEY and REGISTRY_ENCRYPTION_KEY must be set when ONESTOP_ENV=production "
                           "(ONESTOP_SEALING_KEYS may stand for REGISTRY_ENCRYPTION_KEY)")
    if config.get("SEALING_KEYS"):
        try:
            sealing_keys(config["SEALING_KEYS"])
        except ValueError as exc:
            raise RuntimeError(f"ONESTOP_SEALING_KEYS must be 'key id:key,…' with keys of {MIN_KEY_BYTES} random "
                               f"bytes in url-safe base64: {exc} ({ENCRYPTION_KEY_HINT})") from None
    if config.get("SEALING_ENABLED", True) not in (True, False):
        raise RuntimeError("ONESTOP_SEALING must be 'on' or 'off'")
    if production and config.get("SEALING_ENABLED", True) is False:
        raise RuntimeError("ONESTOP_SEALING=off is for measuring only: production seals identities at rest")
    if config["REGISTRY_ENCRYPTION_KEY"]:
        try:
            key = base64.urlsafe_b64decode(config["REGISTRY_ENCRYPTION_KEY"])
        except (ValueError, binascii.Error):
            key = b""
        if len(key) != MIN_KEY_BYTES or _one_value(key):
            raise RuntimeError(f"REGISTRY_ENCRYPTION_KEY must be {MIN_KEY_BYTES} random bytes in url-safe base64 "
                               f"({ENCRYPTION_KEY_HINT})")
    hmac_key = config["REGISTRY_HMAC_KEY"]
    if hmac_key and (len(hmac_key) < MIN_KEY_BYTES or _one_value(hmac_key)):
        raise RuntimeError(f"REGISTRY_HMAC_KEY must be a random value of at least {MIN_KEY_BYTES} characters "
                           f"({KEY_HINT})")
    if production and not config.get("AUDIT_ENABLED", True):
        raise RuntimeError("ONESTOP_AUDIT=off is for benchmarks only; production records every request")
    audit_key = config["AUDIT_KEY"] or ""
    if production and not audit_key:
        raise RuntimeError(f"AUDIT_KEY must be set when ONESTOP_ENV=production ({KEY_HINT}); keep it outside the "
                           "database and its backups")
    if audit_key and (len(audit_key.encode()) < MIN_KEY_BYTES or _one_value(audit_key)):
        raise RuntimeError(f"AUDIT_KEY must be a random value of at least {MIN_KEY_BYTES} characters ({KEY_HINT})")
    owner = config.get("DATABASE_OWNER_URI")
    if owner and not same_database(owner, config["SQLALCHEMY_DATABASE_URI"]):
        raise RuntimeError("DATABASE_OWNER_URL must name the same database as DATABASE_URL (as its owner role)")
    if config["ESCALATION_RUNNER"] not in ("inprocess", "off"):
        raise RuntimeError("ONESTOP_ESCALATION_RUNNER must be 'inprocess' or 'off'")
    if config["JOB_RUNNER"] not in ("inprocess", "rq"):
        raise RuntimeError("ONESTOP_JOB_RUNNER must be 'inprocess' or 'rq'")
    if config["JOB_RUNNER"] == "rq" and not config["REDIS_URL"]:
        raise RuntimeError("ONESTOP_JOB_RUNNER=rq needs REDIS_URL")
    if config["DOCUMENT_STORE"] not in ("database", "file"):
        raise RuntimeError("ONESTOP_DOCUMENT_STORE must be 'database' or 'file'")
