"""Pebble's expression grammar on top of Jinja2's lexer, parser and code generator.

Jinja2 keeps its statements (``{% if %}``, ``{% for %}``, ``{% set %}``, ``{% raw %}``, macros)
but every *expression* is parsed here with Pebble's precedence climbing (kestra-reference §5.3):

    or 10 < and 15 < is/contains 20 < == != < > <= >= in 30 < + - 40 < * / % 60
      < | (filter) 100 < ~ 110 < .. ?? ??? 120;   unary not 5, - + 500;   ternary ``c ? a : b`` last

so ``a ~ b | upper`` filters the concatenation, ``x ?? y | date`` formats the coalesced value,
as in Kestra. Pebble-only operators compile to small runtime helpers (``environment.lanner_*``)
that the environment provides; ``??``/``???``/``default``/``is defined`` receive their left side as
a thunk so that a strict-mode miss inside it can be swallowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, cast

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.lexer import TOKEN_OPERATOR, Lexer, _Rule, describe_token, operator_re, operators
from jinja2.parser import Parser

# --- lexer: adds ``?``, ``??`` and ``???`` -----------------------------------------------------

_EXTRA_OPERATORS = {"???": "undefined_coalesce", "??": "null_coalesce", "?": "question"}
_PEBBLE_OPERATOR_RE = re.compile(
    "|".join(re.escape(op) for op in sorted([*operators, *_EXTRA_OPERATORS], key=lambda op: -len(op)))
)


class PebbleLexer(Lexer):
    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        for state, rules in self.rules.items():
            self.rules[state] = [
                _Rule(_PEBBLE_OPERATOR_RE, rule.tokens, rule.command) if rule.pattern is operator_re else rule
                for rule in rules
            ]

    def tokeniter(self, *args: Any, **kwargs: Any) -> Iterator[tuple[int, str, str]]:
        for lineno, token, value in super().tokeniter(*args, **kwargs):
            if token == TOKEN_OPERATOR and value in _EXTRA_OPERATORS:
                # ``wrap`` turns a "keyword" token into a token whose type is its value.
                yield lineno, "keyword", _EXTRA_OPERATORS[value]
            else:
                yield lineno, token, value


# --- nodes that compile to runtime helpers ------------------------------------------------------


def _expr_node(name: str, fields: tuple[str, ...], doc: str) -> type[nodes.Expr]:
    """A new expression node type. Jinja2 blocks subclassing its nodes (``NodeType.__new__`` is
    replaced by a failing stub) because third-party nodes need matching compiler support; ours
    come with ``visit_*`` methods in ``LannerCodeGenerator``, so we build the class the way the
    metaclass would."""
    namespace = {
        "fields": nodes.Expr.fields + fields,
        "attributes": nodes.Expr.attributes,
        "abstract": False,
        "__module__": __name__,
        "__doc__": doc,
    }
    return cast(type[nodes.Expr], type.__new__(nodes.NodeType, name, (nodes.Expr,), namespace))


NullCoalesce = _expr_node("NullCoalesce", ("left", "right"), "``a ?? b``: ``a`` unless undefined or null.")
UndefinedCoalesce = _expr_node("UndefinedCoalesce", ("left", "right"), "``a ??? b``: ``a`` unless undefined.")
Guarded = _expr_node("Guarded", ("node",), "A strict-mode miss in ``node`` becomes an undefined value.")
Helper = _expr_node("Helper", ("name", "args"), "``environment.lanner_<name>(*args)``.")


class LannerCodeGenerator(CodeGenerator):
    def _thunks(self, helper: str, frame: Frame, *children: nodes.Node) -> None:
        self.write(f"environment.lanner_{helper}(")
        for index, child in enumerate(children):
            self.write(", lambda: " if index else "lambda: ")
            self.visit(child, frame)
        self.write(")")

    def visit_NullCoalesce(self, node: Any, frame: Frame) -> None:
        self._thunks("coalesce", frame, node.left, node.right)

    def visit_UndefinedCoalesce(self, node: Any, frame: Frame) -> None:
        self._thunks("undefined_coalesce", frame, node.left, node.right)

    def visit_Guarded(self, node: Any, frame: Frame) -> None:
        self._thunks("guard", frame, node.node)

    def visit_Helper(self, node: Any, frame: Frame) -> None:
        self.write(f"environment.lanner_{node.name}(")
        for arg in node.args:
            self.visit(arg, frame)
            self.write(", ")
        self.write(")")


# --- parser ---------------------------------------------------------------------------------

_COMPARE = {"eq": "eq", "ne": "ne", "gt": "gt", "lt": "lt", "gteq": "gteq", "lteq": "lteq"}
_PRECEDENCE = {
    "name:or": 10, "name:and": 15, "name:is": 20, "name:contains": 20,
    "eq": 30, "ne": 30, "gt": 30, "lt": 30, "gteq": 30, "lteq": 30, "name:equals": 30,
    "name:in": 30, "name:isIn": 30, "name:not": 30,  # ``not in``; Kestra 1.x ``isIn``
    "add": 40, "sub": 40, "mul": 60, "div": 60, "mod": 60,
    "pipe": 100, "tilde": 110, "range": 120, "null_coalesce": 120, "undefined_coalesce": 120,
}
_CONSTANTS = {"true": True, "false": False, "null": None, "none": None,
              "True": True, "False": False, "None": None, "NULL": None}


class PebbleParser(Parser):
    """Jinja's statement parser with Pebble's expression grammar."""

    def parse_expression(self, with_condexpr: bool = True) -> nodes.Expr:
        return self._expression(0)

    def parse_if(self) -> nodes.If:
        """Jinja's ``if``, with Pebble's ``{% elseif %}`` (Jinja's ``elif`` is kept)."""
        node = result = nodes.If(lineno=self.stream.expect("name:if").lineno)
        branches = ("name:elseif", "name:elif", "name:else", "name:endif")
        while True:
            node.test = self.parse_tuple(with_condexpr=False)
            node.body = self.parse_statements(branches)
            node.elif_ = []
            node.else_ = []
            token = next(self.stream)
            if token.test("name:elseif") or token.test("name:elif"):
                node = nodes.If(lineno=self.stream.current.lineno)
                result.elif_.append(node)
                continue
            if token.test("name:else"):
                result.else_ = self.parse_statements(("name:endif",), drop_needle=True)
            break
        return result

    def parse_for(self) -> nodes.For:
        node = super().parse_for()
        # Pebble iterates maps as entries (``entry.key``/``entry.value``) and null as nothing.
        node.iter = Helper("iter", [node.iter], lineno=node.iter.lineno)
        return node

    # Precedence climbing, as Pebble's ExpressionParser.parseExpression.
    def _expression(self, min_precedence: int) -> nodes.Expr:
        stream = self.stream
        token = stream.current
        lineno = token.lineno
        expr: nodes.Expr
        if token.test("name:not"):
            next(stream)
            expr = nodes.Not(self._expression(5), lineno=lineno)
        elif token.type in ("sub", "add"):
            next(stream)
            operand = self._expression(500)
            unary = nodes.Neg if token.type == "sub" else nodes.Pos
            expr = unary(operand, lineno=lineno)
        elif token.type == "lparen":
            next(stream)
            expr = self.parse_tuple(explicit_parentheses=True)
            stream.expect("rparen")
            expr = self._postfix(expr)
        else:
            expr = self._postfix(self._primary())

        while True:
            operator = self._binary_operator()
            if operator is None or _PRECEDENCE[operator] < min_precedence:
                break
            expr = self._binary(operator, expr)

        if min_precedence == 0 and stream.current.type == "question":
            next(stream)
            when_true = self._expression(0)
            stream.expect("colon")
            when_false = self._expression(0)
            expr = nodes.CondExpr(expr, when_true, when_false, lineno=lineno)
        return expr

    def _binary_operator(self) -> str | None:
        current = self.stream.current
        if current.type == "name":
            key = f"name:{current.value}"
            if key == "name:not":
                return key if self.stream.look().test("name:in") else None
            return key if key in _PRECEDENCE else None
        if current.type == "dot" and self.stream.look().type == "dot":
            return "range"
        return current.type if current.type in _PRECEDENCE else None

    def _binary(self, operator: str, left: nodes.Expr) -> nodes.Expr:
        stream = self.stream
        lineno = stream.current.lineno
        next(stream)
        if operator == "pipe":
            return self._filter(left)
        if operator == "name:is":
            return self._test(left)
        if operator == "range":
            next(stream)
        if operator == "name:not":
            next(stream)  # the ``in`` of ``not in``
        right = self._expression(_PRECEDENCE[operator] + 1)
        if operator in _COMPARE:
            return nodes.Compare(left, [nodes.Operand(_COMPARE[operator], right)], lineno=lineno)
        simple: dict[str, Any] = {
            "name:or": nodes.Or, "name:and": nodes.And, "sub": nodes.Sub, "mul": nodes.Mul,
            "null_coalesce": NullCoalesce, "undefined_coalesce": UndefinedCoalesce,
        }
        if operator in simple:
            node: nodes.Expr = simple[operator](left, right, lineno=lineno)
            return node
        if operator == "name:equals":
            return nodes.Compare(left, [nodes.Operand("eq", right)], lineno=lineno)
        if operator == "name:not":
            return nodes.Not(Helper("isin", [left, right], lineno=lineno), lineno=lineno)
        if operator == "tilde":
            is_concat = isinstance(left, Helper) and getattr(left, "name", None) == "concat"
            parts = [*getattr(left, "args", ())] if is_concat else [left]
            return Helper("concat", [*parts, right], lineno=lineno)
        helpers = {"name:contains": "contains", "name:in": "isin", "name:isIn": "isin", "add": "add",
                   "div": "div", "mod": "mod", "range": "range"}
        return Helper(helpers[operator], [left, right], lineno=lineno)

    def _filter(self, node: nodes.Expr) -> nodes.Expr:
        token = self.stream.expect("name")
        name = token.value
        args: list[nodes.Expr] = []
        kwargs: list[nodes.Keyword] = []
        dyn_args = dyn_kwargs = None
        if self.stream.current.type == "lparen":
            args, kwargs, dyn_args, dyn_kwargs = self.parse_call_args()
        if name == "default":
            node = Guarded(node, lineno=node.lineno)
        return nodes.Filter(node, name, args, kwargs, dyn_args, dyn_kwargs, lineno=token.lineno)

    def _test(self, node: nodes.Expr) -> nodes.Expr:
        lineno = self.stream.current.lineno
        negated = bool(self.stream.skip_if("name:not"))
        name = self.stream.expect("name").value
        args: list[nodes.Expr] = []
        kwargs: list[nodes.Keyword] = []
        dyn_args = dyn_kwargs = None
        if self.stream.current.type == "lparen":
            args, kwargs, dyn_args, dyn_kwargs = self.parse_call_args()
        if name == "defined":
            node = Guarded(node, lineno=node.lineno)
        test: nodes.Expr = nodes.Test(node, name, args, kwargs, dyn_args, dyn_kwargs, lineno=lineno)
        return nodes.Not(test, lineno=lineno) if negated else test

    def _primary(self) -> nodes.Expr:
        token = self.stream.current
        if token.type == "name":
            next(self.stream)
            if token.value in _CONSTANTS:
                return nodes.Const(_CONSTANTS[token.value], lineno=token.lineno)
            return nodes.Name(token.value, "load", lineno=token.lineno)
        if token.type == "string":
            next(self.stream)
            return nodes.Const(token.value, lineno=token.lineno)
        if token.type in ("integer", "float"):
            next(self.stream)
            return nodes.Const(token.value, lineno=token.lineno)
        if token.type == "lbracket":
            return self.parse_list()
        if token.type == "lbrace":
            return self.parse_dict()
        self.fail(f"unexpected {describe_token(token)!r}", token.lineno)

    def _postfix(self, node: nodes.Expr) -> nodes.Expr:
        stream = self.stream
        while True:
            current = stream.current
            if current.type == "dot" and stream.look().type != "dot":
                next(stream)
                attr = stream.current
                next(stream)
                if attr.type == "name":
                    node = nodes.Getattr(node, attr.value, "load", lineno=current.lineno)
                elif attr.type == "integer":
                    node = nodes.Getitem(node, nodes.Const(attr.value, lineno=attr.lineno), "load",
                                         lineno=current.lineno)
                else:
                    self.fail("expected a name or a number after '.'", attr.lineno)
            elif current.type == "lbracket":
                next(stream)
                key = self._expression(0)
                stream.expect("rbracket")
                node = nodes.Getitem(node, key, "load", lineno=current.lineno)
            elif current.type == "lparen":
                node = self.parse_call(node)
            else:
                return node
