"""nbgrader's OverwriteCells, fixed for tampered submissions that make 0.9.6 crash.

Also silences the "checksum has changed" warning that nbgrader logs for every cell with hidden
tests. With `add_missing_cells`, nbgrader 0.9.6 raises KeyError (and grades nothing) when a grade id
was renamed (it deletes the unknown id but keeps `grade: true`) or when a deleted test cell's
predecessor was deleted too. Here an unknown id turns the cell into an ordinary one, and a
missing graded cell goes back after the nearest earlier cell that is still there.
"""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat import NotebookNode
from nbgrader.preprocessors import OverwriteCells


def _grade_id(cell: NotebookNode) -> str | None:
    """A cell's nbgrader grade id, if any."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


class RobustOverwriteCells(OverwriteCells):
    """OverwriteCells that survives renamed grade ids and runs of deleted cells."""

    def report_change(self, name: str, attr: str, old: object, new: object) -> None:
        """Stay quiet about checksums: every released cell with hidden tests has a new one.

        (The release drops the hidden tests, so its checksum never matches the source's; edits
        of locked cells are flagged by `autograder.tamper` against the release instead.)
        """
        if attr != "checksum":
            super().report_change(name, attr, old, new)

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict,
                        cell_index: int) -> tuple[NotebookNode, ResourcesDict]:
        """nbgrader's restore; a cell whose grade id is unknown loses its nbgrader metadata."""
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if "nbgrader" in cell.get("metadata", {}) and _grade_id(cell) is None:
            del cell.metadata["nbgrader"]
        return cell, resources

    def add_missing_grade_cells(self, nb: NotebookNode,
                                resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        """Put back every missing graded cell after the nearest earlier cell still present."""
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        order = [cell.name for cell in source_nb.source_cells]
        solutions = {cell.name for cell in source_nb.solution_cells}
        graded = {cell.name: cell for cell in source_nb.grade_cells}
        by_name = dict(zip(order, source_nb.source_cells, strict=True))
        for name in [n for n in order if n in graded]:
            present = [_grade_id(cell) for cell in nb.cells]
            if name in present:
                continue
            self.log.warning("Missing grade cell %s encountered, adding to notebook", name)
            earlier = [n for n in order[:order.index(name)] if n in present]
            index = present.index(earlier[-1]) + 1 if earlier else 0
            nb.cells.insert(index, self.missing_cell_transform(
                by_name[name], graded[name].max_score, is_solution=name in solutions))
        return nb, resources
