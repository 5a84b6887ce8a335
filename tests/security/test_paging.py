"""Paging parameters out of range are a 400 (not a positive integer of at most nine digits) or a 404
(a page after the last), never a 500: a huge page once reached the database as an OFFSET that
overflows (a 500 on SQLite and PostgreSQL alike). Every paged page and API route."""
from __future__ import annotations

import helper_modules
import pytest

registry_helpers = helper_modules.load("registry/registry_helpers.py")

# Each paged page and who reads it.
PAGES = [("supervisor", "/cases"), ("employer_hr", "/registry/"), ("registry_maintainer", "/registry/log"),
         ("auditor", "/registry/log")]
# Each paged API route, who reads it, and its integer parameters.
API_ROUTES = [("supervisor", "/api/v1/cases", ("page", "per_page")),
              ("employer_hr", "/api/v1/registry/inquiries", ("page", "per_page", "job_id")),
              ("examiner", "/api/v1/notifications", ("limit",))]
NO_NUMBERS = ["x", "1.5", "1e3", "0", "-1", "99999999999999999999", "1000000000"]


@pytest.fixture
def rows(make_case, users):
    """One row in each list: a case (the supervisor's centre), an inquiry (employer and log)."""
    make_case()
    registry_helpers.ask(users)


@pytest.mark.parametrize("who, url", PAGES)
@pytest.mark.parametrize("raw", NO_NUMBERS)
def test_a_page_number_that_is_no_page_number_is_a_400_page(pages, users, who, url, raw):
    response = pages.as_(who).get(f"{url}?page={raw}")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert b"data-error-message" in response.data


@pytest.mark.parametrize("who, url", PAGES)
def test_a_page_after_the_last_is_a_404_page(pages, users, who, url):
    client = pages.as_(who)
    assert client.get(url).status_code == 200  # an empty list has its page 1
    assert client.get(f"{url}?page=1").status_code == 200
    assert client.get(f"{url}?page=2").status_code == 404


@pytest.mark.parametrize("who, url", PAGES)
def test_the_last_page_is_there_and_the_next_is_not(pages, rows, who, url):
    client = pages.as_(who)
    assert 'data-error-message' not in client.get(f"{url}?page=1").get_data(as_text=True)
    for page in ("2", "999999999"):
        response = client.get(f"{url}?page={page}")
        assert response.status_code == 404 and b"data-error-message" in response.data, page


def test_the_case_list_says_which_page_is_missing(pages, rows):
    html = pages.html("supervisor", "/cases?page=3&lang=en", status=404)
    assert "There is no page 3 of this list." in html
    assert "must be an integer" in pages.html("supervisor", "/cases?page=x&lang=en", status=400)


@pytest.mark.parametrize("who, url, names", API_ROUTES)
def test_api_integers_out_of_range_are_a_400(client, api_token, users, who, url, names):
    headers = api_token(who)
    for name in names:
        for raw in NO_NUMBERS:
            response = client.get(f"{url}?{name}={raw}", headers=headers)
            assert response.status_code == 400, (name, raw, response.get_json())
            assert response.get_json()["error"] == "bad_request"
    for name, too_many in (("per_page", "101"), ("limit", "501")):
        if name in names:
            assert client.get(f"{url}?{name}={too_many}", headers=headers).status_code == 400


@pytest.mark.parametrize("who, url", [route[:2] for route in API_ROUTES if "page" in route[2]])
def test_an_api_page_after_the_last_is_a_404(client, api_token, rows, who, url):
    headers = api_token(who)
    first = client.get(f"{url}?page=1&per_page=1", headers=headers)
    assert first.status_code == 200 and first.get_json()["pages"] == 1
    for page in ("2", "999999999"):
        response = client.get(f"{url}?page={page}&per_page=100", headers=headers)
        assert response.status_code == 404, (page, response.get_json())
        assert response.get_json()["error"] == "not_found"


def test_an_empty_api_list_has_its_first_page(client, api_token, users):
    body = client.get("/api/v1/cases?page=1", headers=api_token("supervisor")).get_json()
    assert (body["cases"], body["total"], body["pages"]) == ([], 0, 0)
    assert client.get("/api/v1/cases?page=2", headers=api_token("supervisor")).status_code == 404


@pytest.mark.parametrize("param", ["q", "state"])
def test_a_nul_character_in_the_case_search_is_a_400_page(pages, users, param):
    response = pages.as_("supervisor").get(f"/cases?{param}=a%00b")
    assert response.status_code == 400 and b"data-error-message" in response.data
