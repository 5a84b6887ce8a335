"""Users read Chinese: pages default to zh-CN, English on request, and the catalog is complete."""
from babel.messages.pofile import read_po

from workflow import ROOT

CATALOG = ROOT / "workflow" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"


def test_catalog_has_no_untranslated_or_fuzzy_message():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert missing == []


def test_catalog_covers_every_message_in_the_code():
    with (ROOT / "workflow" / "translations" / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    assert {m.id for m in template if m.id} <= {m.id for m in catalog if m.id}


def test_pages_are_chinese_by_default_and_english_on_request(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in page and "登录" in page
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert "Log in" in page and "登录" not in page


def test_api_errors_are_chinese_by_default(client):
    body = client.get("/api/v1/tasks").get_json()
    assert body["error"] == "unauthorized"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])
