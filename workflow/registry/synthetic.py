"""Synthetic register data for benchmarks and demonstrations: never for a production database.

`entries` writes N entries in force straight into the database (bulk Core inserts in chunks, no
four-eyes history: they stand for a register already approved), each with a valid 18-digit
resident ID (correct check digit), its keyed hashes (`identity.Hasher` of the register) and its sealed
person (`sealing.seal`), in a mix of categories that includes ended and lifelong bans.
`applicants_csv` writes a batch file in the downloadable template's layout whose rows are H ID
hits on entries in force and otherwise valid ID numbers that match no entry (by ID or by name
and birth date).

ID numbers are unique without remembering them: row i gets the i-th value of an affine
permutation of the (region, birth date, sequence code) space, so entries and applicants draw from
disjoint ranges of the same permutation. Entries' and non-hit applicants' given names come from
disjoint character sets, so no applicant meets an entry by name and birth date by chance.
Generation is deterministic for a seed (the sealing nonces aside).
"""
from __future__ import annotations

import csv
import datetime as dt
import math
import random
from dataclasses import dataclass, field

from flask import current_app

from workflow.core import identity as core_identity
from workflow.core import sealing
from workflow.core.clocks import local_today
from workflow.core.extensions import db
from workflow.core.models import utcnow
from workflow.registry import identity as registry_identity
from workflow.registry.entries import ENTRY_PURPOSE
from workflow.registry.models import RegistryEntry

CHUNK = 10_000
REGIONS = ("110101", "110105", "120101", "130102", "140105", "210102", "220102", "230102", "310101", "310115",
           "320102", "320505", "330106", "340102", "350102", "360102", "370102", "410105", "420106", "430104",
           "440103", "440106", "440304", "450103", "460105", "500103", "510104", "520102", "530102", "610113")
FIRST_BIRTH, BIRTH_DAYS = dt.date(1950, 1, 1), 20_000  # born 1950 to 2004
SPACE = len(REGIONS) * BIRTH_DAYS * 1000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
ENTRY_GIVEN = "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清"
APPLICANT_GIVEN = "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛"
POSTS = ("语文教师", "数学教师", "英语教师", "保育员", "校车司机", "保安", "食堂厨师", "体育教练", "舞蹈培训教师", "宿舍管理员")
# (category, share): a register where most entries are convictions and a quarter are bans.
CATEGORIES = (("conviction_rape", 10), ("conviction_indecency", 20), ("conviction_molestation", 15),
              ("conviction_similar", 5), ("non_prosecution", 10), ("administrative_penalty", 15),
              ("employment_ban", 25))
APPLICANT_HEADER = ("姓名", "证件类型", "证件号码", "出生日期", "岗位")


class ProductionRefused(RuntimeError):
    """Synthetic data is never written where real people's records live."""


def refuse_production() -> None:
    if current_app.config.get("ENV_NAME") == "production":
        raise ProductionRefused("synthetic register data is refused when ONESTOP_ENV=production")


@dataclass
class Generated:
    entries: int = 0
    in_force: int = 0
    ended: int = 0
    lifelong: int = 0
    # (name, ID number, birth date) of entries in force, a uniform sample kept for the applicants' hits.
    hits: list[tuple[str, str, dt.date]] = field(default_factory=list)
    seconds_insert: float = 0.0  # in this process, while the workers hash and seal
    seconds_total: float = 0.0


class _Numbers:
    """The i-th resident ID number of a pseudo-random permutation of the whole ID space."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(f"ids-{seed}")
        while True:
            self.a = rng.randrange(SPACE // 3, SPACE)
            if math.gcd(self.a, SPACE) == 1:
                break
        self.b = rng.randrange(SPACE)

    def __call__(self, i: int) -> tuple[str, dt.date]:
        x = (self.a * i + self.b) % SPACE
        x, sequence = divmod(x, 1000)
        region, day = divmod(x, BIRTH_DAYS)
        born = FIRST_BIRTH + dt.timedelta(days=day)
        body = f"{REGIONS[region]}{born:%Y%m%d}{sequence:03d}"
        return body + core_identity.check_digit(body), born


def _name(rng: random.Random, given: str) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2, 2))))


def _record(rng: random.Random, today: dt.date) -> dict:
    category = rng.choices([c for c, _w in CATEGORIES], [w for _c, w in CATEGORIES])[0]
    source_date = today - dt.timedelta(days=rng.randrange(30, 20 * 365))
    lifelong, until = False, None
    if category == "employment_ban":
        kind = rng.random()
        if kind < 0.4:
            lifelong = True
        elif kind < 0.8:  # ends in the future
            until = today + dt.timedelta(days=rng.randrange(1, 10 * 365))
        else:  # ended: no longer matches
            until = today - dt.timedelta(days=rng.randrange(1, 5 * 365))
            source_date = until - dt.timedelta(days=rng.randrange(365, 10 * 365))
    court = rng.choice(REGIONS)
    source = f"（{source_date.year}）{court}刑初{rng.randrange(1, 9999)}号"
    return {"category": category, "ban_lifelong": lifelong, "ban_until": until, "source_document": source,
            "source_date": source_date}


def _rows(start: int, stop: int, seed: int, created_by_id: int | None, today: dt.date, now: dt.datetime,
          converters: list) -> tuple[list[tuple], list[tuple[str, str, dt.date]], int, int]:
    """Entries start..stop as DB-API parameter tuples (in `_COLUMNS` order, already converted for
    the database), the people of those in force, and the counts of ended and lifelong bans."""
    rng = random.Random(f"entries-{seed}-{start}")
    numbers, hasher = _Numbers(seed), registry_identity.Hasher()
    rows, in_force, ended_count, lifelong_count = [], [], 0, 0
    for i in range(start, stop):
        number, born = numbers(i)
        name = _name(rng, ENTRY_GIVEN)
        record = _record(rng, today)
        person = {"name": name, "id_type": registry_identity.RESIDENT_ID, "id_number": number,
                  "birth_date": born.isoformat()}
        values = {"status": "active", "id_type": registry_identity.RESIDENT_ID, "id_hmac": hasher.id_number(number),
                  "name_dob_hmac": hasher.name_dob(name, born), "person": sealing.seal(person, ENTRY_PURPOSE),
                  **record, "incident_id": None, "version": 1, "created_by_id": created_by_id, "created_at": now,
                  "updated_at": now}
        rows.append(tuple(convert(values[column]) if convert else values[column]
                          for column, convert in zip(_COLUMNS, converters)))
        if record["ban_until"] is not None and record["ban_until"] < today:
            ended_count += 1
        else:
            in_force.append((name, number, born))
        lifelong_count += record["ban_lifelong"]
    return rows, in_force, ended_count, lifelong_count


_COLUMNS = ("status", "id_type", "id_hmac", "name_dob_hmac", "person", "category", "ban_lifelong", "ban_until",
            "source_document", "source_date", "incident_id", "version", "created_by_id", "created_at", "updated_at")
_worker_app, _worker_converters = None, None  # set before forking the workers (not picklable)


def _in_worker(args: tuple):
    with _worker_app.app_context():
        return _rows(*args, _worker_converters)


def entries(count: int, *, keep_hits: int = 0, seed: int = 1, created_by_id: int | None = None,
            chunk: int = CHUNK, processes: int | None = None) -> Generated:
    """Insert `count` active entries and keep a uniform sample of `keep_hits` entries in force
    (reservoir sampling) for `applicants_csv`.

    Hashing and sealing run in `processes` forked worker processes (default: one per CPU, when
    there are at least 4 chunks) while this process inserts with DB-API `executemany`, a few chunks
    ahead at most. SQLite gets one transaction and a large page cache (a commit per chunk rewrites
    the random index pages every time: 3x slower); other databases commit every chunk.
    """
    import collections
    import multiprocessing
    import os
    import time

    global _worker_app, _worker_converters
    refuse_production()
    today, now = local_today(), utcnow()
    connection = db.session.connection()
    dialect = connection.dialect
    table = RegistryEntry.__table__
    # The column types' own conversions (SQLite's dates as text, …), but bytes as they are (every
    # driver takes them; SQLite's conversion makes unpicklable memoryviews).
    converters = [None if column == "person" else table.c[column].type.bind_processor(dialect) for column in _COLUMNS]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    statement = (f"INSERT INTO {table.name} ({', '.join(_COLUMNS)}) "
                 f"VALUES ({', '.join([mark] * len(_COLUMNS))})")
    sqlite = dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql("PRAGMA cache_size = -524288")  # 512 MiB, this connection only
    tasks = [(start, min(start + chunk, count), seed, created_by_id, today, now)
             for start in range(0, count, chunk)]
    processes = processes if processes is not None else (os.cpu_count() or 1)
    pool = None
    if processes > 1 and len(tasks) >= 4:
        _worker_app, _worker_converters = current_app._get_current_object(), converters
        pool = multiprocessing.get_context("fork").Pool(processes)
    rng = random.Random(f"hits-{seed}")
    done = Generated()
    began = time.perf_counter()
    try:
        pending: collections.deque = collections.deque()
        queue = iter(tasks)
        while True:
            while pool is not None and len(pending) < 2 * processes:
                task = next(queue, None)
                if task is None:
                    break
                pending.append(pool.apply_async(_in_worker, (task,)))
            if pool is not None:
                if not pending:
                    break
                rows, in_force, ended_count, lifelong_count = pending.popleft().get()
            else:
                task = next(queue, None)
                if task is None:
                    break
                rows, in_force, ended_count, lifelong_count = _rows(*task, converters)
            inserting = time.perf_counter()
            connection.exec_driver_sql(statement, rows)
            if not sqlite:
                db.session.commit()
                connection = db.session.connection()
            done.seconds_insert += time.perf_counter() - inserting
            done.entries += len(rows)
            done.ended += ended_count
            done.lifelong += lifelong_count
            for person in in_force:
                done.in_force += 1
                if len(done.hits) < keep_hits:
                    done.hits.append(person)
                else:
                    slot = rng.randrange(done.in_force)
                    if slot < keep_hits:
                        done.hits[slot] = person
        inserting = time.perf_counter()
        if sqlite:
            connection.exec_driver_sql("PRAGMA cache_size = -2000")
        db.session.commit()
        done.seconds_insert += time.perf_counter() - inserting
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        _worker_app = _worker_converters = None
    done.seconds_total = time.perf_counter() - began
    return done


def applicants_csv(path, count: int, hits: list[tuple[str, str, dt.date]], *, entry_count: int,
                   seed: int = 1) -> int:
    """Write `count` applicant rows (UTF-8 with BOM, the template's Chinese headings) to `path`:
    the people of `hits` (ID hits on entries in force) and valid ID numbers beyond the first
    `entry_count` of the permutation (no entry has them), shuffled. Returns the number of hits."""
    if len(hits) > count:
        raise ValueError("more hits than applicants")
    if entry_count + count > SPACE:
        raise ValueError("the ID number space is too small")
    rng = random.Random(f"applicants-{seed}")
    numbers = _Numbers(seed)
    people = list(hits) + [(_name(rng, APPLICANT_GIVEN), *numbers(entry_count + i)) for i in range(count - len(hits))]
    rng.shuffle(people)
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(APPLICANT_HEADER)
        for name, number, born in people:
            writer.writerow((name, "居民身份证", number, born.isoformat(), rng.choice(POSTS)))
    return len(hits)


def synthesize(entry_count: int, applicant_count: int, hit_count: int, out, *, seed: int = 1,
               created_by_id: int | None = None) -> Generated:
    """Entries into the database, then the applicants' CSV with `hit_count` hits."""
    refuse_production()
    if hit_count > applicant_count:
        raise ValueError("more hits than applicants")
    done = entries(entry_count, keep_hits=hit_count, seed=seed, created_by_id=created_by_id)
    if len(done.hits) < hit_count:
        raise ValueError(f"only {len(done.hits)} entries in force for {hit_count} hits")
    applicants_csv(out, applicant_count, done.hits, entry_count=entry_count, seed=seed)
    return done
