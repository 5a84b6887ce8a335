"""HTML and PDF rendering of documents: a sandboxed Jinja environment over `docs_templates/`, and
WeasyPrint with a URL fetcher that fetches nothing but inline `data:` URLs.

Templates see plain data only (`workflow.documents.data`), in an immutable sandbox with
StrictUndefined: a missing field is an error, not a blank on a court document. Fonts come from
fontconfig (the stylesheet names Noto Sans CJK SC); a glyph no installed font has makes WeasyPrint
log a warning and draw a box, which here is an error instead of a PDF with boxes.

`import weasyprint` costs about a second, so it happens on first use, never at app start-up.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from contextlib import contextmanager
from functools import cache

from flask_babel import gettext, ngettext
from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from workflow.core.config import ROOT
from workflow.core.money import yuan

TEMPLATES = ROOT / "docs_templates"
STYLESHEET = TEMPLATES / "print.css"
DIGITS = "零壹贰叁肆伍陆柒捌玖"


class DocumentError(Exception):
    """A document could not be rendered (missing data, a missing glyph, a forbidden URL)."""


# --- formatting filters -------------------------------------------------------------------------

def cn_date(value: str | None) -> str:
    """2026-11-23 → 2026年11月23日 (the form of dates on Chinese official documents)."""
    if not value:
        return ""
    day = dt.date.fromisoformat(value[:10])
    text = f"{day.year}年{day.month}月{day.day}日"
    return text + (" " + value[11:16] if len(value) > 10 else "")


def yuan_upper(fen: int | None) -> str:
    """An amount in Chinese capital numerals, as receipts and decisions write it: 壹万贰仟元整."""
    if fen is None:
        return ""
    whole, cents = divmod(abs(fen), 100)
    digits, groups = str(whole), []
    while digits:
        groups.insert(0, digits[-4:])
        digits = digits[:-4]
    text, pending_zero = "", False
    for index, group in enumerate(groups):
        part = ""
        for position, char in enumerate(group.zfill(4)):
            digit = int(char)
            if digit == 0:
                pending_zero = pending_zero or bool(text or part)
                continue
            if pending_zero:
                part, pending_zero = part + "零", False
            part += DIGITS[digit] + ("仟", "佰", "拾", "")[position]
        if part:
            text += part + ("", "万", "亿", "万亿")[len(groups) - 1 - index]
    if whole:
        text += "元"
    jiao, fen_ = divmod(cents, 10)
    if jiao:
        text += DIGITS[jiao] + "角"
    elif fen_ and whole:
        text += "零"
    if fen_:
        return text + DIGITS[fen_] + "分"
    return (text or "零元") + "整"


@cache
def environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
        autoescape=select_autoescape(default=True), extensions=["jinja2.ext.i18n"],
        trim_blocks=True, lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.filters.update(cn_date=cn_date, yuan=yuan, yuan_upper=yuan_upper)
    return env


def render_html(template: str, data: dict, doc: dict) -> str:
    """The document's HTML: `data` is the (redacted) data snapshot, `doc` its issue metadata."""
    try:
        return environment().get_template(f"{template}.html").render(data=data, doc=doc, qr=Markup(doc["qr_svg"]))
    except TemplateError as exc:
        raise DocumentError(f"{template}: {exc}") from exc


# --- PDF -----------------------------------------------------------------------------------------

class _GlyphWarnings(logging.Handler):
    """Collects WeasyPrint's warnings about text drawn with no font that has its glyphs."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "glyph" in message.lower() or "font" in message.lower():
            self.messages.append(message)


_render_lock = threading.Lock()  # Pango and fontconfig are not safe across threads of one process


@contextmanager
def _glyphs_checked():
    handler = _GlyphWarnings()
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.WARNING)  # whatever ONESTOP_LOG_LEVEL says, the warnings must be seen
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    if handler.messages:
        raise DocumentError("missing glyphs (is the CJK font installed? `make sysdeps`): "
                            + "; ".join(handler.messages[:3]))


@cache
def _weasy():
    """WeasyPrint, the fetcher and the parsed stylesheet, built once per process."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class InlineOnlyFetcher(URLFetcher):
        """Documents may embed `data:` URLs (the QR code) and fetch nothing else: no files, no network."""

        def fetch(self, url, headers=None):
            if not url.startswith("data:"):
                raise FatalURLFetchingError(f"documents may not fetch {url[:80]!r}")
            return super().fetch(url, headers)

    fetcher = InlineOnlyFetcher(allowed_protocols=("data",))
    fonts = FontConfiguration()
    stylesheet = weasyprint.CSS(string=STYLESHEET.read_text(encoding="utf-8"), font_config=fonts,
                                url_fetcher=fetcher)
    return weasyprint, fetcher, fonts, stylesheet, FatalURLFetchingError


def html_to_pdf(html: str) -> tuple[bytes, int]:
    """The PDF of `html` and its number of pages."""
    weasyprint, fetcher, fonts, stylesheet, forbidden = _weasy()
    with _render_lock, _glyphs_checked():
        try:
            document = weasyprint.HTML(string=html, base_url="data:,", url_fetcher=fetcher).render(
                stylesheets=[stylesheet], font_config=fonts)
            return document.write_pdf(), len(document.pages)
        except forbidden as exc:  # a BaseException, so that WeasyPrint does not swallow it
            raise DocumentError(str(exc)) from exc


def qr_svg(url: str) -> str:
    """An inline SVG QR code of `url` (no external file, nothing to fetch)."""
    import segno

    return segno.make(url, error="m").svg_inline(scale=2, border=0)
