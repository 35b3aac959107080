"""Processing Lean commands (``theorem``, ``example``, ``#print axioms`` ...) in MiniLean.

An :class:`Environment` is an immutable value (the REPL's ``env`` ids point to them). A command
string is split into commands and each is elaborated; the result lists Lean's messages, the
``sorry`` occurrences (with goals, for new proof states) and, on request, per-tactic records.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from typing import Any

from lean_gym.backends.minilean.elab import Elaborator
from lean_gym.backends.minilean.errors import LeanFailure, RecoverableElabError
from lean_gym.backends.minilean.expr import INT, NAT, PROP, TRUE, Binder, Expr, abstract, lift
from lean_gym.backends.minilean.goals import Goal
from lean_gym.backends.minilean.lemmas import CORE_LEMMAS
from lean_gym.backends.minilean.syntax import Node, ParseError, Parser, Token
from lean_gym.backends.minilean.tactics import TACTICS, Session, SorryEvent, unsolved_text

# Module roots an import may name. Aesop and Batteries come with Mathlib; MiniLean's fragment
# uses nothing of theirs, so importing them changes nothing here.
KNOWN_IMPORTS = ("Init", "Std", "Lean", "Mathlib", "Aesop", "Batteries")
_DECL_KEYWORDS = ("theorem", "lemma", "example", "def", "abbrev")
_COMMAND_KEYWORDS = frozenset(
    {
        "theorem",
        "lemma",
        "example",
        "def",
        "abbrev",
        "open",
        "namespace",
        "section",
        "end",
        "import",
        "set_option",
        "variable",
        "universe",
        "axiom",
        "instance",
        "noncomputable",
        "attribute",
        "macro",
        "syntax",
        "notation",
        "elab",
        "private",
        "protected",
        "opaque",
        "structure",
        "inductive",
        "class",
        "mutual",
        "local",
        "scoped",
        "unsafe",
        "partial",
    }
)


@dataclass(frozen=True)
class DeclInfo:
    """A declaration added to an environment: its axioms as ``#print axioms`` reports them."""

    name: str
    axioms: frozenset[str]
    statement: Expr | None = None  # a closed proposition; None for data definitions


@dataclass(frozen=True)
class Environment:
    """What commands so far have set up: imports, declarations and opened namespaces.

    Attributes:
        mathlib: Whether ``import Mathlib`` ran (Mathlib tactics, ``ℕ``/``ℤ`` printing).
        decls: The declarations added, by name.
        imports_done: Whether the import block is over.
        opens: The namespaces ``open`` made available (``open Nat`` lets ``gcd`` name
            ``Nat.gcd``), in order.
    """

    mathlib: bool = False
    decls: dict[str, DeclInfo] = field(default_factory=dict)
    imports_done: bool = False
    opens: tuple[str, ...] = ()


@dataclass
class Msg:
    severity: str
    text: str
    start: int
    end: int


@dataclass
class TacticRecord:
    node: Node
    goals: list[Goal]
    decls: dict[str, Any] = field(default_factory=dict)


@dataclass
class CommandResult:
    env: Environment
    messages: list[Msg] = field(default_factory=list)
    sorries: list[tuple[SorryEvent, bool]] = field(default_factory=list)  # (event, is_root_goal)
    tactics: list[TacticRecord] = field(default_factory=list)


class LineIndex:
    """Offset -> (line, column) as Lean reports positions (1-based line, 0-based column)."""

    def __init__(self, text: str):
        self.starts = [0]
        for i, c in enumerate(text):
            if c == "\n":
                self.starts.append(i + 1)

    def pos(self, offset: int) -> dict[str, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return {"line": line + 1, "column": offset - self.starts[line]}


def _sort_axioms(axioms: set[str] | frozenset[str]) -> list[str]:
    return sorted(axioms, key=lambda n: n.split("."))


class CommandRunner:
    """Runs one command string on an environment."""

    def __init__(
        self,
        text: str,
        env: Environment,
        session_args: dict[str, Any],
        record_tactics: bool,
        root_goals: bool,
    ):
        self.text = text
        self.env = env
        self.session_args = session_args
        self.record_tactics = record_tactics
        self.root_goals = root_goals
        self.result = CommandResult(env=env)
        self.parser = Parser(text)
        self.parser.barrier = [-1]
        # `open X in` applies to the next command only.
        self._scoped_opens: tuple[str, ...] = ()

    def run(self, imports_allowed: bool) -> CommandResult:
        p = self.parser
        first_command = True
        while True:
            tok = p.peek()
            if tok.kind == "eof":
                break
            try:
                if tok.kind == "ident" and tok.value == "import":
                    self._import(tok, imports_allowed and first_command)
                else:
                    first_command = False
                    self._command(tok)
            except ParseError as exc:
                end = next(
                    (t.end for t in self.parser.toks if t.start == exc.offset and t.kind != "eof"),
                    exc.offset,
                )
                self._error(exc.message, exc.offset, end)
                self._skip_to_next_command()
            if tok.kind == "ident" and tok.value == "import":
                continue
            first_command = False
        return self.result

    # -- helpers -------------------------------------------------------------------------
    def _error(self, text: str, start: int, end: int) -> None:
        self.result.messages.append(Msg("error", text, start, end))

    def _skip_to_next_command(self) -> None:
        p = self.parser
        p.barrier = [-1]
        while True:
            tok = p.toks[p.i]
            if tok.kind == "eof":
                return
            if (
                tok.first
                and tok.col == 0
                and p.i > 0
                and (tok.value in _COMMAND_KEYWORDS or tok.value == "#" or tok.value == "@")
            ):
                return
            p.i += 1

    def _import(self, tok: Token, allowed: bool) -> None:
        p = self.parser
        p.next()
        mod = p.ident()
        if not allowed:
            self._error(
                "invalid 'import' command, it must be used in the beginning of the file",
                tok.start,
                mod.end,
            )
            return
        root = mod.value.split(".")[0]
        if root not in KNOWN_IMPORTS:
            self._error(
                f"unknown module prefix '{root}'\n\nNo directory '{root}' or file '{root}.olean' in the search path entries",
                tok.start,
                mod.end,
            )
            return
        if root == "Mathlib":
            self.env = replace(
                self.env, mathlib=True, decls=dict(self.env.decls), imports_done=True
            )
            self.result.env = self.env

    def _command(self, tok: Token) -> None:
        p = self.parser
        v = tok.value
        if tok.kind == "sym" and v == "#":
            p.next()
            kw = p.ident()
            if kw.value == "print":
                nxt = p.peek()
                if nxt.kind == "ident" and nxt.value == "axioms":
                    p.next()
                    name_tok = p.ident()
                    self._print_axioms(name_tok.value, tok.start, kw.end)
                    return
            p.barrier = [0]
            p.skip_rest()
            while p.peek().kind != "eof":
                p.i += 1
            p.barrier = [-1]
            self._error(f"MiniLean: #{kw.value} is not supported", tok.start, kw.end)
            return
        if tok.kind == "sym" and v == "@":
            raise ParseError("MiniLean: attributes are not supported", tok.start)
        if tok.kind != "ident":
            raise ParseError(p.unexpected(tok, "command"), tok.start)
        if v == "set_option":
            p.next()
            p.ident()
            val = p.next()
            if val.kind == "eof":
                raise ParseError("unexpected end of input; expected option value", val.start)
            if p.at("in"):
                p.next()
            return
        if v in ("open", "namespace", "section", "end", "universe", "variable"):
            if v == "variable":
                raise ParseError("MiniLean: `variable` is not supported", tok.start)
            p.next()
            names: list[str] = []
            while (
                p.peek().kind == "ident"
                and not p.at("in")
                and not (p.peek().first and p.peek().col == 0)
            ):
                names.append(p.next().value)
            if v == "open":
                # `open scoped X` brings in notation only; the names need plain `open`.
                opened = () if names[:1] == ["scoped"] else tuple(names)
                if p.at("in"):
                    p.next()
                    self._scoped_opens = opened
                else:
                    self._open(opened)
            return
        if v == "lemma" and not self.env.mathlib:
            raise ParseError("unexpected identifier; expected command", tok.start)
        if v in _DECL_KEYWORDS:
            self._declaration(tok)
            return
        if v in _COMMAND_KEYWORDS:
            raise ParseError(f"MiniLean: the `{v}` command is not supported", tok.start)
        raise ParseError(p.unexpected(tok, "command"), tok.start)

    def _open(self, namespaces: tuple[str, ...]) -> None:
        new = tuple(n for n in namespaces if n not in self.env.opens)
        if new:
            self.env = replace(self.env, opens=self.env.opens + new)
            self.result.env = self.env

    def _print_axioms(self, name: str, start: int, end: int) -> None:
        # `_root_.n` names the root-namespace constant n; Lean prints the resolved name
        # (Lean/Elab/Print.lean: printAxiomsOf on the constants the name resolves to).
        name = name.removeprefix("_root_.")
        info = self.env.decls.get(name)
        if info is None:
            self._error(f"unknown constant '{name}'", start, end)
            return
        if info.axioms:
            text = f"'{name}' depends on axioms: [{', '.join(_sort_axioms(info.axioms))}]"
        else:
            text = f"'{name}' does not depend on any axioms"
        self.result.messages.append(Msg("info", text, start, end))

    def _declaration(self, kw: Token) -> None:
        p = self.parser
        p.next()
        name_tok: Token | None = None
        if kw.value != "example":
            name_tok = p.ident()
        p.barrier = [0]
        try:
            binders = p.binders(allow_bare=False) if (p.at("(") or p.at("{") or p.at("[")) else []
            type_node: Node | None = None
            if p.at(":"):
                p.next()
                type_node = p.term()
            assign = p.expect(":=")
            by_tok = p.peek()
            if by_tok.kind == "ident" and by_tok.value == "by":
                p.next()
                seq = p.tactic_seq()
                proof: Node = Node(
                    "by", [seq], by_tok.start, seq.end if seq.args[0] else by_tok.end
                )
            else:
                proof = p.term()
            nxt = p.peek()
            if nxt.kind != "eof":
                raise ParseError(p.unexpected(nxt, "command"), nxt.start)
        finally:
            p.barrier = [-1]
        raw = p.toks[p.i]
        if raw.kind != "eof" and not (raw.first and raw.col == 0):
            raise ParseError(p.unexpected(raw, "command"), raw.start)
        del assign
        self._elaborate_decl(kw, name_tok, binders, type_node, proof)

    def _elaborate_decl(
        self,
        kw: Token,
        name_tok: Token | None,
        binders: list[Any],
        type_node: Node | None,
        proof: Node,
    ) -> None:
        name = name_tok.value if name_tok else None
        where = (name_tok.start, name_tok.end) if name_tok else (kw.start, kw.end)
        if name is not None and (name in self.env.decls or CORE_LEMMAS.get(name)):
            self._error(f"'{name}' has already been declared", where[0], where[1])
            return
        n_messages = len(self.result.messages)
        opens = self.env.opens + tuple(n for n in self._scoped_opens if n not in self.env.opens)
        self._scoped_opens = ()
        args = {**self.session_args, "mathlib": self.env.mathlib, "opens": opens}
        session = Session(tactics=TACTICS, source=self.text, **args)
        # The declaration itself is not in scope in its own proof.
        session.decls = self.env.decls
        goal = Goal((), TRUE)
        implicit_flags: list[bool] = []
        try:
            el = Elaborator(goal, session)
            for names, ty_node, implicit in binders:
                if ty_node is None:
                    raise LeanFailure("MiniLean: binders need a type", kw.start, kw.end)
                ty = el.type_(ty_node)
                for n in names:
                    goal, _ = goal.add(n, ty)
                    implicit_flags.append(bool(implicit))
                el = Elaborator(goal, session)
            if type_node is None:
                raise LeanFailure("MiniLean: declarations need a type", kw.start, kw.end)
            if type_node.kind == "ident" and type_node.args[0] in ("Nat", "Int", "ℕ", "ℤ"):
                target = el.type_(type_node)
            else:
                target = el.prop(type_node)
        except LeanFailure as exc:
            self._error(
                exc.message,
                exc.start if exc.start is not None else kw.start,
                exc.end if exc.end is not None else kw.end,
            )
            return
        root = goal.with_target(target)
        records: list[Any] | None = [] if self.record_tactics else None
        session.tactic_records = records
        if self.root_goals:
            start = proof.start
            self.result.sorries.append((SorryEvent(root, start, start), True))
        try:
            if proof.kind == "by":
                rest = session.run_seq(proof.args[0], [root])
                if rest:
                    self._error(unsolved_text(rest, session.mathlib), proof.start, proof.end)
                    session.synthetic_sorry = True
            elif target in (NAT, INT):
                el = Elaborator(root, session)
                if proof.kind == "sorry":
                    session.record_sorry(root, proof)
                else:
                    el.term(proof, "Nat" if target == NAT else "Int")
            else:
                Elaborator(root, session).proof(proof, target)
        except RecoverableElabError as exc:
            session.log_error(exc)
            session.synthetic_sorry = True
        except LeanFailure as exc:
            session.log_error(exc.at(proof.start, proof.end))
            session.synthetic_sorry = True
        for m in session.messages:
            start = m.start if m.start is not None else proof.start
            end = m.end if m.end is not None else proof.end
            self.result.messages.append(Msg(m.severity, m.text, start, end))
        for ev in session.sorries:
            self.result.sorries.append((ev, False))
        if records is not None:
            self.result.tactics.extend(TacticRecord(n, g, self.env.decls) for n, g in records)
        has_error = any(m.severity == "error" for m in self.result.messages[n_messages:])
        if session.uses_sorry and not has_error:
            self.result.messages.append(
                Msg("warning", "declaration uses `sorry`", where[0], where[1])
            )
        axioms = set(session.axioms)
        if session.uses_sorry or session.synthetic_sorry or has_error:
            axioms.add("sorryAx")
        if name is not None:
            decls = dict(self.env.decls)
            statement = (
                None if target in (NAT, INT) else _closed_statement(goal, implicit_flags, target)
            )
            decls[name] = DeclInfo(name, frozenset(axioms), statement)
            self.env = replace(self.env, decls=decls, imports_done=True)
            self.result.env = self.env


def _closed_statement(goal: Goal, implicit_flags: list[bool], target: Expr) -> Expr:
    """``∀ binders, target``: a declaration's statement as later commands see it."""
    statement = target
    for decl, implicit in zip(reversed(goal.ctx), reversed(implicit_flags), strict=True):
        body = abstract(lift(statement, 1, 0), ("fvar", decl.fid))
        statement = ("pi", Binder(decl.name, implicit), decl.type, body)
    return statement


__all__ = ["Environment", "CommandRunner", "CommandResult", "LineIndex", "DeclInfo", "PROP"]
