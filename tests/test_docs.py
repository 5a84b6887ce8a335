"""The documentation is generated from the definition; these tests fail when it drifts."""
import pytest

from workflow import ROOT
from workflow.cases.definition import CASE
from workflow.core import process as definition
from workflow.core.diagram import transitions_markdown, workflow_svg

DOCS = {"case": ("workflow.md", "workflow.svg"), "aid": ("aid.md", "aid.svg")}


@pytest.mark.parametrize("name", DOCS)
def test_doc_table_matches_definition(app, name):
    doc = (ROOT / "docs" / DOCS[name][0]).read_text(encoding="utf-8")
    assert transitions_markdown(definition.PROCESSES[name]) in doc


@pytest.mark.parametrize("name", DOCS)
def test_committed_diagram_shows_every_state_and_trigger(name):
    process = definition.PROCESSES[name]
    svg = (ROOT / "docs" / DOCS[name][1]).read_text(encoding="utf-8")
    for state in process.state_names:
        assert state in svg
    for transition in process.transitions:
        assert transition.trigger in svg


def test_diagram_highlights_current_state(app):
    svg = workflow_svg("forensic_exam", CASE)
    assert "#0d6efd" in svg  # the highlight fill
    assert svg.count("#0d6efd") == 1
