"""Sample renderings of every feature's documents for reviewers (`flask --app wsgi document-samples`): the first
page of each, as PNG (pdftoppm), rendered from the demo data as a final copy for its first recipient.
Nothing is stored or numbered: the issue number shown is the series' first."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import select

from workflow.admin.models import Agency
from workflow.aid import definition as aid_definition
from workflow.aid.models import AidApplication
from workflow.cases import definition as cases_definition
from workflow.cases.models import Case
from workflow.core.clocks import local_today
from workflow.core.extensions import db
from workflow.core.models import utcnow
from workflow.documents.operations import format_number, issuing_agency, render_copy
from workflow.registry import definition as registry_definition
from workflow.registry.definition import NoticeSubject

SAMPLE_CODE = "SAMPLE2345"  # printed where a real copy has its verification code


def sample_inquiry() -> NoticeSubject:
    """An entry inquiry as its notice sees it."""
    return NoticeSubject(number="2026-0000123", person_name="王某某", id_number="440106199001011234",
                         post="小学语文教师", employer="市实验小学", asked_at=utcnow(), result="no_record")


def _subject_and_item(spec, model):
    """The newest demo subject for which the document is ready (and its last item, if any)."""
    for subject in db.session.scalars(select(model).order_by(model.id.desc())):
        if spec.ready(subject) is None:
            items = spec.items(subject) if spec.items else [None]
            if items:
                return subject, items[-1]
    raise LookupError(f"no demo data for {spec.name}: load it with `flask --app wsgi seed-demo`")


def _copies():
    for process, model in ((cases_definition.CASE, Case), (aid_definition.AID, AidApplication)):
        for spec in process.documents:
            subject, item = _subject_and_item(spec, model)
            yield spec, subject, item, issuing_agency(subject)
    register = db.session.scalar(select(Agency).where(Agency.kind == "procuratorate").order_by(Agency.id))
    for spec in registry_definition.REGISTRY_DOCUMENTS:
        yield spec, sample_inquiry(), None, register


def write_samples(out: Path, dpi: int = 70) -> list[Path]:
    if shutil.which("pdftoppm") is None:
        raise RuntimeError("pdftoppm is missing: install poppler-utils (`make sysdeps`)")
    out.mkdir(parents=True, exist_ok=True)
    today = local_today()
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for spec, subject, item, agency in _copies():
            number = format_number(agency, spec.series, today.year, 1)
            _data, _doc, pdf, _pages = render_copy(spec, subject, item, spec.recipients[0], agency, today,
                                                   number=number, version=1, code=SAMPLE_CODE)
            source = Path(tmp) / f"{spec.name}.pdf"
            source.write_bytes(pdf)
            subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(source),
                            str(out / spec.name)], check=True)
            written.append(out / f"{spec.name}.png")
    return written
