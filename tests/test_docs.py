"""The documentation is generated from the definition; these tests fail when it drifts."""
from workflow import ROOT, definition
from workflow.diagram import transitions_markdown, workflow_svg


def test_workflow_doc_table_matches_definition(app):
    assert transitions_markdown() in (ROOT / "docs" / "workflow.md").read_text(encoding="utf-8")


def test_committed_diagram_shows_every_state_and_trigger():
    svg = (ROOT / "docs" / "workflow.svg").read_text(encoding="utf-8")
    for state in definition.STATE_NAMES:
        assert state in svg
    for transition in definition.TRANSITIONS:
        assert transition.trigger in svg


def test_diagram_highlights_current_state(app):
    svg = workflow_svg("forensic_exam")
    assert "#0d6efd" in svg  # the highlight fill
    assert svg.count("#0d6efd") == 1
