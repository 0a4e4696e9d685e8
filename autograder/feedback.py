"""Feedback that shows students why a check failed, never what the hidden tests are."""

from __future__ import annotations

from html import escape

from nbconvert.exporters.exporter import ResourcesDict
from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from autograder.execute import is_test_cell

INVALID_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>{message}</p><p>Score: 0 / {max_score:g}</p></body></html>
"""


class HiddenTestDetails(NbGraderPreprocessor):
    """In test cells holding hidden tests, keep only one line per error and drop other outputs.

    Runs before nbgrader's ClearHiddenTests (which removes the hidden source): tracebacks and
    printed output of such a cell could show the hidden code or inputs.
    """

    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict,
                        index: int) -> tuple[NotebookNode, ResourcesDict]:
        """Reduce the outputs of a graded test cell that contains hidden tests."""
        if is_test_cell(cell) and self.begin_test_delimeter in cell.source:
            cell.outputs = [
                NotebookNode(output_type="error", ename=o.ename, evalue=o.evalue,
                             traceback=[f"{o.ename}: {o.evalue}"])
                for o in cell.outputs if o.output_type == "error"
            ]
        return cell, resources


def invalid_notebook_html(title: str, message: str, max_score: float) -> str:
    """A minimal feedback page for a submission that could not be graded at all."""
    return INVALID_HTML.format(title=escape(title), message=escape(message), max_score=max_score)
