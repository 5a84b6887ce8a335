"""Benchmark: generating documents against bare WeasyPrint (not a test; the aim is DESIGN.md's
"Performance" table: render + store + hash ≤ 1.1× bare WeasyPrint on the same HTML).

    .venv/bin/python bench/documents.py [--renders 50] [--batch 200] [--json]

On a fresh demo database (SQLite in a temp dir, documents stored in the database), in one process:
  1. ours: the registration form of the demo's first registered case, for the court, final, through
     `operations.generate` (render, number, store, hash, commit), N times after 3 warm-ups;
  2. bare: WeasyPrint alone on the HTML our pipeline rendered for that document, N times after 3
     warm-ups, alternating with 1 so that the machine's drift weighs on both alike;
  3. one background "document_batch" job of M documents, the ready documents of every demo case and
     aid application for the case prosecutor (internal copies, final), repeated until there are M.
Prints median and p95 seconds, the ratio ours/bare, the batch's wall time, documents per second,
ZIP size and the process's peak RSS, as a Markdown table (or JSON with --json).
"""
from __future__ import annotations

import argparse
import itertools
import json
import logging
import math
import os
import resource
import shlex
import statistics
import sys
import time
from unittest import mock

from _setup import demo_app
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from workflow.aid.models import AidApplication
from workflow.cases.models import Case
from workflow.core import jobs
from workflow.core.extensions import db
from workflow.demo import demo_actors
from workflow.documents import operations, render

DOCUMENT, RECIPIENT, WARM_UP = "registration_form", "court", 3


def seconds(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def summary(times: list[float]) -> dict:
    """Median and p95 (nearest rank) in seconds."""
    ordered = sorted(times)
    return {"median": statistics.median(ordered), "p95": ordered[math.ceil(0.95 * len(ordered)) - 1]}


def bare_pdf(html: str) -> bytes:
    """Bare WeasyPrint: the plain call anyone would write for this HTML and our print.css. Both are
    parsed on every call, with WeasyPrint's default URL fetcher and a new FontConfiguration per call
    (its default); no glyph check, no render lock. What WeasyPrint, Pango and fontconfig cache per
    process on their own stays warm, as in any long-lived process. Ours, by contrast, parses the
    stylesheet once and reuses one FontConfiguration (render._weasy)."""
    import weasyprint

    return weasyprint.HTML(string=html).write_pdf(stylesheets=[weasyprint.CSS(filename=str(render.STYLESHEET))])


def single(renders: int) -> dict:
    """1 and 2: one document through our pipeline, and bare WeasyPrint on its HTML, alternately."""
    user = demo_actors()["intake_officer"]
    case = db.session.scalar(select(Case).where(Case.state == "registered").order_by(Case.id))

    def ours():
        return operations.generate(user, case, DOCUMENT, RECIPIENT, final=True)

    with mock.patch.object(render, "render_html", wraps=render.render_html) as spy:
        first = ours()  # the first warm-up; the spy keeps the template, data and metadata it rendered
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        html = render.render_html(*spy.call_args.args, **spy.call_args.kwargs)
    for _i in range(WARM_UP - 1):
        ours()
    for _i in range(WARM_UP):
        bare_pdf(html)
    times: dict[str, list[float]] = {"ours": [], "bare": []}
    for _i in range(renders):
        times["ours"].append(seconds(ours))
        times["bare"].append(seconds(lambda: bare_pdf(html)))
    result = {name: summary(values) for name, values in times.items()}
    result["ratio"] = {k: result["ours"][k] / result["bare"][k] for k in ("median", "p95")}
    result["document"] = {"case": case.number, "pages": first.pages, "bytes": first.size,
                          "bare_bytes": len(bare_pdf(html)), "html_chars": len(html)}
    return result


def batch(size: int) -> dict:
    """3: one "document_batch" job across the demo's subjects, run by the in-process job runner."""
    owner = demo_actors()["case_prosecutor"]
    subjects = [*db.session.scalars(select(Case).order_by(Case.id)),
                *db.session.scalars(select(AidApplication).order_by(AidApplication.id))]
    ready = [entry for subject in subjects for entry in operations.batch_entries(owner, subject, "internal")]
    entries = list(itertools.islice(itertools.cycle(ready), size))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    job = jobs.submit("document_batch", owner, {"recipient": "internal", "final": True, "documents": entries},
                      total=len(entries))
    job = jobs.wait(job.id, timeout=3600, interval=0.05)
    wall = time.perf_counter() - start
    if job.status != "done":
        sys.exit(f"batch job {job.status}: {job.error}")
    covered = {(ref["process"], ref["id"]) for _name, _item, ref in ready}
    return {"documents": len(entries), "distinct": len(ready), "subjects": len(covered),
            "wall": wall, "per_second": len(entries) / wall, "zip_bytes": job.result["size"],
            "peak_rss_mib_before": rss_before / 1024,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def table(r: dict, command: str) -> str:
    s, b, d = r["single"], r["batch"], r["single"]["document"]
    rows = [
        (f"ours: {DOCUMENT} ({d['pages']} pages), render + number + store + hash + commit",
         f"{s['ours']['median']:.3f} s", f"{s['ours']['p95']:.3f} s"),
        ("bare WeasyPrint on the same HTML", f"{s['bare']['median']:.3f} s", f"{s['bare']['p95']:.3f} s"),
        ("ratio ours / bare (aim ≤ 1.1×)", f"{s['ratio']['median']:.2f}×", f"{s['ratio']['p95']:.2f}×"),
    ]
    lines = [f"`{command}` ({r['renders']} renders each, WeasyPrint {r['weasyprint']}, SQLite, database store)",
             "", "| measure | median | p95 |", "|---|---|---|", *(f"| {a} | {m} | {p} |" for a, m, p in rows), "",
             "| batch | value |", "|---|---|",
             f"| documents (distinct, subjects) | {b['documents']} ({b['distinct']}, {b['subjects']}) |",
             f"| wall time | {b['wall']:.1f} s |", f"| documents per second | {b['per_second']:.2f} |",
             f"| ZIP size | {b['zip_bytes'] / 2**20:.1f} MiB |",
             f"| peak RSS of the process (before the batch) | {b['peak_rss_mib']:.0f} MiB "
             f"({b['peak_rss_mib_before']:.0f} MiB) |"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--renders", type=int, default=50, help="timed renders of each kind (default 50)")
    parser.add_argument("--batch", type=int, default=200, help="documents in the batch job (default 200)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    logging.getLogger("weasyprint").propagate = False  # our glyph check still hears its warnings
    import weasyprint

    app = demo_app()
    with app.app_context():
        result = {"renders": args.renders, "weasyprint": weasyprint.__version__,
                  "single": single(args.renders), "batch": batch(args.batch)}
    command = shlex.join([os.path.relpath(sys.executable), *sys.argv])
    print(json.dumps({"command": command, **result}, indent=2) if args.json else table(result, command))


if __name__ == "__main__":
    main()
