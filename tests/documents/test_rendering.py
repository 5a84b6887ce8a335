"""The rendering pipeline's guarantees: no fetching outside the document, a sandbox with
StrictUndefined, missing glyphs are errors, and the amount and date formats of Chinese documents."""
from __future__ import annotations

import http.server
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from workflow.documents import render
from workflow.documents.render import DocumentError

CHINESE = '<html lang="zh-CN"><body><p>一站式取证救助</p>{extra}</body></html>'


@pytest.fixture
def http_server():
    """A real HTTP server on 127.0.0.1 that records every request it gets."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"p { color: red; }")

        def log_message(self, *args):
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()


@pytest.mark.parametrize("extra", [
    '<img src="file:///etc/passwd">',
    '<link rel="stylesheet" href="file:///etc/hostname">',
    '<p style="background: url(file:///etc/passwd)">x</p>',
])
def test_files_are_never_fetched(app, extra):
    with pytest.raises(DocumentError, match="may not fetch"):
        render.html_to_pdf(CHINESE.format(extra=extra))


def test_the_network_is_never_fetched(app, http_server):
    base, requests = http_server
    for extra in (f'<link rel="stylesheet" href="{base}/style.css">', f'<img src="{base}/logo.png">'):
        with pytest.raises(DocumentError, match="may not fetch"):
            render.html_to_pdf(CHINESE.format(extra=extra))
    assert requests == []


def test_inline_data_urls_are_allowed(app):
    pixel = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
             "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
    pdf, pages = render.html_to_pdf(CHINESE.format(extra=f'<img src="{pixel}">'))
    assert pdf.startswith(b"%PDF") and pages == 1


def test_templates_run_in_a_sandbox(app):
    template = render.environment().from_string("{{ data.__class__.__mro__ }}")
    with pytest.raises(Exception) as caught:
        template.render(data={})
    assert "unsafe" in str(caught.value) or "SecurityError" in type(caught.value).__name__


def test_a_missing_field_is_an_error_not_a_blank(app):
    doc = {"title": "t", "number": None, "version": 1, "draft": True, "agency": "a", "issued_on": "2026-11-23",
           "code": "ABCDEFGHJK", "verify_url": "http://x/verify", "recipient": "r", "qr_svg": "<svg></svg>"}
    with pytest.raises(DocumentError, match="has no attribute 'number'"):
        render.render_html("registration_form", {"case": {}}, doc)


def test_a_missing_cjk_font_fails_the_rendering(tmp_path):
    """With fontconfig limited to a Latin font, the Chinese text has no glyphs: that is an error."""
    latin = Path("/usr/share/fonts/truetype/dejavu")
    if not latin.is_dir():
        pytest.skip("needs fonts-dejavu-core (a font without CJK glyphs): `make sysdeps` installs it, "
                    "so `make test` and .ci/run have it")
    config = tmp_path / "fonts.conf"
    config.write_text(f'<?xml version="1.0"?><fontconfig><dir>{latin}</dir>'
                      f'<cachedir>{tmp_path / "cache"}</cachedir></fontconfig>')
    script = textwrap.dedent("""
        from workflow.documents import render
        try:
            render.html_to_pdf('<html lang="zh-CN"><body><p>一站式取证救助</p></body></html>')
        except render.DocumentError as exc:
            print("ERROR", exc)
        else:
            print("RENDERED")
    """)
    env = {**os.environ, "FONTCONFIG_FILE": str(config)}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120,
                            cwd=Path(render.__file__).resolve().parents[2])
    assert "ERROR missing glyphs" in result.stdout, result.stdout + result.stderr
    # ...and with the system's fonts (fonts-noto-cjk) the same text renders.
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            cwd=Path(render.__file__).resolve().parents[2])
    assert "RENDERED" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("fen, words", [
    (0, "零元整"), (5, "伍分"), (50, "伍角整"), (100, "壹元整"), (1_000_000, "壹万元整"),
    (100_500, "壹仟零伍元整"), (105_000, "壹仟零伍拾元整"), (2_500_000, "贰万伍仟元整"),
    (12_345_678, "壹拾贰万叁仟肆佰伍拾陆元柒角捌分"), (1_000_000_500, "壹仟万零伍元整"),
    (120_050, "壹仟贰佰元伍角整"), (10_000_000_000, "壹亿元整"), (100_000_100, "壹佰万零壹元整"),
])
def test_amounts_in_capital_numerals(fen, words):
    assert render.yuan_upper(fen) == words


def test_amounts_and_dates():
    assert render.yuan(2_500_000) == "25,000.00" and render.yuan(-5) == "-0.05" and render.yuan(None) == ""
    assert render.cn_date("2026-11-03") == "2026年11月3日"
    assert render.cn_date("2026-11-03 09:30") == "2026年11月3日 09:30"
