"""What course/nbgrader_config.py changes in nbgrader: one preprocessor of `nbgrader generate_assignment`.

nbgrader replaces every solution region with `# YOUR CODE HERE` and `raise NotImplementedError()`. Inside a
function that is right: the stub raises when the grader calls it. At the top level of a cell (the cell where
students may write helper functions) the `raise` runs with the cell, and "Restart & Run All", which the
notebook tells students to use, stops there. `ClearSolutionsRunnable` leaves the comment alone at the top level.
Imported only by nbgrader's configuration, in the instructor's environment, where nbgrader is installed.
"""
from __future__ import annotations

from nbgrader.converters import GenerateAssignment
from nbgrader.preprocessors import ClearSolutions


class ClearSolutionsRunnable(ClearSolutions):
    """nbgrader's ClearSolutions, except that a region at a cell's top level becomes the stub's comment only."""

    def _replace_solution_region(self, cell, language):
        replaced = super()._replace_solution_region(cell, language)
        if replaced and cell.cell_type == "code":
            statements = [line for line in self.code_stub[language].split("\n")
                          if line.strip() and not line.lstrip().startswith("#")]
            cell.source = "\n".join(line for line in cell.source.split("\n") if line not in statements)
        return replaced


def generate_assignment_preprocessors() -> list:
    """nbgrader's own list for generate_assignment, with ClearSolutionsRunnable in place of ClearSolutions."""
    default = GenerateAssignment.class_traits()["preprocessors"].make_dynamic_default()
    return [ClearSolutionsRunnable if p is ClearSolutions else p for p in default]
