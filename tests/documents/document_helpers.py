"""Helpers of the document tests (fixtures are in conftest.py): the text of a generated PDF and the
strings of the test data that some copies must never carry."""
from __future__ import annotations

import io

from pypdf import PdfReader

from workflow.documents import operations

SUSPECT = "赵某"  # the suspect of workflow.demo.referral
PRIVATE_NOTE = "儿童提到夜间噩梦"  # the psychologist's private session note of the scripted assessment
OFFENCE = "猥亵"  # the offence label (indecency) of the scripted incident


def pdf_text(document) -> str:
    """The text pypdf extracts from a stored document, whitespace removed (CJK lines wrap anywhere)."""
    return text_of(operations.pdf_bytes(document))


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)
