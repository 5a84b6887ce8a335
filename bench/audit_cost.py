"""Benchmark: what the audit trail and sealing cost (not a test; issue 17's target: case page, case
API and inbox with auditing and sealing on take at most 1.15× the time of the same build with both
off, measured side by side in one run).

    .venv/bin/python bench/audit_cost.py [--rounds 3] [--duration 10] [--connections 8]
                                         [--inprocess 30] [--journal delete|wal] [--no-sqlite]
                                         [--profile] [--json]

Setup (not measured): two databases built alike (`flask db upgrade`, `calendar-load`, `seed-demo`),
"on" with ONESTOP_AUDIT=on and ONESTOP_SEALING=on, "off" with both off (identities and notes stored
unencrypted, no audit records): SQLite files in a temp dir (in the journal mode the app leaves, or
--journal's), and, when DATABASE_URL names a PostgreSQL database whose role may create databases,
two throw-away databases beside it (dropped at the end). In both, the bulk-read thresholds are
raised out of reach (the benchmark reads one case thousands of times with one account) and their
window cut to 1 minute, so that the per-read count scans about one run's records of the account,
not every run's (a real account is suspended after 150 counted reads in its window).

Then two gunicorns of the same code (2 sync workers each), one per side and database, both up but
only one under load at a time: after a 2-second warm-up of each, --rounds rounds of, for each
request, `wrk -t2 -cN -dD` on one side then on the other, the order alternating (so that the
machine's drift weighs on both alike); any answer other than 200 fails the run loudly. Requests:
  - the case page `GET /cases/<id>` of the case prosecutor (signed in with password and TOTP code,
    session cookie), the demo case with the longest history it may open;
  - the same page for the centre's supervisor, who also sees who opened the case (an aggregate over
    the audit trail; with auditing off the trail is empty);
  - the case API `GET /api/v1/cases/<id>` (the prosecutor's bearer token, POST /api/v1/tokens);
  - the prosecutor's inbox `GET /inbox`.
Reported per request: requests/s, p50, p95 (each the median of the side's runs) and the ratio
on / off of the time per request (total time ÷ total requests of each side, i.e. off's rate ÷ on's).

In-process as well (Flask test client, each side in a fresh process, alternating twice): SQL
statements per request (SQLAlchemy `before_cursor_execute`), which ones auditing and sealing add,
and the median time per request; with --profile, cProfile of the "on" side: time per request in
the audit trail's hooks, bulk-read detection and sealing.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pyotp

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-1"
WORKER, SUPERVISOR = "prosecutor", "supervisor"  # demo users (workflow/demo.py)
TARGET = 1.15
ENV = {
    "SECRET_KEY": "bench-secret-key-not-for-production",
    "ONESTOP_ENV": "development",
    "ONESTOP_ESCALATION_RUNNER": "off",
    "ONESTOP_JOB_RUNNER": "inprocess",
    "ONESTOP_ARGON2_TIME_COST": "1",
    "ONESTOP_ARGON2_MEMORY_KIB": "1024",
    "ONESTOP_LOCALE": "zh_CN",
}
SIDES = {"on": {"ONESTOP_AUDIT": "on", "ONESTOP_SEALING": "on"},
         "off": {"ONESTOP_AUDIT": "off", "ONESTOP_SEALING": "off"}}
# The measured requests: (name, who, path template, credential kind).
REQUESTS = (
    ("case page", WORKER, "/cases/{case}", "cookie"),
    ("case page, supervisor (who opened it)", SUPERVISOR, "/cases/{case}", "cookie"),
    ("case API", WORKER, "/api/v1/cases/{case}", "token"),
    ("inbox", WORKER, "/inbox", "cookie"),
)
# What the in-process profile reports: the hooks and services of auditing and sealing, and the
# database's commit (where a record's write waits for the disk): (file suffix, function). Not the
# bulk-read check before the view: its time is Flask-Login loading the user, which the view would.
PROFILED = (
    ("workflow/audit/trail.py", "_begin"), ("workflow/audit/trail.py", "_finish"),
    ("workflow/audit/trail.py", "_before_commit"), ("workflow/audit/trail.py", "_after_flush"),
    ("workflow/audit/trail.py", "_on_execute"), ("workflow/audit/chain.py", "append"),
    ("workflow/audit/detection.py", "watch"), ("workflow/audit/detection.py", "window_counts"),
    ("workflow/audit/queries.py", "case_readers"), ("workflow/core/sealing.py", "process_result_value"),
    ("workflow/core/sealing.py", "unseal_bytes"), ("workflow/core/sealing.py", "_data_key"),
    ("~", "<method 'commit' of 'sqlite3.Connection' objects>"), ("psycopg/connection.py", "commit"),
)
DRIVERS = ("~", "psycopg/connection.py")


def side_env(side: str, url: str) -> dict:
    return {**os.environ, **ENV, **SIDES[side], "DATABASE_URL": url}


# --- in a subprocess with a side's environment ---------------------------------------------------

def _app():
    sys.path.insert(0, str(ROOT))
    from workflow import create_app

    return create_app()


def prepare() -> dict:
    """Raise the bulk-read thresholds and pick the case: the longest history the worker may open."""
    from sqlalchemy import func, select

    from workflow.admin.models import User
    from workflow.cases.models import Case
    from workflow.core import settings
    from workflow.core.access import can
    from workflow.core.extensions import db
    from workflow.core.models import Event

    app = _app()
    with app.app_context():
        settings.put("bulk_read_window_minutes", 1)
        settings.put("bulk_read_warning", 10**8)
        settings.put("bulk_read_limit", 10**9)
        db.session.commit()
        users = [db.session.scalar(select(User).where(User.username == name)) for name in (WORKER, SUPERVISOR)]
        events = dict(db.session.execute(select(Event.case_id, func.count()).group_by(Event.case_id)).all())
        cases = [c for c in db.session.scalars(select(Case).order_by(Case.id))
                 if all(can(user, "view_case", c)[0] for user in users)]
        case = max(cases, key=lambda c: (events.get(c.id, 0), -c.id))
        return {"case": case.id, "state": case.state, "events": events.get(case.id, 0)}


def inprocess(credentials: dict, case: int, count: int, profile: bool) -> dict:
    """Statements and time per request through the Flask test client (this side's config)."""
    import cProfile
    import pstats

    from sqlalchemy import event

    from workflow.core.extensions import db

    app = _app()
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: statements.append(" ".join(statement.split())))
    result = {}
    for name, who, template, kind in REQUESTS:
        client = app.test_client()
        headers = {}
        if kind == "cookie":
            client.set_cookie("session", credentials["cookies"][who])
        else:
            headers["Authorization"] = f"Bearer {credentials['token']}"
        path = template.format(case=case)

        def get():
            response = client.get(path, headers=headers)  # noqa: B023 - called within this iteration
            if response.status_code != 200:
                raise SystemExit(f"in-process {name}: GET {path} answered {response.status_code}")

        for _i in range(3):
            get()
        statements.clear()
        get()
        one = list(statements)
        times = []
        for _i in range(count):
            start = time.perf_counter()
            get()
            times.append(time.perf_counter() - start)
        entry = {"statements": len(one), "sql": one, "ms": statistics.median(times) * 1000}
        if profile:
            profiler = cProfile.Profile()
            start = time.perf_counter()
            profiler.enable()
            for _i in range(count):
                get()
            profiler.disable()
            total = time.perf_counter() - start
            stats = pstats.Stats(profiler).stats
            parts = {}
            for (filename, _line, function), (_cc, calls, _tt, cum, _callers) in stats.items():
                for suffix, wanted in PROFILED:
                    if filename.endswith(suffix) and function == wanted:
                        label = "database commit" if suffix in DRIVERS else f"{suffix.split('/')[-1]}:{function}"
                        parts[label] = {"ms": cum / count * 1000, "calls": calls / count}
            entry["profile"] = {"request_ms": total / count * 1000, "parts": parts}
        result[name] = entry
    return result


# --- setup ----------------------------------------------------------------------------------------------

def flask(side: str, url: str, *args: str) -> str:
    run = subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", *args], cwd=ROOT, env=side_env(side, url),
                         text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if run.returncode != 0:
        raise SystemExit(f"[{side}] flask {' '.join(args)} failed:\n{run.stderr[-2000:]}")
    return run.stdout


def hidden(side: str, url: str, *args: str) -> dict:
    """This script in one of its hidden modes, in a subprocess with the side's environment."""
    run = subprocess.run([sys.executable, __file__, *args], cwd=ROOT, env=side_env(side, url), text=True,
                         stdout=subprocess.PIPE)
    if run.returncode != 0:
        raise SystemExit(f"[{side}] {' '.join(args[:1])} failed")
    return json.loads(run.stdout.strip().splitlines()[-1])


def setup(side: str, url: str) -> dict:
    start = time.perf_counter()
    flask(side, url, "db", "upgrade")
    flask(side, url, "calendar-load")
    output = flask(side, url, "seed-demo", "--password", PASSWORD)
    secrets = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in (WORKER, SUPERVISOR):
            secrets[parts[0]] = parts[1]
    if set(secrets) != {WORKER, SUPERVISOR}:
        raise SystemExit(f"[{side}] seed-demo printed no second-factor keys for {WORKER} and {SUPERVISOR}")
    return {"secrets": secrets, **hidden(side, url, "--prepare"), "seconds": time.perf_counter() - start}


# --- HTTP ---------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    """One request, redirects not followed: (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def session_cookie(headers, jar: dict) -> None:
    for value in headers.get_all("Set-Cookie") or []:
        name, _sep, rest = value.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


def csrf_token(html: bytes) -> str:
    found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(rb'value="([^"]+)"[^>]*name="csrf_token"', html)
    if not found:
        raise SystemExit("no CSRF token on the sign-in page")
    return found.group(1).decode()


def sign_in(port: int, username: str, secret: str) -> str:
    """The two-step form: password, then the current TOTP code. Returns the session cookie."""
    from urllib.parse import urlencode

    jar: dict = {}

    def post(path: str, fields: dict):
        _status, headers, html = call(port, "GET", path, headers={"Cookie": f"session={jar['session']}"}
                                      if "session" in jar else {})
        session_cookie(headers, jar)
        status, headers, body = call(port, "POST", path, urlencode({**fields, "csrf_token": csrf_token(html)}).encode(),
                                     {"Content-Type": "application/x-www-form-urlencoded",
                                      "Cookie": f"session={jar['session']}"})
        session_cookie(headers, jar)
        return status, headers, body

    status, headers, body = post("/login", {"username": username, "password": PASSWORD})
    if status != 302 or not headers["Location"].endswith("/login/code"):
        raise SystemExit(f"sign-in of {username}: POST /login answered {status}: {body[:300]!r}")
    status, headers, body = post("/login/code", {"code": pyotp.TOTP(secret).now()})
    if status != 302 or "/login" in headers["Location"]:
        raise SystemExit(f"sign-in of {username}: POST /login/code answered {status}: {body[:300]!r}")
    return jar["session"]


def api_token(port: int, username: str, secret: str) -> str:
    # The next time step's code: the page sign-in took this step's (each code works once), and the
    # server accepts a neighbouring step for clock drift.
    code = pyotp.TOTP(secret).at(time.time() + 30)
    status, _headers, body = call(port, "POST", "/api/v1/tokens",
                                  json.dumps({"username": username, "password": PASSWORD, "otp": code}).encode(),
                                  {"Content-Type": "application/json"})
    if status != 201:
        raise SystemExit(f"token of {username}: {status} {body[:300]!r}")
    return json.loads(body)["token"]


def start_server(side: str, url: str, workdir: Path):
    port = free_port()
    log = open(workdir / f"gunicorn-{side}.log", "a")
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout",
                               "120", "wsgi:app"], cwd=ROOT, env=side_env(side, url), stdout=log,
                              stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            if call(port, "GET", "/login")[0] == 200:
                return server, port, log
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            stop_server(server, log)
            raise SystemExit(f"[{side}] gunicorn did not start; see {workdir / f'gunicorn-{side}.log'}")
        time.sleep(0.3)


def stop_server(server, log) -> None:
    server.terminate()
    server.wait(timeout=30)
    log.close()


# --- wrk ------------------------------------------------------------------------------------------------------

def lua_script(path: str, headers: dict) -> str:
    """A fixed GET with the credential; counts every answer but 200 (wrk itself only counts >= 400)
    and prints the figures as one JSON line."""
    header_lines = "\n".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())
    return f"""wrk.method = "GET"
wrk.path = {json.dumps(path)}
{header_lines}
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0; first_bad = 0 end
function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
    if first_bad == 0 then first_bad = status end
  end
end
function done(summary, latency, requests)
  local b, first = 0, 0
  for _, t in ipairs(threads) do
    b = b + t:get("bad")
    if first == 0 then first = t:get("first_bad") end
  end
  local e = summary.errors
  io.write(string.format('BENCH {{"requests": %d, "duration_us": %d, "bad": %d, "first_bad": %d, ' ..
    '"socket_errors": %d, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "mean_ms": %.3f}}\\n',
    summary.requests, summary.duration, b, first, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000))
end
"""


def wrk(port: int, script: Path, connections: int, duration: int, label: str) -> dict:
    run = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "60s", "-s", str(script),
                          f"http://127.0.0.1:{port}"], text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    line = next((x for x in run.stdout.splitlines() if x.startswith("BENCH ")), None)
    if run.returncode != 0 or line is None:
        raise SystemExit(f"{label}: wrk failed:\n{run.stdout}")
    figures = json.loads(line[len("BENCH "):])
    if figures["bad"] or figures["socket_errors"] or not figures["requests"]:
        raise SystemExit(f"{label}: {figures['bad']} answers other than 200 (first: {figures['first_bad']}), "
                         f"{figures['socket_errors']} socket errors in {figures['requests']} requests")
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


# --- the run -----------------------------------------------------------------------------------------------------

def credentials_for(port: int, secrets: dict) -> dict:
    return {"cookies": {name: sign_in(port, name, secrets[name]) for name in (WORKER, SUPERVISOR)},
            "token": api_token(port, WORKER, secrets[WORKER])}


def headers_for(credentials: dict, who: str, kind: str) -> dict:
    if kind == "cookie":
        return {"Cookie": f"session={credentials['cookies'][who]}"}
    return {"Authorization": f"Bearer {credentials['token']}"}


def load_test(urls: dict, workdir: Path, made: dict, args) -> tuple[dict, dict]:
    """Both servers up, only one under load at a time: per round, each request on one side then the
    other (the order alternating), so that the machine's drift weighs on both alike."""
    servers = {}
    try:
        for side in SIDES:
            servers[side] = start_server(side, urls[side], workdir)
        credentials, scripts = {}, {}
        for side, (_server, port, _log) in servers.items():
            credentials[side] = credentials_for(port, made[side]["secrets"])
            for name, who, template, kind in REQUESTS:
                path, headers = template.format(case=made[side]["case"]), headers_for(credentials[side], who, kind)
                status, _headers, body = call(port, "GET", path, headers=headers)
                if status != 200:
                    raise SystemExit(f"[{side}] {name}: GET {path} answered {status}: {body[:300]!r}")
                scripts[side, name] = workdir / f"{side}-{re.sub(r'[^a-z]+', '-', name)}.lua"
                scripts[side, name].write_text(lua_script(path, headers), encoding="utf-8")
                wrk(port, scripts[side, name], args.connections, 2, f"[{side}] {name} warm-up")
        runs: dict = {side: {name: [] for name, *_r in REQUESTS} for side in SIDES}
        for round_ in range(args.rounds):
            for i, (name, *_rest) in enumerate(REQUESTS):
                for side in (("on", "off") if (round_ + i) % 2 == 0 else ("off", "on")):
                    figures = wrk(servers[side][1], scripts[side, name], args.connections, args.duration,
                                  f"[{side}] {name}")
                    runs[side][name].append(figures)
                    print(f"[round {round_ + 1}, {side}] {name}: {figures['rps']:.1f} req/s, p50 "
                          f"{figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms", file=sys.stderr, flush=True)
        return runs, credentials
    finally:
        for server in servers.values():
            stop_server(server[0], server[2])


def summarise(runs: dict) -> dict:
    """Per request: each side's median rate and latencies, and on / off of the time per request
    (each side's total time over its total requests, i.e. off's rate over on's)."""
    result = {}
    for name, *_rest in REQUESTS:
        row = {}
        for side in SIDES:
            values = runs[side][name]
            row[side] = {"rps": statistics.median(v["rps"] for v in values),
                         "p50_ms": statistics.median(v["p50_ms"] for v in values),
                         "p95_ms": statistics.median(v["p95_ms"] for v in values),
                         "requests": sum(v["requests"] for v in values),
                         "seconds": sum(v["duration_us"] for v in values) / 1e6}
        per_request = {side: row[side]["seconds"] / row[side]["requests"] for side in SIDES}
        row["ratio"] = per_request["on"] / per_request["off"]
        row["round_ratios"] = [off["rps"] / on["rps"] for on, off in zip(runs["on"][name], runs["off"][name])]
        result[name] = row
    return result


def extra_statements(on: list[str], off: list[str]) -> list[tuple[str, int]]:
    """The statements the on side runs beyond the off side's, by their opening words."""
    def opening(sql: str) -> str:
        return sql[:90]

    extra = Counter(map(opening, on))
    extra.subtract(Counter(map(opening, off)))
    return [(sql, n) for sql, n in extra.most_common() if n > 0]


def table(result: dict, args) -> str:
    s = result["setup"]
    lines = [f"**{result['label']}**: case #{s['case']} ({s['state']}, {s['events']} history events); gunicorn "
             f"2 sync workers per side, one side under load at a time, {args.rounds} rounds alternating; "
             f"`wrk -t2 -c{args.connections} -d{args.duration}s` per request and run; req/s, p50 and p95 are medians "
             "of each side's runs", "",
             "| request | on: req/s | on: p50 / p95 | off: req/s | off: p50 / p95 | time per request on / off "
             f"(target ≤ {TARGET}×) | per round |",
             "|---|---|---|---|---|---|---|"]
    for name, row in result["wrk"].items():
        on, off = row["on"], row["off"]
        lines.append(f"| {name} | {on['rps']:.1f} | {on['p50_ms']:.1f} / {on['p95_ms']:.1f} ms | {off['rps']:.1f} | "
                     f"{off['p50_ms']:.1f} / {off['p95_ms']:.1f} ms | **{row['ratio']:.2f}×** "
                     f"{'met' if row['ratio'] <= TARGET else 'MISSED'} | "
                     f"{', '.join(f'{r:.2f}' for r in row['round_ratios'])} |")
    inproc = result["inprocess"]
    lines += ["", "In-process (Flask test client, one request at a time, median of "
              f"{args.inprocess} requests per process, best of 2 processes per side):", "",
              "| request | statements on | statements off | ms on | ms off | on / off |", "|---|---|---|---|---|---|"]
    for name, *_rest in REQUESTS:
        on, off = inproc["on"][name], inproc["off"][name]
        lines.append(f"| {name} | {on['statements']} | {off['statements']} | {on['ms']:.1f} | {off['ms']:.1f} | "
                     f"{on['ms'] / off['ms']:.2f}× |")
    lines += ["", "Statements auditing and sealing add (on minus off, by their opening):", ""]
    for name, *_rest in REQUESTS:
        extra = extra_statements(inproc["on"][name]["sql"], inproc["off"][name]["sql"])
        lines.append(f"- {name}: " + ("; ".join(f"{n}× `{sql}…`" for sql, n in extra) or "none"))
    if args.profile:
        lines += ["", "cProfile of the on side (ms per request under the profiler, cumulative, nested parts "
                  "included in their callers):", ""]
        names = sorted({part for entry in inproc["on"].values() for part in entry.get("profile", {}).get("parts", {})})
        lines += ["| part | " + " | ".join(n for n, *_r in REQUESTS) + " |", "|---" * (len(REQUESTS) + 1) + "|"]
        lines.append("| whole request | " + " | ".join(f"{inproc['on'][n]['profile']['request_ms']:.1f}"
                                                       for n, *_r in REQUESTS) + " |")
        for part in names:
            cells = []
            for n, *_r in REQUESTS:
                value = inproc["on"][n]["profile"]["parts"].get(part)
                cells.append(f"{value['ms']:.2f}" if value else "–")
            lines.append(f"| {part} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def postgres_databases(url: str) -> dict[str, str]:
    """Two fresh databases beside DATABASE_URL's (its role must be allowed to create databases)."""
    import psycopg
    from sqlalchemy.engine import make_url

    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
    base = make_url(url)
    with psycopg.connect(base.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as connection:
        for side in SIDES:
            connection.execute(f'DROP DATABASE IF EXISTS "{base.database}_audit_{side}"')
            connection.execute(f'CREATE DATABASE "{base.database}_audit_{side}"')
    return {side: base.set(database=f"{base.database}_audit_{side}").render_as_string(hide_password=False)
            for side in SIDES}


def drop_postgres_databases(urls: dict[str, str]) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    maintenance = make_url(os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1))
    with psycopg.connect(maintenance.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as connection:
        for url in urls.values():
            connection.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def run_database(label: str, urls: dict[str, str], workdir: Path, args) -> dict:
    made = {}
    for side in SIDES:
        print(f"[{label}, {side}] setup: db upgrade, calendar-load, seed-demo …", file=sys.stderr, flush=True)
        made[side] = setup(side, urls[side])
    if made["on"]["case"] != made["off"]["case"]:
        raise SystemExit(f"the two databases differ: case {made['on']['case']} vs {made['off']['case']}")
    if label.startswith("SQLite") and args.journal:
        import sqlite3

        for url in urls.values():
            with sqlite3.connect(url[len("sqlite:///"):]) as connection:  # the journal mode stays with the file
                connection.execute(f"PRAGMA journal_mode={args.journal}")
    runs, credentials = load_test(urls, workdir, made, args)
    inproc: dict[str, dict] = {side: {} for side in SIDES}

    def in_process(side: str, profile: bool = False) -> dict:
        print(f"[{label}, {side}] in-process{' (cProfile)' if profile else ''} …", file=sys.stderr, flush=True)
        given = {"credentials": credentials[side], "case": made[side]["case"], "profile": profile}
        return hidden(side, urls[side], "--inprocess", str(args.inprocess), "--inprocess-side", json.dumps(given))

    for _round in range(2):
        for side in SIDES:
            for name, entry in in_process(side).items():
                if name not in inproc[side] or entry["ms"] < inproc[side][name]["ms"]:
                    inproc[side][name] = entry
    if args.profile:
        for name, entry in in_process("on", profile=True).items():
            inproc["on"][name]["profile"] = entry["profile"]
    return {"label": label, "setup": {k: v for k, v in made["on"].items() if k != "secrets"},
            "wrk": summarise(runs), "runs": runs, "inprocess": inproc}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs of each request on each side (default 3)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per request and run (default 10)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--inprocess", type=int, default=30, help="in-process requests per measure (default 30)")
    parser.add_argument("--journal", choices=("delete", "wal"),
                        help="SQLite journal mode of both databases (default: as the app creates them, delete)")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL (DATABASE_URL)")
    parser.add_argument("--profile", action="store_true", help="cProfile the on side in-process")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--inprocess-side", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        print(json.dumps(prepare()))
        return
    if args.inprocess_side:
        given = json.loads(args.inprocess_side)
        print(json.dumps(inprocess(given["credentials"], given["case"], args.inprocess, given["profile"])))
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (make bench-audit installs it)")
    postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql"))
    if args.no_sqlite and not postgres:
        raise SystemExit("--no-sqlite needs DATABASE_URL naming a PostgreSQL database")
    before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    command = shlex.join([os.path.relpath(sys.executable), *sys.argv])
    results = []
    workdir = Path(tempfile.mkdtemp(prefix="onestop-bench-audit-"))
    try:
        if not args.no_sqlite:
            label = f"SQLite (journal_mode={args.journal or 'delete'})"
            results.append(run_database(label, {side: f"sqlite:///{workdir}/{side}.sqlite" for side in SIDES},
                                        workdir, args))
        if postgres:
            urls = postgres_databases(os.environ["DATABASE_URL"])
            try:
                results.append(run_database("PostgreSQL", urls, workdir, args))
            finally:
                drop_postgres_databases(urls)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    after = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    if args.json:
        print(json.dumps({"command": command, "load": [before, after], "results": results}, indent=2))
    else:
        print("\n\n".join([f"`{command}` (load average before the run: {before}; after: {after}; "
                             f"{os.cpu_count()} CPUs)", *(table(result, args) for result in results)]))


if __name__ == "__main__":
    main()
