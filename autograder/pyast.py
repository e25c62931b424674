"""Small facts about Python source, shared by the course generator and the notebook glue."""
from __future__ import annotations

import ast


def defined_names(node: ast.stmt) -> list[str]:
    """The top-level names a statement binds: a def or class, imports, assignment targets."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return [n.id for t in targets if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)]
