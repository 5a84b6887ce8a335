"""Search by a sealed name or ID number: the case list (page and API) finds a case by the keyed
blind index of the child's whole name or ID number, however it is typed (spaces, full-width
characters, case); a part of a name finds nothing; case and incident numbers match in part as
before; another centre's cases stay out; the index follows an edit at once."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from workflow.admin.models import Agency
from workflow.cases.models import Case
from workflow.core import sealing
from workflow.core.extensions import db
from workflow.demo import demo_id

ID_NUMBER = demo_id("440106", dt.date(2016, 5, 12), 27)


@pytest.fixture
def cases(make_case, users):
    """Ours: 王乐乐 (with an ID number) and 陈思思; another centre's child of the same name."""
    ours = make_case("referred", child_name="王乐乐", child_id_number=ID_NUMBER)
    other = make_case("referred", child_name="陈思思")
    stranger = make_case("referred", child_name="王乐乐")
    stranger.centre_id = db.session.scalar(select(Agency.id).where(Agency.name == "另一中心"))
    db.session.commit()
    return ours, other, stranger


def _found_on_page(pages, query: str, who: str = "supervisor") -> set[str]:
    html = pages.html(who, f"/cases?q={query}")
    return {c.number for c in db.session.scalars(select(Case)) if f">{c.number}<" in html}


def _found_by_api(api, query: str, who: str = "supervisor") -> set[str]:
    return {c["number"] for c in api.get(f"/cases?q={query}", who).get_json()["cases"]}


@pytest.mark.parametrize("typed", ["王乐乐", " 王 乐乐 ", "王乐乐\u3000"])
def test_the_whole_name_finds_the_case_however_it_is_spaced(pages, api, cases, typed):
    ours, _other, _stranger = cases
    assert _found_on_page(pages, typed) == {ours.number}
    assert _found_by_api(api, typed) == {ours.number}


def test_the_id_number_finds_the_case_in_either_case_and_width(pages, api, cases):
    ours, _other, _stranger = cases
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in ID_NUMBER)  # what a Chinese keyboard may type
    for typed in (ID_NUMBER, ID_NUMBER.lower(), full_width):
        assert _found_on_page(pages, typed) == {ours.number}
        assert _found_by_api(api, typed) == {ours.number}


def test_part_of_a_name_or_of_an_id_number_finds_nothing(pages, api, cases):
    for typed in ("乐乐", "王", ID_NUMBER[:10]):
        assert _found_on_page(pages, typed) == set()
        assert _found_by_api(api, typed) == set()


def test_numbers_still_match_in_part_and_other_centres_stay_out(pages, api, cases):
    ours, other, stranger = cases
    assert _found_by_api(api, other.number) == {other.number}
    assert _found_on_page(pages, ours.incident.number) == {ours.number}
    assert _found_by_api(api, "王乐乐", "other_supervisor") == {stranger.number}


def test_the_index_is_a_keyed_hash_that_follows_every_edit(pages, cases):
    ours, _other, _stranger = cases
    assert ours.child_name_index == sealing.blind_value("王乐乐", "cases.child_name")
    assert len(ours.child_name_index) == 64 and "王乐乐" not in ours.child_name_index
    ours.child_name = "王新名"
    assert ours.child_name_index == sealing.blind_value("王新名", "cases.child_name")  # before any flush
    ours.child_id_number = None
    assert ours.child_id_number_index is None
    db.session.commit()
    assert _found_on_page(pages, "王新名") == {ours.number}
    assert _found_on_page(pages, "王乐乐") == set() and _found_on_page(pages, ID_NUMBER) == set()


def test_the_index_depends_on_the_matching_key(app, cases):
    ours, _other, _stranger = cases
    app.config["REGISTRY_HMAC_KEY"] = "another matching key, of at least thirty-two characters"
    assert sealing.blind_value("王乐乐", "cases.child_name") != ours.child_name_index
