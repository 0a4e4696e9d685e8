"""Feedback that shows students why a check failed, never what the hidden tests are."""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from jinja2 import Environment, MemcachedBytecodeCache, pass_context
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.exporters.exporter import ResourcesDict
from nbconvert.filters import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
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


NO_ALT = "No description has been provided for this image"  # nbconvert's own alt text
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt\s*=)", re.IGNORECASE)


class _Memory(dict):
    """A dict with the get/set a jinja `MemcachedBytecodeCache` client needs."""

    def set(self, key: str, value: bytes, timeout: int | None = None) -> None:
        """Store a compiled template."""
        self[key] = value


_COMPILED = MemcachedBytecodeCache(_Memory())  # templates compile once per process
_RENDERED: dict[tuple[Any, ...], str] = {}  # highlighted code and markdown, by all they depend on


def _rendered(key: tuple[Any, ...], render: Any) -> str:
    """`render()`, once per key and process (the memory is bounded: it is emptied when full)."""
    if key not in _RENDERED:
        if len(_RENDERED) >= 20_000:
            _RENDERED.clear()
        _RENDERED[key] = render()
    return _RENDERED[key]


class CachedHighlight(Highlight2HTML):
    """nbconvert's code highlighting, done once per process for each source it sees."""

    def __call__(self, source: str, language: str | None = None, metadata: Any = None) -> str:
        """Highlighted HTML of `source` (cached)."""
        key = ("code", source, language or self.pygments_lexer,
               (metadata or {}).get("magics_language"),
               json.dumps(self.extra_formatter_options, sort_keys=True, default=str))
        return _rendered(key, lambda: super(CachedHighlight, self).__call__(source, language, metadata))


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter without the work that is the same for every submission.

    The markdown and locked cells of a class's feedback pages are alike, so highlighted code,
    rendered markdown (of cells without attachments) and compiled templates are kept for the
    process. nbconvert's accessibility pass re-parses the whole page with BeautifulSoup (half
    of a page's time) to give images without alt text its standard one, which a regular
    expression does here, and to make `.jp-Notebook` inputs and outputs focusable, which the
    feedback template (nbconvert's classic one) does not have.
    """

    def _create_environment(self) -> Environment:
        """nbconvert's template environment, with the per-process compiled templates."""
        environment = super()._create_environment()
        environment.bytecode_cache = _COMPILED
        return environment

    @pass_context
    def markdown2html(self, context: dict[str, Any], source: str) -> str:
        """nbconvert's markdown rendering (cached when the cell has no attachments)."""
        if context.get("cell", {}).get("attachments") or self.embed_images:
            return super().markdown2html(context, source)
        key = ("markdown", source, self.anchor_link_text, self.exclude_anchor_links,
               json.dumps(self.lexer_options, sort_keys=True, default=str))
        return _rendered(key, lambda: super(FeedbackExporter, self).markdown2html(context, source))

    def from_notebook_node(self, nb: NotebookNode, resources: dict[str, Any] | None = None,
                           **kw: Any) -> tuple[str, dict[str, Any]]:
        """The page: HTMLExporter's filters and template, alt text added to images."""
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name", None))
        self.register_filter("highlight_code", self.filters.get(
            "highlight_code", CachedHighlight(pygments_lexer=lexer, parent=self)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        html, missing = _IMG_WITHOUT_ALT.subn(f'<img alt="{NO_ALT}"', html)
        if missing:
            self.log.warning("Alternative text is missing on %s image(s).", missing)
        return html, resources
