"""Evaluate a check formula safely: numbers, named inputs, + − × ÷ and a bounded power, nothing else.

A formula comes from a recipe or a descriptor's `x-checks`, so it is untrusted input. It is
parsed into a Python AST and walked here; nothing is ever passed to `eval`. Limits keep a
hostile formula cheap: its length, its number of nodes, the size of every number, and the
exponent of `**` (kept because a compound growth rate needs a root, e.g. `(b / a) ** (1 / 5)`),
so `9**9**9**9` is refused at once instead of hanging.
"""

from __future__ import annotations

import ast
import math
import operator

MAX_CHARS = 2000
MAX_NODES = 400
MAX_MAGNITUDE = 1e18
MAX_EXPONENT = 10

BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}


class FormulaError(ValueError):
    """A formula that is not allowed or cannot be computed."""


def parse(code: str, names: set[str]) -> ast.Expression:
    """The checked AST of `code`, whose only names are `names`."""
    if len(code) > MAX_CHARS:
        raise FormulaError(f"formula is {len(code)} characters long, over the limit of {MAX_CHARS}")
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"formula is not an arithmetic expression ({exc.msg})") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise FormulaError(f"formula has {len(nodes)} parts, over the limit of {MAX_NODES}")
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Load, ast.Pow,
               *BINARY, *UNARY)
    for node in nodes:
        if not isinstance(node, allowed):
            raise FormulaError(f"only numbers, cells and + - * / ( ) are allowed, not {_shown(node)}")
        if isinstance(node, ast.Constant) and (isinstance(node.value, bool)
                                               or not isinstance(node.value, (int, float))):
            raise FormulaError(f"only numbers are allowed as constants, not {node.value!r}")
        if isinstance(node, ast.Name) and node.id not in names:
            raise FormulaError(f"unknown name {node.id!r} (write a cell as {{row label|field}})")
    return tree


def _shown(node: ast.AST) -> str:
    return {ast.Call: "a function call", ast.Attribute: "an attribute", ast.Subscript: "an index",
            ast.Compare: "a comparison", ast.BoolOp: "and/or"}.get(type(node), type(node).__name__)


def evaluate(tree: ast.Expression, values: dict[str, float]) -> float:
    """The value of a checked formula; every intermediate result stays finite and bounded."""
    return _eval(tree.body, values)


def _eval(node: ast.AST, values: dict[str, float]) -> float:
    if isinstance(node, ast.Constant):
        return _bounded(float(node.value))
    if isinstance(node, ast.Name):
        return _bounded(float(values[node.id]))
    if isinstance(node, ast.UnaryOp):
        return UNARY[type(node.op)](_eval(node.operand, values))
    left, right = _eval(node.left, values), _eval(node.right, values)
    if isinstance(node.op, ast.Pow):
        return _power(left, right)
    if isinstance(node.op, ast.Div) and right == 0:
        raise FormulaError("division by zero")
    return _bounded(BINARY[type(node.op)](left, right))


def _power(base: float, exponent: float) -> float:
    if abs(exponent) > MAX_EXPONENT:
        raise FormulaError(f"exponent {exponent:.12g} is outside [-{MAX_EXPONENT}, {MAX_EXPONENT}]")
    if base < 0 and exponent != int(exponent):
        raise FormulaError("fractional power of a negative number")
    if base == 0 and exponent < 0:
        raise FormulaError("division by zero")
    return _bounded(base ** exponent)


def _bounded(x: float) -> float:
    if not math.isfinite(x) or abs(x) > MAX_MAGNITUDE:
        raise FormulaError(f"a value in the formula exceeds the limit of {MAX_MAGNITUDE:g}")
    return x
