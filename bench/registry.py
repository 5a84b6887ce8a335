"""Benchmark: the register's batch screening against a plain SQL join, and single-inquiry latency
(not a test; the targets are issue 7's "100,000 applicants × 1,000,000 entries within 10 s and
1 GiB" and DESIGN.md's "Performance" aim: ≤ 2× the bare baseline, peak RSS ≤ 512 MiB).

    .venv/bin/python bench/registry.py [--entries 1000000] [--applicants 100000] [--hit-rate 0.01]
                                       [--repeat 2] [--duration 15] [--no-wrk] [--json]

Setup (not measured): a fresh SQLite file in a temp dir (and, when DATABASE_URL names an empty
PostgreSQL database, that one too), migrated; an employer's HR user and a registry maintainer;
`registry synthesize` of the entries and an applicants' CSV with 1% ID hits on entries in force.
Then, each in a fresh subprocess so that peak RSS (ru_maxrss) is that side's alone, alternating
and repeated (the fastest run of each side is compared):
  (a) ours: `screening.submit_batch` with the CSV's bytes, the job run synchronously
      (`jobs.run`, no runner thread) through to the sealed result CSV, read back with `result_csv`;
  (b) baseline, a plain SQL join of the same data with no OneStop code: read the CSV, HMAC each ID
      number with the same key, bulk-insert (executemany / COPY) into a temp table, and
      `SELECT … FROM applicants JOIN registry_entries ON id_hmac` with the in-force condition;
  (c) single inquiries: gunicorn (2 workers) on the same database and `wrk -t2 -c32 --timeout 60s`
      POSTing JSON inquiries (1,000 different applicants of the CSV, ~1% hits, each hit renders its
      result notice) with a Bearer token of another employer than the batch's; p50, p99 and
      requests/s.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pyotp

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-1"
# The batch employer; the single inquiries come from another school, with no batch of 100,000 rows in
# its inquiry log (the per-employer rate limit and enumeration watch read that log on every inquiry).
EMPLOYER, SINGLE_EMPLOYER, MAINTAINER = "bench_hr", "bench_hr_single", "bench_maintainer"
OTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the single inquiries' employer's second factor
ENV = {
    "SECRET_KEY": "bench-secret-key-not-for-production",
    "REGISTRY_HMAC_KEY": "bench-registry-hmac-key-0123456789abcdef",
    "REGISTRY_ENCRYPTION_KEY": base64.urlsafe_b64encode(bytes(range(32))).decode(),
    "ONESTOP_ENV": "development",
    "ONESTOP_ESCALATION_RUNNER": "off",
    "ONESTOP_JOB_RUNNER": "inprocess",
    "ONESTOP_ARGON2_TIME_COST": "1",
    "ONESTOP_ARGON2_MEMORY_KIB": "1024",
    "ONESTOP_LOCALE": "zh_CN",
}
TARGET = {"wall": 10.0, "rss_mib": 1024.0}
AIM = {"ratio": 2.0, "rss_mib": 512.0}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the measured sides (run in their own subprocess) ----------------------------------------------

def side_ours(csv_path: str) -> dict:
    sys.path.insert(0, str(ROOT))
    from unittest import mock

    from sqlalchemy import select

    from workflow import create_app
    from workflow.admin.models import User
    from workflow.core import jobs
    from workflow.core.extensions import db
    from workflow.core.models import Job
    from workflow.registry import screening

    app = create_app()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == EMPLOYER))
        rss_before = peak_rss_mib()
        start = time.perf_counter()
        content = Path(csv_path).read_bytes()
        # The job runs in this thread as `submit` dispatches it (what an RQ worker does), not in a runner thread.
        with mock.patch.object(jobs, "_dispatch", jobs.run):
            job = screening.submit_batch(user, content, consent=True)
        job_id = job.id
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        if job.status != "done":
            raise SystemExit(f"batch job {job.status}: {job.error}")
        result = screening.result_csv(user, job_id)
        wall = time.perf_counter() - start
        counts = {k: job.result[k] for k in ("rows", "invalid", "record", "no_record", "pending_review")}
    return {"wall": wall, "rss_mib": peak_rss_mib(), "rss_before_mib": rss_before, "result_bytes": len(result),
            **counts}


def side_baseline(csv_path: str) -> dict:
    """Bare stack: csv, hmac and the database driver; nothing of OneStop."""
    import csv
    import datetime as dt
    import hmac

    url = os.environ["DATABASE_URL"]
    key = os.environ["REGISTRY_HMAC_KEY"].encode()
    today = dt.date.today()
    rss_before = peak_rss_mib()
    start = time.perf_counter()
    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        column = header.index("证件号码")
        rows = [(number, hmac.digest(key, b"id:" + row[column].strip().upper().encode(), "sha256").hex())
                for number, row in enumerate(reader, start=1)]
    hashed = time.perf_counter()
    query = ("SELECT a.row_no, e.id FROM applicants a JOIN registry_entries e ON e.id_hmac = a.id_hmac "
             "WHERE e.status = 'active' AND (e.ban_until IS NULL OR e.ban_until >= {mark})")
    if url.startswith("sqlite:///"):
        import sqlite3

        conn = sqlite3.connect(url[len("sqlite:///"):])
        conn.execute("CREATE TEMP TABLE applicants (row_no INTEGER PRIMARY KEY, id_hmac VARCHAR(64) NOT NULL)")
        conn.executemany("INSERT INTO applicants VALUES (?, ?)", rows)
        loaded = time.perf_counter()
        hits = conn.execute(query.format(mark="?"), (today.isoformat(),)).fetchall()
        conn.close()
    else:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            conn.execute("CREATE TEMP TABLE applicants (row_no INTEGER PRIMARY KEY, id_hmac VARCHAR(64) NOT NULL)")
            with conn.cursor().copy("COPY applicants (row_no, id_hmac) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            conn.execute("ANALYZE applicants")
            loaded = time.perf_counter()
            hits = conn.execute(query.format(mark="%s"), (today,)).fetchall()
    end = time.perf_counter()
    record = len({row_no for row_no, _entry in hits})
    return {"wall": end - start, "rss_mib": peak_rss_mib(), "rss_before_mib": rss_before, "rows": len(rows),
            "record": record, "no_record": len(rows) - record,
            "steps": {"read + hmac": hashed - start, "load": loaded - hashed, "join": end - loaded}}


# --- setup -------------------------------------------------------------------------------------------

def child_env(url: str) -> dict:
    return {**os.environ, **ENV, "DATABASE_URL": url}


def setup(url: str, workdir: Path, entries: int, applicants: int, hits: int) -> dict:
    """Migrate, add the two users and synthesize the register and the applicants' CSV (in a
    subprocess with the benchmark's environment, like the measured sides)."""
    out = workdir / "applicants.csv"
    code = f"""
import json, sys, time
sys.path.insert(0, {str(ROOT)!r})
from flask_migrate import upgrade
from sqlalchemy import inspect
from workflow import ROOT, create_app
from workflow.admin import signin
from workflow.admin.models import Agency
from workflow.admin.users import create_user
from workflow.core import settings
from workflow.core.extensions import db
from workflow.registry import synthetic
app = create_app()
with app.app_context():
    if inspect(db.engine).get_table_names():
        raise SystemExit("the database is not empty: the benchmark needs a fresh one")
    upgrade(directory=str(ROOT / "migrations"))
    school, procuratorate = Agency(name="基准测试学校", kind="school"), Agency(name="基准测试检察院", kind="procuratorate")
    other_school = Agency(name="基准测试幼儿园", kind="school")
    db.session.add_all([school, procuratorate, other_school])
    settings.put("registry_inquiries_per_hour", 10**9)  # the load test measures latency, not the limit
    db.session.commit()
    create_user(username={EMPLOYER!r}, password={PASSWORD!r}, full_name="HR", sex="F", roles=["employer_hr"],
                agency=school)
    single = create_user(username={SINGLE_EMPLOYER!r}, password={PASSWORD!r}, full_name="HR 2", sex="F",
                         roles=["employer_hr"], agency=other_school)
    signin.enrol_with(single, {OTP_SECRET!r})  # the load test's token needs the second factor
    db.session.commit()
    maintainer = create_user(username={MAINTAINER!r}, password={PASSWORD!r}, full_name="M", sex="M",
                             roles=["registry_maintainer"], agency=procuratorate)
    start = time.perf_counter()
    done = synthetic.synthesize({entries}, {applicants}, {hits}, {str(out)!r}, created_by_id=maintainer.id)
    print(json.dumps({{"seconds": time.perf_counter() - start, "entries": done.entries, "in_force": done.in_force,
                      "ended": done.ended, "lifelong": done.lifelong, "insert_seconds": done.seconds_insert}}))
"""
    with open(os.devnull, "w") as devnull:
        output = subprocess.run([sys.executable, "-c", code], env=child_env(url), check=True, text=True,
                                stdout=subprocess.PIPE, stderr=devnull).stdout
    return {"csv": str(out), **json.loads(output.strip().splitlines()[-1])}


def measure(side: str, url: str, csv_path: str) -> dict:
    output = subprocess.run([sys.executable, __file__, "--side", side, "--csv", csv_path], env=child_env(url),
                            check=True, text=True, stdout=subprocess.PIPE).stdout
    return json.loads(output.strip().splitlines()[-1])


# --- single inquiries under load ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post_json(url: str, body: dict, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def lua_script(csv_path: str, token: str, count: int = 1000) -> str:
    import csv

    bodies = []
    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for row, _i in zip(reader, range(count)):
            bodies.append(json.dumps({"name": row["姓名"], "id_number": row["证件号码"], "consent": True,
                                      "post": row["岗位"]}, ensure_ascii=False))
    quoted = ",\n".join("  " + json.dumps(b, ensure_ascii=False) for b in bodies)  # JSON strings are Lua strings
    return f"""-- {count} different applicants, in turn (each wrk thread has its own Lua state and counter)
local bodies = {{
{quoted}
}}
local headers = {{["Content-Type"] = "application/json", ["Authorization"] = "Bearer {token}"}}
local i = math.random(#bodies)
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/api/v1/registry/inquiries", headers, bodies[i])
end
"""


def parse_wrk(text: str) -> dict:
    def ms(value: str) -> float:
        for suffix, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60000.0)):
            if value.endswith(suffix):
                return float(value[:-len(suffix)]) * factor
        return float(value)

    figures: dict = {"non_2xx": 0, "errors": ""}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("50%", "75%", "90%", "99%"):
            figures[f"p{parts[0][:-1]}_ms"] = ms(parts[1])
        elif line.startswith("Requests/sec:"):
            figures["rps"] = float(parts[1])
        elif "requests in" in line:
            figures["requests"] = int(parts[0])
        elif line.strip().startswith("Non-2xx"):
            figures["non_2xx"] = int(parts[-1])
        elif line.strip().startswith("Socket errors"):
            figures["errors"] = line.strip()
    return figures


def single_inquiries(url: str, csv_path: str, workdir: Path, duration: int) -> dict:
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (make bench-registry installs it)"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(workdir / "gunicorn.log", "w")
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                               "--timeout", "120", "wsgi:app"], cwd=ROOT, env=child_env(url),
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = post_json(f"{base}/api/v1/tokens", {"username": SINGLE_EMPLOYER, "password": PASSWORD,
                                                                   "otp": pyotp.TOTP(OTP_SECRET).now()})
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"gunicorn did not start; see {workdir / 'gunicorn.log'}")
                time.sleep(0.3)
        if status != 201:
            raise SystemExit(f"token: {status} {body}")
        token = body["token"]
        with open(csv_path, encoding="utf-8-sig") as handle:
            handle.readline()
            name, _type, number, _born, post = handle.readline().strip().split(",")
        status, body = post_json(f"{base}/api/v1/registry/inquiries",
                                 {"name": name, "id_number": number, "consent": True, "post": post}, token)
        if status not in (200, 201):
            return {"skipped": f"POST /api/v1/registry/inquiries answered {status}: {body}"}
        script = workdir / "inquiries.lua"
        script.write_text(lua_script(csv_path, token), encoding="utf-8")
        run = subprocess.run(["wrk", "-t2", "-c32", f"-d{duration}s", "--timeout", "60s", "--latency", "-s", str(script), base],
                             check=True, text=True, stdout=subprocess.PIPE)
        figures = parse_wrk(run.stdout)
        figures["raw"] = run.stdout
        return figures
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


# --- report ---------------------------------------------------------------------------------------------

def run_database(label: str, url: str, workdir: Path, args) -> dict:
    hits = round(args.applicants * args.hit_rate)
    print(f"[{label}] setup: {args.entries:,} entries, {args.applicants:,} applicants ({hits} hits) …",
          file=sys.stderr, flush=True)
    made = setup(url, workdir, args.entries, args.applicants, hits)
    print(f"[{label}] setup done in {made['seconds']:.0f} s; measuring …", file=sys.stderr, flush=True)
    runs: dict[str, list[dict]] = {"baseline": [], "ours": []}
    for _i in range(args.repeat):
        for side in ("baseline", "ours"):
            runs[side].append(measure(side, url, made["csv"]))
            print(f"[{label}] {side}: {runs[side][-1]['wall']:.2f} s, {runs[side][-1]['rss_mib']:.0f} MiB",
                  file=sys.stderr, flush=True)
    best = {side: min(values, key=lambda r: r["wall"]) for side, values in runs.items()}
    for side in ("ours", "baseline"):
        if best[side]["record"] != hits:
            raise SystemExit(f"{side}: {best[side]['record']} hits instead of {hits}")
    result = {"label": label, "setup": made, "hits": hits, "runs": runs, "best": best,
              "ratio": {"wall": best["ours"]["wall"] / best["baseline"]["wall"],
                        "rss": best["ours"]["rss_mib"] / best["baseline"]["rss_mib"]}}
    if not args.no_wrk:
        print(f"[{label}] single inquiries: gunicorn -w 2, wrk -t2 -c32 -d{args.duration}s …", file=sys.stderr,
              flush=True)
        result["single"] = single_inquiries(url, made["csv"], workdir, args.duration)
    return result


def walls(runs: list[dict]) -> str:
    return ", ".join(f"{run['wall']:.2f} s" for run in runs)


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def table(results: list[dict], args, command: str, load: str) -> str:
    lines = [f"`{command}`", "", f"load average before the run: {load}; {os.cpu_count()} CPUs", ""]
    for r in results:
        o, b, s = r["best"]["ours"], r["best"]["baseline"], r["setup"]
        lines += [f"**{r['label']}**: {s['entries']:,} entries ({s['in_force']:,} in force, {s['ended']:,} ended bans, "
                  f"{s['lifelong']:,} lifelong), {o['rows']:,} applicants with {r['hits']:,} ID hits; "
                  f"setup {s['seconds']:.0f} s (not measured). Fastest of {args.repeat} runs each, "
                  f"each in a fresh process:", "",
                  "| batch screening | wall time | peak RSS | answers |", "|---|---|---|---|",
                  f"| ours: submit_batch + job + sealed result CSV | {o['wall']:.2f} s | {o['rss_mib']:.0f} MiB "
                  f"({o['rss_before_mib']:.0f} MiB before) | {o['record']} record, {o['no_record']:,} no_record, "
                  f"{o['pending_review']} pending_review, {o['invalid']} invalid |",
                  f"| baseline: CSV + HMAC ({b['steps']['read + hmac']:.2f} s) + bulk insert "
                  f"({b['steps']['load']:.2f} s) + SQL join ({b['steps']['join']:.2f} s) | {b['wall']:.2f} s | "
                  f"{b['rss_mib']:.0f} MiB | {b['record']} record |",
                  f"| ratio ours / baseline | {r['ratio']['wall']:.2f}× | {r['ratio']['rss']:.2f}× | |", "",
                  f"- all runs, ours: {walls(r['runs']['ours'])}; baseline: {walls(r['runs']['baseline'])}",
                  f"- issue target (≤ {TARGET['wall']:.0f} s, ≤ 1 GiB): "
                  f"{verdict(o['wall'] <= TARGET['wall'] and o['rss_mib'] <= TARGET['rss_mib'])}; "
                  f"DESIGN aim (≤ {AIM['ratio']:.0f}× baseline, ≤ {AIM['rss_mib']:.0f} MiB): wall "
                  f"{verdict(r['ratio']['wall'] <= AIM['ratio'])}, RSS {verdict(o['rss_mib'] <= AIM['rss_mib'])}"]
        single = r.get("single")
        if single is not None:
            lines.append("")
            if "skipped" in single:
                lines.append(f"single inquiries: skipped ({single['skipped']})")
            else:
                lines += [f"| single inquiry, gunicorn -w 2, wrk -t2 -c32 -d{args.duration}s, 1,000 applicants "
                          f"(~1% hits, each rendering its notice) | value |", "|---|---|",
                          f"| requests/s | {single['rps']:.1f} ({single['requests']:,} requests, "
                          f"{single['non_2xx']} non-2xx) |",
                          f"| p50 | {single['p50_ms']:.1f} ms |", f"| p90 | {single['p90_ms']:.1f} ms |",
                          f"| p99 | {single['p99_ms']:.1f} ms |"]
                if single["errors"]:
                    lines.append(f"| wrk | {single['errors']} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--applicants", type=int, default=100_000)
    parser.add_argument("--hit-rate", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each side, alternating (default 2)")
    parser.add_argument("--duration", type=int, default=15, help="seconds of wrk (default 15)")
    parser.add_argument("--no-wrk", action="store_true", help="skip the single-inquiry load test")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--side", choices=("ours", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        print(json.dumps((side_ours if args.side == "ours" else side_baseline)(args.csv)))
        return
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    command = shlex.join([os.path.relpath(sys.executable), *sys.argv])
    results = []
    workdir = Path(tempfile.mkdtemp(prefix="onestop-bench-registry-"))
    try:
        sqlite_dir = workdir / "sqlite"
        sqlite_dir.mkdir()
        results.append(run_database("SQLite", f"sqlite:///{sqlite_dir}/bench.sqlite", sqlite_dir, args))
        if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql")):
            pg_dir = workdir / "postgresql"
            pg_dir.mkdir()
            url = os.environ["DATABASE_URL"]
            for prefix in ("postgres://", "postgresql://"):
                if url.startswith(prefix):
                    url = "postgresql+psycopg://" + url[len(prefix):]
            results.append(run_database("PostgreSQL", url, pg_dir, args))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        for r in results:
            r.get("single", {}).pop("raw", None)
        print(json.dumps({"command": command, "load": load, "results": results}, indent=2, default=str))
    else:
        print(table(results, args, command, load))


if __name__ == "__main__":
    main()
