"""Lexer and parsers for MiniLean: terms, tactic blocks and rcases patterns.

The parsers follow Lean 4's layout rules closely enough for the fragment: a tactic sequence is
a column of tactics (or ``;``-separated ones), and a token that starts a line at or left of the
enclosing tactic's column ends the terms and arguments being parsed (Lean's ``colGt`` checks).
Syntax trees are :class:`Node` objects carrying source offsets, so errors can be reported at
Lean's positions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lean_gym.backends.minilean.fragment import CORE_SYMBOLS, MATHLIB_CHARACTERS, outside_fragment

__all__ = ["Token", "Node", "ParseError", "tokenize", "Parser", "TACTIC_KEYWORDS"]


class ParseError(Exception):
    """A syntax error at ``offset`` (an index into the source text)."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.message = message
        self.offset = offset

    def __reduce__(self) -> tuple[type[ParseError], tuple[str, int]]:
        return type(self), (self.message, self.offset)  # pickles: two constructor arguments


@dataclass(slots=True)
class Token:
    kind: str  # ident | num | sym | str | eof
    value: str
    start: int
    end: int
    col: int
    first: bool  # first token on its line


class Node:
    """A syntax tree node: ``kind``, ``args`` and the source span ``[start, end)``."""

    __slots__ = ("kind", "args", "start", "end")

    def __init__(self, kind: str, args: list[Any], start: int, end: int):
        self.kind = kind
        self.args = args
        self.start = start
        self.end = end

    def __repr__(self) -> str:
        return f"Node({self.kind}, {self.args!r})"


_SYMBOLS = sorted(
    [
        ":=",
        "=>",
        "↦",
        "->",
        "<->",
        "/\\",
        "\\/",
        "<;>",
        "<=",
        ">=",
        "!=",
        "<-",
        "==",
        "..",
        "≠",
        "≤",
        "≥",
        "←",
        "→",
        "↔",
        "∧",
        "∨",
        "¬",
        "⟨",
        "⟩",
        "·",
        "•",
        ".",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        ":",
        ";",
        "|",
        "+",
        "-",
        "*",
        "/",
        "%",
        "^",
        "=",
        "<",
        ">",
        "∀",
        "∃",
        "λ",
        "▸",
        "∘",
        "@",
        "⊢",
        "?",
        "!",
        "$",
        "<|",
        "|>",
        "∣",
        "↑",
        "×",
        "∈",
        "∉",
        "#",
        "'",
    ],
    key=len,
    reverse=True,
)
_SYMBOL_ALIASES = {"->": "→", "<->": "↔", "/\\": "∧", "\\/": "∨", "<=": "≤", ">=": "≥"}
_SYMBOL_ALIASES.update({"!=": "≠", "<-": "←", "•": "·", "λ": "fun"})

_SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉ₐₑₒₓₔₕₖₗₘₙₚₛₜᵢᵣᵤᵥⱼ"

# Binder predicates `∀ x > 0, p` (`Init/BinderPredicates.lean`) and what they expand to.
_BINDER_PREDICATE_OPS = frozenset({">", "≥", "<", "≤", "≠", "∈", "∉"})


_ASCII_DIGITS = frozenset("0123456789")


def _ident_start(c: str) -> bool:
    # `λ` is a letter to Python but the `fun` keyword to Lean.
    return c != "λ" and (c.isalpha() or c == "_" or c in "ℕℤℚℝℂ" or "α" <= c <= "ω")


def _ident_rest(c: str) -> bool:
    return c.isalnum() or c in "_'!?" or c in _SUBSCRIPTS or c in "ℕℤ"


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Splits ``text[start:end]`` into tokens, skipping white space and comments."""
    if end is None:
        end = len(text)
    tokens: list[Token] = []
    i = start
    line_start = text.rfind("\n", 0, start) + 1
    first = True
    n = end
    while i < n:
        c = text[i]
        if c == "\n":
            i += 1
            line_start = i
            first = True
            continue
        if c in " \t\r":
            i += 1
            continue
        if text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 or j > n else j
            continue
        if text.startswith("/-", i):
            depth = 0
            j = i
            while j < n:
                if text.startswith("/-", j):
                    depth += 1
                    j += 2
                elif text.startswith("-/", j):
                    depth -= 1
                    j += 2
                    if depth == 0:
                        break
                else:
                    if text[j] == "\n":
                        line_start = j + 1
                        first = True
                    j += 1
            if depth != 0:
                raise ParseError("unterminated comment", i)
            i = j
            continue
        col = i - line_start
        # Lean's numerals are ASCII digits: `₂` or `²` are digits to Python, not to Lean.
        if c in _ASCII_DIGITS:
            j = i
            while j < n and (text[j] in _ASCII_DIGITS or text[j] == "_"):
                j += 1
            # After `h.` (a dot glued to the previous token) the digits are a projection index:
            # Lean lexes `h.2.1` as `h`, `.2`, `.1`, never as the decimal `2.1`.
            is_field = bool(tokens) and tokens[-1].value == "." and tokens[-1].end == i
            if (
                not is_field
                and j < n
                and text[j] == "."
                and j + 1 < n
                and text[j + 1] in _ASCII_DIGITS
            ):
                raise ParseError("MiniLean: decimal literals are not supported", i)
            tokens.append(Token("num", text[i:j].replace("_", ""), i, j, col, first))
            i = j
        elif _ident_start(c) or c == "«":
            j = i
            while True:
                if j < n and text[j] == "«":
                    k = text.find("»", j)
                    if k < 0 or k >= n:
                        raise ParseError("unterminated identifier escape", j)
                    j = k + 1
                elif j < n and _ident_start(text[j]):
                    j += 1
                    while j < n and _ident_rest(text[j]):
                        j += 1
                else:
                    break
                # A dot continues the name when a name part follows (`Nat.add_comm`, `h.mp`).
                if (
                    j + 1 < n
                    and text[j] == "."
                    and (_ident_start(text[j + 1]) or text[j + 1] == "«")
                ):
                    j += 1
                    continue
                break
            value = text[i:j].replace("«", "").replace("»", "")
            # `exact?`-style names keep their `?`/`!`; a trailing `?`/`!` elsewhere is a symbol.
            tokens.append(Token("ident", value, i, j, col, first))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                raise ParseError("unterminated string literal", i)
            tokens.append(Token("str", text[i + 1 : j], i, j + 1, col, first))
            i = j + 1
        else:
            for core_sym, what in CORE_SYMBOLS.items():
                if text.startswith(core_sym, i):
                    raise ParseError(outside_fragment(what), i)
            for sym in _SYMBOLS:
                if text.startswith(sym, i):
                    break
            else:
                if c in MATHLIB_CHARACTERS:
                    raise ParseError(outside_fragment(MATHLIB_CHARACTERS[c]), i)
                raise ParseError(f"unexpected character '{c}'", i)
            if sym == "?" and i + 1 < n and (text[i + 1] == "_" or _ident_start(text[i + 1])):
                j = i + 1
                while j < n and _ident_rest(text[j]):
                    j += 1
                tokens.append(Token("sym", "?" + text[i + 1 : j], i, j, col, first))
                i = j
            else:
                value = _SYMBOL_ALIASES.get(sym, sym)
                tokens.append(Token("sym", value, i, i + len(sym), col, first))
                i += len(sym)
        first = False
    tokens.append(Token("eof", "", n, n, 0, True))
    return tokens


_ARITH_BINOPS = {
    "↔": (20, 21, 21),
    "→": (25, 26, 25),
    "∨": (30, 31, 30),
    "∧": (35, 36, 35),
    "=": (50, 51, 51),
    "≠": (50, 51, 51),
    "<": (50, 51, 51),
    ">": (50, 51, 51),
    "≤": (50, 51, 51),
    "≥": (50, 51, 51),
    "==": (50, 51, 51),
    "∣": (50, 51, 51),
    "+": (65, 65, 66),
    "-": (65, 65, 66),
    "*": (70, 70, 71),
    "/": (70, 70, 71),
    "%": (70, 70, 71),
    "^": (75, 76, 75),
    "▸": (75, 76, 75),
    "∘": (90, 91, 90),
    "×": (35, 36, 35),
    "∈": (50, 51, 51),
    "∉": (50, 51, 51),
    "<|": (10, 11, 10),
    "|>": (10, 10, 11),
    "$": (10, 11, 10),
}
MAX_PREC = 1024


class Parser:
    """A recursive-descent parser over the tokens of ``text[start:end]``."""

    def __init__(self, text: str, start: int = 0, end: int | None = None):
        self.text = text
        self.toks = tokenize(text, start, end)
        self.i = 0
        self.barrier: list[int] = [-1]
        # Index of a token that may sit at the barrier's column (the head of a `calc` step).
        self.head_ok = -1

    # -- token helpers -------------------------------------------------------------------
    def peek(self, k: int = 0) -> Token:
        idx = min(self.i + k, len(self.toks) - 1)
        tok = self.toks[idx]
        if tok.kind != "eof" and tok.first and tok.col <= self.barrier[-1] and idx != self.head_ok:
            return Token("eof", "", tok.start, tok.start, tok.col, True)
        return tok

    def at(self, value: str) -> bool:
        tok = self.peek()
        return tok.kind in ("sym", "ident") and tok.value == value

    def at_bar(self) -> bool:
        """A `|` of an alternative list: allowed at the enclosing tactic's own column."""
        tok = self.toks[self.i]
        if tok.kind != "sym" or tok.value != "|":
            return False
        return not tok.first or tok.col >= self.barrier[-1]

    def next_raw(self) -> Token:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def next(self) -> Token:
        tok = self.peek()
        if tok.kind != "eof":
            self.i += 1
        return tok

    def expect(self, value: str) -> Token:
        tok = self.peek()
        if tok.kind in ("sym", "ident") and tok.value == value:
            self.i += 1
            return tok
        raise ParseError(self.unexpected(tok, f"'{value}'"), tok.start)

    def unexpected(self, tok: Token, expected: str) -> str:
        if tok.kind == "eof":
            return f"unexpected end of input; expected {expected}"
        if tok.kind == "ident" and tok.value not in TACTIC_KEYWORDS and tok.value != "sorry":
            return f"unexpected identifier; expected {expected}"
        shown = tok.value if tok.kind != "str" else f'"{tok.value}"'
        return f"unexpected token '{shown}'; expected {expected}"

    def last_end(self) -> int:
        return self.toks[self.i - 1].end if self.i > 0 else 0

    def ident(self) -> Token:
        tok = self.peek()
        if tok.kind != "ident":
            raise ParseError(self.unexpected(tok, "identifier"), tok.start)
        self.i += 1
        return tok

    # -- terms ---------------------------------------------------------------------------
    def term(self, prec: int = 0) -> Node:
        left = self._leading(prec)
        while True:
            tok = self.peek()
            if tok.kind == "sym" and tok.value == "!":
                raise ParseError(outside_fragment("n ! (Nat.factorial)"), tok.start)
            if tok.kind == "sym" and tok.value in _ARITH_BINOPS:
                p, lp, rp = _ARITH_BINOPS[tok.value]
                if p < prec:
                    break
                self.i += 1
                right = self.term(rp)
                left = Node("binop", [tok.value, left, right], left.start, right.end)
                continue
            break
        return left

    def _starts_arg(self, tok: Token) -> bool:
        if tok.kind in ("num", "str"):
            return True
        if tok.kind == "ident":
            # `by` is a leading term at `leadPrec`: never an application argument.
            return tok.value not in (
                "at",
                "with",
                "from",
                "then",
                "else",
                "using",
                "generalizing",
                "by",
            )
        if tok.kind == "sym" and tok.value == "{":
            # `{ x | p }` / `{ x : T | p }` (a set, refused by `_atom`); not tactic braces.
            name, after = self.peek(1), self.peek(2)
            return name.kind == "ident" and after.kind == "sym" and after.value in (":", "|")
        return tok.kind == "sym" and (
            tok.value in ("(", "⟨", "@", "·", "fun", "[") or tok.value.startswith("?")
        )

    def _leading(self, prec: int) -> Node:
        tok = self.peek()
        v = tok.value
        if tok.kind == "sym":
            if v == "¬":
                self.i += 1
                arg = self.term(40)
                return Node("not", [arg], tok.start, arg.end)
            if v == "-":
                self.i += 1
                arg = self.term(75)
                return Node("neg", [arg], tok.start, arg.end)
            if v in ("∀", "∃"):
                return self._binder_notation(tok)
            if v == "fun":
                return self._fun(tok)
        if tok.kind == "ident":
            if v == "fun":
                return self._fun(tok)
            if v == "by":
                self.i += 1
                seq = self.tactic_seq()
                return Node("by", [seq], tok.start, seq.end)
            if v == "show":
                self.i += 1
                ty = self.term()
                if self.at("from"):
                    self.next()
                    body = self.term()
                    return Node("show", [ty, body], tok.start, body.end)
                if self.at("by"):
                    btok = self.next()
                    seq = self.tactic_seq()
                    body = Node("by", [seq], btok.start, seq.end)
                    return Node("show", [ty, body], tok.start, body.end)
                return Node("show", [ty, None], tok.start, ty.end)
            if v == "calc":
                self.i += 1
                steps = self.calc_steps(tok)
                return Node("calc", [steps], tok.start, self.last_end())
            if v in ("have", "suffices", "let", "match", "if", "do", "let"):
                raise ParseError(f"MiniLean: '{v}' terms are not supported", tok.start)
        head = self._arg()
        if prec > MAX_PREC:
            return head
        args: list[Node] = []
        while self._starts_arg(self.peek()):
            if self.at("fun"):
                args.append(self._fun(self.peek()))
                break
            args.append(self._arg())
        if args:
            return Node("app", [head, args], head.start, args[-1].end)
        return head

    def _arg(self) -> Node:
        """An argument-level term: an atom followed by projections."""
        tok = self.peek()
        node = self._atom()
        while True:
            nxt = self.toks[self.i] if self.i < len(self.toks) else None
            if (
                nxt is not None
                and nxt.kind == "sym"
                and nxt.value == "."
                and nxt.start == node.end
                and self.i + 1 < len(self.toks)
            ):
                field = self.toks[self.i + 1]
                if field.start == nxt.end and field.kind in ("num", "ident"):
                    self.i += 2
                    for part in field.value.split("."):
                        node = Node("proj", [node, part], tok.start, field.end)
                    continue
            break
        return node

    def _atom(self) -> Node:
        tok = self.peek()
        v = tok.value
        if tok.kind == "num":
            self.i += 1
            return Node("num", [int(v)], tok.start, tok.end)
        if tok.kind == "ident":
            if v in TACTIC_KEYWORDS and v in ("at", "with", "from", "by", "fun", "then"):
                raise ParseError(self.unexpected(tok, "term"), tok.start)
            self.i += 1
            if v == "_":
                return Node("hole", [], tok.start, tok.end)
            if v == "sorry":
                return Node("sorry", [], tok.start, tok.end)
            return Node("ident", [v], tok.start, tok.end)
        if tok.kind == "sym":
            if v == "(":
                self.i += 1
                self.barrier.append(-1)
                try:
                    if self.at(")"):
                        raise ParseError("MiniLean: the unit value () is not supported", tok.start)
                    inner = self.term()
                    if self.at(","):
                        raise ParseError(outside_fragment("(a, b) (Prod.mk)"), tok.start)
                    inner = _cdot_function(inner)
                    if self.at(":"):
                        self.next()
                        ty = self.term()
                        end = self.expect(")").end
                        return Node("ascr", [inner, ty], tok.start, end)
                    end = self.expect(")").end
                finally:
                    self.barrier.pop()
                return Node("paren", [inner], tok.start, end)
            if v == "⟨":
                self.i += 1
                self.barrier.append(-1)
                try:
                    elems: list[Node] = []
                    if not self.at("⟩"):
                        elems.append(self.term())
                        while self.at(","):
                            self.next()
                            elems.append(self.term())
                    end = self.expect("⟩").end
                finally:
                    self.barrier.pop()
                return Node("anon", [elems], tok.start, end)
            if v.startswith("?"):
                self.i += 1
                return Node("synth_hole", [v[1:]], tok.start, tok.end)
            if v == "@":
                raise ParseError("MiniLean: explicit-argument mode (@) is not supported", tok.start)
            if v == "·":
                self.i += 1
                return Node("cdot", [], tok.start, tok.end)
            if v == "↑":
                self.i += 1
                arg = self._arg()
                return Node("coe", [arg], tok.start, arg.end)
            if v == "|":
                raise ParseError(outside_fragment("|x| (abs)"), tok.start)
            if v == "{":
                raise ParseError(outside_fragment("{ x | p } (Set)"), tok.start)
            if v == "[":
                raise ParseError(outside_fragment("[a, b] (List)"), tok.start)
        raise ParseError(self.unexpected(tok, "term"), tok.start)

    def calc_steps(self, calc_tok: Token) -> list[tuple[Node, Node | None]]:
        """The steps of ``calc`` (after the keyword): ``term (:= proof)?`` then ``term := proof``*.

        As in Lean (``withPosition`` around the steps), a step may start at any column, even left
        of the enclosing tactic block; inside a step, a line at or left of the step's own column
        ends it. Later steps line up at (or right of) the column of the second step.
        """
        steps: list[tuple[Node, Node | None]] = []
        rest_col: int | None = None
        while True:
            tok = self.toks[self.i]
            # The outermost barrier is the command level (a new command starts at column 0).
            if tok.kind == "eof" or (tok.first and tok.col <= self.barrier[0]):
                if not steps:
                    raise ParseError(self.unexpected(self.peek(), "term"), tok.start)
                break
            if steps:
                # A further step starts a line, lines up with the other steps and is a term.
                if not tok.first or (rest_col is not None and tok.col < rest_col):
                    break
                if tok.kind == "ident" and tok.value in TACTIC_KEYWORDS and tok.value != "_":
                    break
                if tok.kind == "sym" and tok.value in ("·", ".", "|", ")", "]", "}", "⟩", ";"):
                    break
                if rest_col is None:
                    rest_col = tok.col
            col = tok.col if tok.first else self._column_of(tok)
            self.barrier.append(col)
            saved_head = self.head_ok
            self.head_ok = self.i
            try:
                rel = self.term()
                self.head_ok = saved_head
                proof = None
                if self.at(":="):
                    self.next()
                    proof = self.term()
                elif steps:
                    t = self.peek()
                    raise ParseError(self.unexpected(t, "':='"), t.start)
            finally:
                self.head_ok = saved_head
                self.barrier.pop()
            steps.append((rel, proof))
        return steps

    def _binder_notation(self, tok: Token) -> Node:
        self.i += 1
        name, op = self.peek(), self.peek(1)
        if name.kind == "ident" and op.kind == "sym" and op.value in _BINDER_PREDICATE_OPS:
            return self._binder_predicate(tok)
        binders = self.binders(allow_bare=True)
        self.expect(",")
        body = self.term()
        kind = "forall" if tok.value == "∀" else "exists"
        return Node(kind, [binders, body], tok.start, body.end)

    def _binder_predicate(self, tok: Token) -> Node:
        """``∀ x > y, p`` is ``∀ x, x > y → p``; ``∃ x > y, p`` is ``∃ x, x > y ∧ p``."""
        name_tok = self.ident()
        if name_tok.value == "_":
            raise ParseError("MiniLean: `_` with a binder predicate is not supported", tok.start)
        op = self.next()
        bound = self.term()
        self.expect(",")
        body = self.term()
        var = Node("ident", [name_tok.value], name_tok.start, name_tok.end)
        pred = Node("binop", [op.value, var, bound], name_tok.start, bound.end)
        connective = "→" if tok.value == "∀" else "∧"
        inner = Node("binop", [connective, pred, body], name_tok.start, body.end)
        kind = "forall" if tok.value == "∀" else "exists"
        return Node(kind, [[([name_tok.value], None, False)], inner], tok.start, body.end)

    def binders(self, allow_bare: bool) -> list[tuple[list[str], Node | None, bool]]:
        """Binder groups ``x y``, ``x y : T``, ``(x y : T)``, ``{x : T}``."""
        groups: list[tuple[list[str], Node | None, bool]] = []
        while True:
            tok = self.peek()
            if tok.kind == "sym" and tok.value in ("(", "{"):
                close = ")" if tok.value == "(" else "}"
                self.i += 1
                names = [self._binder_name()]
                while self.peek().kind == "ident" or self.at("_"):
                    names.append(self._binder_name())
                ty = None
                if self.at(":"):
                    self.next()
                    ty = self.term()
                self.expect(close)
                groups.append((names, ty, tok.value == "{"))
            elif tok.kind == "ident" and allow_bare and tok.value not in ("at", "with"):
                names = [self._binder_name()]
                while self.peek().kind == "ident":
                    names.append(self._binder_name())
                ty = None
                if self.at(":"):
                    self.next()
                    ty = self.term()
                groups.append((names, ty, False))
                return groups
            elif tok.kind == "sym" and tok.value == "[":
                raise ParseError("MiniLean: instance binders are not supported", tok.start)
            else:
                if not groups:
                    raise ParseError(self.unexpected(tok, "binder"), tok.start)
                return groups

    def _binder_name(self) -> str:
        tok = self.ident()
        return tok.value

    def _fun(self, tok: Token) -> Node:
        self.i += 1
        params: list[Any] = []
        while not self.at("=>") and not self.at("↦"):
            t = self.peek()
            if t.kind == "sym" and t.value == "⟨":
                params.append(("pat", self.rcases_pattern_atom()))
            elif t.kind == "sym" and t.value == "(":
                self.i += 1
                if self.at("⟨"):
                    pat = self.rcases_pattern_atom()
                    if self.at(":"):
                        self.next()
                        self.term()
                    self.expect(")")
                    params.append(("pat", pat))
                    continue
                names = [self._binder_name()]
                while self.peek().kind == "ident":
                    names.append(self._binder_name())
                ty = None
                if self.at(":"):
                    self.next()
                    ty = self.term()
                self.expect(")")
                for name in names:
                    params.append(("name", name, ty))
            elif t.kind == "ident":
                self.i += 1
                if self.at(":"):
                    self.next()
                    ty = self.term()
                    params.append(("name", t.value, ty))
                    break
                params.append(("name", t.value, None))
            else:
                raise ParseError(self.unexpected(t, "'=>'"), t.start)
        if not params:
            raise ParseError("expected binder", tok.end)
        if self.at("↦"):  # `fun` alone also takes `↦`
            self.next()
        else:
            self.expect("=>")
        body = self.term()
        return Node("fun", [params, body], tok.start, body.end)

    # -- rcases patterns -----------------------------------------------------------------
    def rcases_pattern(self) -> Node:
        """``pat | pat | ...`` (rcasesPatMed), optionally ``: T``."""
        first = self.rcases_pattern_atom()
        alts = [first]
        while self.at("|"):
            self.next()
            alts.append(self.rcases_pattern_atom())
        if len(alts) == 1:
            return first
        return Node("pat_alts", [alts], first.start, alts[-1].end)

    def rcases_pattern_atom(self) -> Node:
        tok = self.peek()
        if tok.kind == "sym" and tok.value == "⟨":
            self.i += 1
            elems: list[Node] = []
            if not self.at("⟩"):
                elems.append(self.rcases_pattern())
                while self.at(","):
                    self.next()
                    elems.append(self.rcases_pattern())
            end = self.expect("⟩").end
            return Node("pat_tuple", [elems], tok.start, end)
        if tok.kind == "sym" and tok.value == "(":
            self.i += 1
            pat = self.rcases_pattern()
            if self.at(":"):
                self.next()
                self.term()
            self.expect(")")
            return pat
        if tok.kind == "sym" and tok.value == "-":
            self.i += 1
            return Node("pat_clear", [], tok.start, tok.end)
        if tok.kind == "ident":
            self.i += 1
            if tok.value == "_":
                return Node("pat_hole", [], tok.start, tok.end)
            if tok.value == "rfl":
                return Node("pat_rfl", [], tok.start, tok.end)
            return Node("pat_name", [tok.value], tok.start, tok.end)
        raise ParseError(self.unexpected(tok, "rcases pattern"), tok.start)

    # -- tactics -------------------------------------------------------------------------
    def tactic_seq(self) -> Node:
        """A tactic sequence: a column of tactics, or ``;``-separated ones."""
        tok = self.peek()
        if tok.kind == "eof":
            return Node("seq", [[]], tok.start, tok.start)
        col = tok.col if tok.first else self._column_of(tok)
        tactics: list[Node] = []
        self.barrier.append(col)
        try:
            while True:
                tactics.append(self.tactic())
                nxt = self.peek()
                if nxt.kind == "sym" and nxt.value == ";":
                    self.i += 1
                    if self.peek().kind == "eof":
                        break
                    continue
                raw = self.toks[self.i]
                if raw.kind != "eof" and raw.first and raw.col == col and col > self.barrier[-2]:
                    continue
                break
        finally:
            self.barrier.pop()
        return Node("seq", [tactics], tactics[0].start, tactics[-1].end)

    def _column_of(self, tok: Token) -> int:
        line_start = self.text.rfind("\n", 0, tok.start) + 1
        return tok.start - line_start

    def _nested_seq(self) -> Node:
        """The tactic sequence after ``=>``, ``·``, ``try`` and similar."""
        tok = self.peek()
        if tok.kind == "eof":
            raise ParseError("unexpected end of input; expected tactic", tok.start)
        return self.tactic_seq()

    def tactic(self) -> Node:
        left = self._tactic1()
        while self.at("<;>"):
            self.next()
            right = self._tactic1()
            left = Node("then", [left, right], left.start, right.end)
        return left

    def _location(self) -> list[str] | None:
        """``at h₁ h₂ ⊢`` / ``at *``; None when absent."""
        if not self.at("at"):
            return None
        self.next()
        locs: list[str] = []
        while True:
            tok = self.peek()
            if tok.kind == "ident" or tok.kind == "sym" and tok.value in ("⊢", "*"):
                locs.append(self.next().value)
            else:
                break
        if not locs:
            tok = self.peek()
            raise ParseError(self.unexpected(tok, "location"), tok.start)
        return locs

    def _terms_list(self) -> list[Node]:
        items = [self.term()]
        while self.at(","):
            self.next()
            items.append(self.term())
        return items

    def _rw_rules(self) -> list[tuple[bool, Node]]:
        self.expect("[")
        rules: list[tuple[bool, Node]] = []
        self.barrier.append(-1)
        try:
            if not self.at("]"):
                while True:
                    rev = False
                    if self.at("←"):
                        self.next()
                        rev = True
                    rules.append((rev, self.term()))
                    if self.at(","):
                        self.next()
                        continue
                    break
            self.expect("]")
        finally:
            self.barrier.pop()
        return rules

    def _tactic1(self) -> Node:
        # The head token of a tactic sits at the sequence's column, which the barrier (for the
        # tactic's arguments) excludes; the sequence loop has already checked it.
        tok = self.toks[self.i]
        if tok.kind != "eof" and tok.first and tok.col < self.barrier[-1]:
            tok = self.peek()
        s = tok.start
        v = tok.value
        if tok.kind == "eof":
            raise ParseError("unexpected end of input; expected tactic", tok.start)
        if tok.kind == "sym":
            if v in ("·", "."):
                self.i += 1
                seq = self._nested_seq()
                return Node("bullet", [seq], s, seq.end)
            if v == "(":
                self.i += 1
                self.barrier.append(-1)
                try:
                    seq = self.tactic_seq()
                    end = self.expect(")").end
                finally:
                    self.barrier.pop()
                return Node("paren", [seq], s, end)
            if v == "{":
                self.i += 1
                self.barrier.append(-1)
                try:
                    seq = self.tactic_seq() if not self.at("}") else Node("seq", [[]], s, s)
                    end = self.expect("}").end
                finally:
                    self.barrier.pop()
                return Node("braces", [seq], s, end)
            raise ParseError("unknown tactic", s + 1)
        parse = _TACTIC_PARSERS.get(v) if tok.kind == "ident" else None
        if parse is None:
            raise ParseError("unknown tactic", s + 1)
        self.i += 1
        return parse(self, tok)

    # -- the tactic parsers of the keyword table (each called after the keyword) ---------
    def _tac_names(self, tok: Token) -> Node:
        """``intro x ⟨a, b⟩``, ``intros``, ``rename_i``, ``clear``, ``revert``, ``subst``."""
        v = tok.value
        names: list[Any] = []
        while True:
            t = self.peek()
            if t.kind == "ident" and t.value not in ("at", "with"):
                names.append(self.next().value)
            elif t.kind == "sym" and t.value == "⟨" and v == "intro":
                names.append(self.rcases_pattern_atom())
            else:
                break
        if v in ("clear", "revert", "subst") and not names:
            raise ParseError(self.unexpected(self.peek(), "identifier"), self.peek().start)
        return Node(v, [names], tok.start, self.last_end() if names else tok.end)

    def _tac_atomic(self, tok: Token) -> Node:
        """A tactic without arguments (``rfl``, ``omega``, ``constructor`` ...)."""
        if tok.value in ("omega", "decide") and self.at("("):
            raise ParseError("MiniLean: tactic configuration is not supported", self.peek().start)
        return Node(tok.value, [], tok.start, tok.end)

    def _tac_unsupported(self, tok: Token) -> Node:
        """A tactic MiniLean knows by name only: its arguments are skipped."""
        self.skip_rest()
        return Node("unsupported", [tok.value], tok.start, self.last_end())

    def _tac_calc(self, tok: Token) -> Node:
        steps = self.calc_steps(tok)
        return Node("calc", [steps], tok.start, self.last_end())

    def _tac_symm(self, tok: Token) -> Node:
        loc = self._location()
        return Node("symm", [loc], tok.start, self.last_end())

    def _tac_rintro(self, tok: Token) -> Node:
        pats: list[Node] = []
        while True:
            t = self.peek()
            if (t.kind == "ident" and t.value not in ("at", "with", ":")) or (
                t.kind == "sym" and t.value in ("⟨", "(", "-")
            ):
                pats.append(self.rcases_pattern_atom())
            else:
                break
        if not pats:
            raise ParseError(self.unexpected(self.peek(), "rintro pattern"), self.peek().start)
        return Node("rintro", [pats], tok.start, self.last_end())

    def _tac_simpa(self, tok: Token) -> Node:
        only = False
        if self.at("only"):
            self.next()
            only = True
        lemmas = self._simp_lemmas() if self.at("[") else []
        using = None
        if self.at("using"):
            self.next()
            using = self.term()
        return Node("simpa", [only, lemmas, using], tok.start, self.last_end())

    def _tac_term(self, tok: Token) -> Node:
        """``exact e``, ``apply e``, ``refine e``, ``specialize e``, ``show t``."""
        t = self.term()
        return Node(tok.value, [t], tok.start, t.end)

    def _tac_exacts(self, tok: Token) -> Node:
        self.expect("[")
        items = self._terms_list()
        end = self.expect("]").end
        return Node("exacts", [items], tok.start, end)

    def _tac_exists(self, tok: Token) -> Node:
        items = self._terms_list()
        return Node(tok.value, [items], tok.start, items[-1].end)

    def _tac_linarith(self, tok: Token) -> Node:
        items: list[Node] = []
        if self.at("["):
            self.next()
            if not self.at("]"):
                items = self._terms_list()
            self.expect("]")
        return Node(tok.value, [items], tok.start, self.last_end())

    def _tac_cases(self, tok: Token) -> Node:
        """``cases e with | tag names => seq ...`` and ``induction e generalizing xs with ...``."""
        v = tok.value
        target = self.term()
        if self.at("using"):
            raise ParseError(f"MiniLean: '{v} ... using' is not supported", self.peek().start)
        generalizing: list[Node] = []
        if self.at("generalizing"):
            if v == "cases":
                raise ParseError(self.unexpected(self.peek(), "'with'"), self.peek().start)
            self.next()
            while self.peek().kind == "ident" and not self.at("with"):
                t = self.next()
                generalizing.append(Node("ident", [t.value], t.start, t.end))
            if not generalizing:
                t = self.peek()
                raise ParseError(self.unexpected(t, "term"), t.start)
        alts = None
        if self.at("with"):
            self.next()
            alts = []
            while self.at_bar():
                bar = self.next_raw()
                tag_tok = self.ident()
                names = []
                while self.peek().kind == "ident" and not self.at("=>"):
                    names.append(self.next().value)
                self.expect("=>")
                seq = self._nested_seq()
                alts.append((tag_tok.value, names, seq, bar.start))
            if not alts:
                t = self.peek()
                raise ParseError(self.unexpected(t, "'|'"), t.start)
        if v == "induction":
            return Node(v, [target, alts, generalizing], tok.start, self.last_end())
        return Node(v, [target, alts], tok.start, self.last_end())

    def _tac_rcases(self, tok: Token) -> Node:
        target = self.term()
        pat = None
        if self.at("with"):
            self.next()
            pat = self.rcases_pattern()
        return Node("rcases", [target, pat], tok.start, self.last_end())

    def _tac_obtain(self, tok: Token) -> Node:
        pat = self.rcases_pattern() if not self.at(":") and not self.at(":=") else None
        ty = None
        if self.at(":"):
            self.next()
            ty = self.term()
        val = None
        if self.at(":="):
            self.next()
            val = self.term()
        return Node("obtain", [pat, ty, val], tok.start, self.last_end())

    def _tac_have(self, tok: Token) -> Node:
        name = None
        pat = None
        t = self.peek()
        if t.kind == "ident" and t.value not in ("at",):
            name = self.next().value
        elif t.kind == "sym" and t.value == "⟨":
            pat = self.rcases_pattern_atom()
        ty = None
        if self.at(":"):
            self.next()
            ty = self.term()
        if not self.at(":="):
            if ty is None:
                raise ParseError(self.unexpected(self.peek(), "':='"), self.peek().start)
            return Node("have", [name, pat, ty, None], tok.start, self.last_end())
        self.next()
        val = self.term()
        return Node("have", [name, pat, ty, val], tok.start, val.end)

    def _tac_rw(self, tok: Token) -> Node:
        rules = self._rw_rules()
        loc = self._location()
        return Node("rw", [rules, loc, tok.value], tok.start, self.last_end())

    def _tac_simp(self, tok: Token) -> Node:
        """``simp``, ``simp_all``, ``simp_arith``, ``norm_num`` with ``only``, lemmas, ``at``."""
        v = tok.value
        only = False
        arith = False
        if v in ("simp", "simp_all"):
            arith = self._simp_arith_config()
        if self.at("("):
            raise ParseError("MiniLean: simp configuration is not supported", self.peek().start)
        if self.at("only"):
            self.next()
            only = True
        lemmas: list[tuple[bool, Node]] = []
        if self.at("["):
            lemmas = self._simp_lemmas()
        loc = self._location()
        return Node(v, [only, lemmas, loc, arith], tok.start, self.last_end())

    def _tac_by_cases(self, tok: Token) -> Node:
        name = None
        if self.peek().kind == "ident" and self.peek(1).kind == "sym" and self.peek(1).value == ":":
            name = self.next().value
            self.next()
        t = self.term()
        return Node("by_cases", [name, t], tok.start, t.end)

    def _tac_first(self, tok: Token) -> Node:
        alts = []
        while self.at_bar():
            self.next_raw()
            alts.append(self._nested_seq())
        if not alts:
            raise ParseError(self.unexpected(self.peek(), "'|'"), self.peek().start)
        return Node("first", [alts], tok.start, alts[-1].end)

    def _tac_block(self, tok: Token) -> Node:
        """``try``, ``repeat``, ``all_goals``, ``any_goals``, ``focus``: a nested sequence."""
        seq = self._nested_seq()
        return Node(tok.value, [seq], tok.start, seq.end)

    def _tac_next(self, tok: Token) -> Node:
        names = []
        while self.peek().kind == "ident":
            names.append(self.next().value)
        self.expect("=>")
        seq = self._nested_seq()
        return Node("next", [names, seq], tok.start, seq.end)

    def _tac_case(self, tok: Token) -> Node:
        tag = self.ident().value
        names = []
        while self.peek().kind == "ident":
            names.append(self.next().value)
        self.expect("=>")
        seq = self._nested_seq()
        return Node("case", [tag, names, seq], tok.start, seq.end)

    def _tac_sleep(self, tok: Token) -> Node:
        t = self.peek()
        if t.kind != "num":
            raise ParseError(self.unexpected(t, "numeral"), t.start)
        self.next()
        return Node("sleep", [int(t.value)], tok.start, t.end)

    def _tac_trace(self, tok: Token) -> Node:
        t = self.peek()
        if t.kind != "str":
            raise ParseError(self.unexpected(t, "string literal"), t.start)
        self.next()
        return Node("trace", [t.value], tok.start, t.end)

    def _simp_arith_config(self) -> bool:
        """Consumes ``+arith`` or ``(config := { arith := true })``; whether one was there.

        Other configurations are left for the caller to reject.
        """
        t, t1 = self.peek(), self.peek(1)
        if (
            t.kind == "sym"
            and t.value == "+"
            and t1.kind == "ident"
            and t1.value == "arith"
            and t1.start == t.end
        ):
            self.i += 2
            return True
        spelled = ["(", "config", ":=", "{", "arith", ":=", "true", "}", ")"]
        if all(self.peek(j).value == spelled[j] for j in range(len(spelled))):
            self.i += len(spelled)
            return True
        return False

    def _simp_lemmas(self) -> list[tuple[bool, Node]]:
        self.expect("[")
        items: list[tuple[bool, Node]] = []
        self.barrier.append(-1)
        try:
            if not self.at("]"):
                while True:
                    rev = False
                    if self.at("←"):
                        self.next()
                        rev = True
                    elif self.at("-"):
                        raise ParseError(
                            "MiniLean: simp lemma erasure is not supported", self.peek().start
                        )
                    if self.at("*"):
                        tok = self.next()
                        items.append((False, Node("star", [], tok.start, tok.end)))
                    else:
                        items.append((rev, self.term()))
                    if self.at(","):
                        self.next()
                        continue
                    break
            self.expect("]")
        finally:
            self.barrier.pop()
        return items

    def skip_rest(self) -> None:
        """Consumes the arguments of an unsupported tactic (up to the next tactic)."""
        depth = 0
        while True:
            tok = self.peek()
            if tok.kind == "eof":
                return
            if tok.kind == "sym" and tok.value in ("(", "[", "{", "⟨"):
                depth += 1
            elif tok.kind == "sym" and tok.value in (")", "]", "}", "⟩"):
                if depth == 0:
                    return
                depth -= 1
            elif depth == 0 and tok.kind == "sym" and tok.value in (";", "<;>"):
                return
            self.i += 1


_WS_RE = re.compile(r"\s+")


# Tactics without arguments.
_ATOMIC_TACTICS = (
    "constructor",
    "left",
    "right",
    "exfalso",
    "contradiction",
    "assumption",
    "trivial",
    "rfl",
    "decide",
    "skip",
    "done",
    "sorry",
    "admit",
    "omega",
    "exact?",
    "apply?",
    "rfl'",
    "nofun",
)
# Tactics MiniLean knows by name only (answered "not supported" when run).
_UNSUPPORTED_TACTICS = (
    "unfold",
    "change",
    "generalize",
    "by_contra",
    "contrapose",
    "injection",
    "constructorm",
    "iterate",
    "fail_if_success",
    "let",
    "suffices",
    "nomatch",
    "exists_intro",
    "field_simp",
    "dsimp",
    "push_cast",
    "exact_mod_cast",
    "norm_cast",
    "ring_nf",
    "split",
    "aesop",
    "tauto",
    "push_neg",
    "positivity",
    "ring",
    "native_decide",
)

# The keyword table of the tactic parser: tactic keyword -> parser (called after the keyword).
_TACTIC_PARSERS: dict[str, Any] = {
    **{v: Parser._tac_names for v in ("intro", "intros", "rename_i", "clear", "revert", "subst")},
    **{v: Parser._tac_atomic for v in _ATOMIC_TACTICS},
    **{v: Parser._tac_unsupported for v in _UNSUPPORTED_TACTICS},
    **{v: Parser._tac_term for v in ("exact", "apply", "refine", "refine'", "specialize", "show")},
    **{v: Parser._tac_simp for v in ("simp", "simp_all", "norm_num", "simp_arith")},
    **{v: Parser._tac_block for v in ("try", "repeat", "all_goals", "any_goals", "focus")},
    **{v: Parser._tac_rw for v in ("rw", "rewrite", "rwa")},
    "calc": Parser._tac_calc,
    "symm": Parser._tac_symm,
    "rintro": Parser._tac_rintro,
    "simpa": Parser._tac_simpa,
    "exacts": Parser._tac_exacts,
    "exists": Parser._tac_exists,
    "use": Parser._tac_exists,
    "linarith": Parser._tac_linarith,
    "nlinarith": Parser._tac_linarith,
    "cases": Parser._tac_cases,
    "induction": Parser._tac_cases,
    "rcases": Parser._tac_rcases,
    "obtain": Parser._tac_obtain,
    "have": Parser._tac_have,
    "by_cases": Parser._tac_by_cases,
    "first": Parser._tac_first,
    "next": Parser._tac_next,
    "case": Parser._tac_case,
    "sleep": Parser._tac_sleep,
    "trace": Parser._tac_trace,
}

# Keywords of tactic syntax that are not tactics themselves.
_TACTIC_SYNTAX_WORDS = frozenset({"at", "with", "fun", "by", "from"})
TACTIC_KEYWORDS = frozenset(_TACTIC_PARSERS) | _TACTIC_SYNTAX_WORDS
"""Words the tactic parser treats as keywords (a tactic name or part of tactic syntax)."""


def _cdot_function(node: Node) -> Node:
    """``(· + 1)`` is ``fun x => x + 1``: each ``·`` of the parenthesized term (not of a
    nested one, already turned into a function) is a new parameter, left to right."""
    params: list[Any] = []

    def replace(n: Any) -> Any:
        if isinstance(n, Node):
            if n.kind == "cdot":
                name = f"·{len(params) + 1}"
                params.append(("name", name, None))
                return Node("ident", [name], n.start, n.end)
            if n.kind == "fun":
                return n
            return Node(n.kind, [replace(a) for a in n.args], n.start, n.end)
        if isinstance(n, list):
            return [replace(a) for a in n]
        if isinstance(n, tuple):
            return tuple(replace(a) for a in n)
        return n

    body = replace(node)
    if not params:
        return node
    return Node("fun", [params, body], node.start, node.end)
