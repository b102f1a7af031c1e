"""Field descriptions from attribute docstrings, read with one parse per model module.

The JSON Schema describes each field with the string statement written right after it in its
model (the convention of pydantic's ``use_attribute_docstrings``). That option is not used:
on Python < 3.13 pydantic finds each class's source by walking the call stack, then tokenizes
and parses every class on its own, about a millisecond per model and a tenth of ``validate``'s
start-up. Here each model module is parsed once and each class's docstrings are looked up by
its qualified name; a description given with ``Field(description=...)`` wins, as in pydantic.
"""

from __future__ import annotations

import ast
import inspect
import sys
from functools import cache

from pydantic import BaseModel

_Scope = ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef


def describe_fields(model: type[BaseModel]) -> None:
    """Give each field of ``model`` without a description its attribute docstring.

    Must run when the class is created, before any schema is built from it (the models defer
    their build) and before subclasses copy its fields.
    """
    docs = _class_docstrings(model.__module__, model.__qualname__)
    for name, field in model.__pydantic_fields__.items():
        if field.description is None and name in docs:
            field.description = docs[name]


@cache
def _module_tree(module: str) -> ast.Module | None:
    try:
        return ast.parse(inspect.getsource(sys.modules[module]))
    except (OSError, TypeError, KeyError):  # no source (a frozen or source-less install)
        return None


@cache
def _class_docstrings(module: str, qualname: str) -> dict[str, str]:
    scope: _Scope | None = _module_tree(module)
    for part in qualname.split("."):
        if scope is None or part == "<locals>":
            continue
        scope = next((node for node in scope.body if isinstance(node, _Scope)
                      and not isinstance(node, ast.Module) and node.name == part), None)
    return _attribute_docstrings(scope.body) if isinstance(scope, ast.ClassDef) else {}


def _attribute_docstrings(body: list[ast.stmt]) -> dict[str, str]:
    """``name: type`` (or ``name: type = default``) followed by a string: that string."""
    docs: dict[str, str] = {}
    previous: ast.stmt | None = None
    for statement in body:
        if (isinstance(previous, ast.AnnAssign) and isinstance(previous.target, ast.Name)
                and isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)):
            docs[previous.target.id] = inspect.cleandoc(statement.value.value)
        previous = statement
    return docs
