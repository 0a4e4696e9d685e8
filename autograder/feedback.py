"""Feedback that shows students why a check failed, never what the hidden tests are."""

from __future__ import annotations

import re
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


TRUSTED_ERRORS = ("HiddenCheckFailed", "Stopped", "NotRun", "CellTimeoutError")  # the grader's own
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CELL_LINE = re.compile(r"In\s*\[[^\]]*\],\s*line (\d+)")


class HiddenTestDetails(NbGraderPreprocessor):
    """In test cells holding hidden tests, keep one line per error and drop all other outputs.

    Runs before nbgrader's ClearHiddenTests (which removes the hidden source): tracebacks and
    printed output of such a cell could show the hidden code or inputs. An error raised from a
    hidden line (its traceback's cell frame says so) keeps its name but not its message, which
    a student's code could fill with the hidden inputs; errors from visible checks keep both.
    """

    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_test_delimeter = Unicode("END HIDDEN TESTS").tag(config=True)

    def _hidden_lines(self, source: str) -> set[int]:
        """1-based line numbers of the cell's hidden test region (delimiters included)."""
        hidden, inside = set(), False
        for number, line in enumerate(source.splitlines(), start=1):
            inside |= self.begin_test_delimeter in line
            if inside:
                hidden.add(number)
            inside &= self.end_test_delimeter not in line
        return hidden

    def _summary(self, output: NotebookNode, hidden: set[int]) -> NotebookNode:
        """The error as one line, its message withheld when it came from a hidden line."""
        evalue = output.get("evalue", "")
        if output.get("ename") not in TRUSTED_ERRORS:
            frames = _CELL_LINE.findall(_ANSI.sub("", "\n".join(output.get("traceback", []))))
            if not frames or int(frames[0]) in hidden:
                evalue = "(details withheld: the error came from a hidden test)"
        ename = output.get("ename", "Error")
        return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                            traceback=[f"{ename}: {evalue}"])

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict,
                        index: int) -> tuple[NotebookNode, ResourcesDict]:
        """Reduce the outputs of a graded test cell that contains hidden tests."""
        if is_test_cell(cell) and self.begin_test_delimeter in cell.source:
            hidden = self._hidden_lines(cell.source)
            cell.outputs = [self._summary(o, hidden) for o in cell.outputs
                            if o.output_type == "error"]
        return cell, resources


def invalid_notebook_html(title: str, message: str, max_score: float) -> str:
    """A minimal feedback page for a submission that could not be graded at all."""
    return INVALID_HTML.format(title=escape(title), message=escape(message), max_score=max_score)
