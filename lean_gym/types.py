"""Core value types shared by every backend, env, agent and training loop.

All result types are frozen dataclasses: they are values, safe to cache, hash (where their
fields allow) and send between processes. A :class:`ProofState` carries its tactic path from the
root, which is the recipe to rebuild it on any backend; its ``handle`` is only a cache.

Each type has one JSON codec, ``to_json()`` and the classmethod ``from_json(obj)``, used by the
env's info dict, the trajectory files and the command line alike: ``X.from_json(x.to_json())
== x`` for every value (a ``ProofState`` comes back without its handle).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

__all__ = [
    "Theorem",
    "Goal",
    "ProofState",
    "Position",
    "Message",
    "Success",
    "LeanError",
    "ErrorKind",
    "TacticResult",
    "Verification",
    "CheckOutput",
    "TraceEntry",
    "Outcome",
    "normalize_whitespace",
]

_WS = re.compile(r"\s+")


def normalize_whitespace(text: str) -> str:
    """Collapses every run of white space to one space and strips the ends."""
    return _WS.sub(" ", text).strip()


@dataclass(frozen=True)
class Theorem:
    """A theorem to prove.

    Attributes:
        name: The declaration name, e.g. ``"and_swap"``.
        statement: The text after the name: binders and type, e.g.
            ``"(p q : Prop) (h : p ∧ q) : q ∧ p"``.
        header: Lines that must precede the theorem (imports, opens), e.g. ``"import Mathlib"``.
        proof: A known proof (the tactic block after ``:= by``), if any.
        source: Where the theorem came from (dataset name, file, URL).
        difficulty: An optional difficulty tag from the dataset.
        family: The template family the theorem was made from, when the dataset records one
            (minilean-bench does): theorems of one family differ only by names, constants or
            proof style, so a train/test split must keep a family on one side
            (:mod:`lean_gym.data.splits`).
    """

    name: str
    statement: str
    header: str = ""
    proof: str | None = None
    source: str = ""
    difficulty: str | None = None
    family: str | None = None

    @property
    def formal_statement(self) -> str:
        """The declaration up to and including ``:= by``."""
        return f"theorem {self.name} {self.statement} := by"

    def declaration(self, proof: str) -> str:
        """The full declaration text with ``proof`` as its tactic block.

        Every line of the proof is indented by two spaces so that it stays inside the ``by``
        block; whether the text tries to leave the block is the integrity checker's business.
        """
        lines = proof.split("\n")
        body = "\n".join(("  " + line) if line.strip() else "" for line in lines)
        return f"{self.formal_statement}\n{body}"

    @classmethod
    def from_formal_statement(
        cls,
        formal_statement: str,
        *,
        name: str | None = None,
        header: str = "",
        proof: str | None = None,
        source: str = "",
        difficulty: str | None = None,
        family: str | None = None,
    ) -> Theorem:
        """Parses a miniF2F-style ``formal_statement`` (``theorem NAME BINDERS : TYPE := by``).

        Raises:
            ValueError: If the text is not a ``theorem``/``lemma``/``example`` declaration.
        """
        text = formal_statement.strip()
        m = re.match(r"^(?:@\[[^\]]*\]\s*)?(theorem|lemma|example)\b\s*", text)
        if not m:
            raise ValueError(
                f"formal_statement must start with 'theorem', 'lemma' or 'example': {text[:80]!r}"
            )
        rest = text[m.end() :]
        if m.group(1) != "example":
            parts = rest.split(None, 1)
            if len(parts) < 2:
                raise ValueError(f"formal_statement has no statement after the name: {text[:80]!r}")
            decl_name, rest = parts
        else:
            decl_name = name or "example"
        # Drop the proof part: ':= by ...' / ':= by sorry' / ':= sorry' / ':='.
        m2 = re.search(r":=\s*(by\b[\s\S]*|sorry\s*)?$", rest)
        if m2 is None:
            raise ValueError(f"formal_statement has no ':=': {text[:80]!r}")
        statement = rest[: m2.start()].strip()
        if not statement:
            raise ValueError(f"formal_statement has an empty statement: {text[:80]!r}")
        tail = (m2.group(1) or "").strip()
        if proof is None and tail.startswith("by"):
            inline = tail[2:].strip()
            if inline and inline != "sorry":
                proof = inline
        return cls(
            name=name or decl_name,
            statement=statement,
            header=header,
            proof=proof,
            source=source,
            difficulty=difficulty,
            family=family,
        )

    def to_json(self) -> dict[str, Any]:
        """The theorem as JSON; also a valid miniF2F-style dataset row for ``load_theorems``."""
        return {
            "name": self.name,
            "statement": self.statement,
            "header": self.header,
            "formal_statement": self.formal_statement,
            "proof": self.proof,
            "source": self.source,
            "difficulty": self.difficulty,
            "family": self.family,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Theorem:
        """Reads :meth:`to_json`'s form; without ``statement``, parses ``formal_statement``."""
        if obj.get("statement") is not None:
            return cls(
                name=str(obj["name"]),
                statement=str(obj["statement"]),
                header=str(obj.get("header") or ""),
                proof=obj.get("proof"),
                source=str(obj.get("source") or ""),
                difficulty=obj.get("difficulty"),
                family=obj.get("family"),
            )
        return cls.from_formal_statement(
            str(obj["formal_statement"]),
            name=obj.get("name"),
            header=str(obj.get("header") or ""),
            proof=obj.get("proof"),
            source=str(obj.get("source") or ""),
            difficulty=obj.get("difficulty"),
            family=obj.get("family"),
        )


@dataclass(frozen=True)
class Goal:
    """One open goal, as Lean prints it.

    Attributes:
        hypotheses: The context lines as printed, in order, e.g. ``("x y : Nat", "h : x = y")``.
            A line may contain newlines when Lean wraps a long type.
        target: The type after ``⊢``.
        case: The goal's tag (``left``, ``succ``, ...) or None.
    """

    hypotheses: tuple[str, ...]
    target: str
    case: str | None = None

    def pp(self) -> str:
        """Prints the goal exactly as Lean does."""
        lines: list[str] = []
        if self.case:
            lines.append(f"case {self.case}")
        lines.extend(self.hypotheses)
        lines.append(f"⊢ {self.target}")
        return "\n".join(lines)

    @classmethod
    def parse(cls, text: str) -> Goal:
        """Parses a goal printed by Lean (a REPL ``goals`` entry or a sorry's ``goal``)."""
        lines = text.split("\n")
        case: str | None = None
        if lines and lines[0].startswith("case "):
            case = lines[0][5:].strip()
            lines = lines[1:]
        hyps: list[str] = []
        target_lines: list[str] | None = None
        for line in lines:
            if target_lines is not None:
                target_lines.append(line)
            elif line.startswith("⊢"):
                target_lines = [line[1:].lstrip(" ")]
            elif line.startswith((" ", "\t")) and hyps:
                hyps[-1] = hyps[-1] + "\n" + line
            elif line.strip():
                hyps.append(line)
        if target_lines is None:
            raise ValueError(f"not a Lean goal (no '⊢'): {text[:120]!r}")
        return cls(hypotheses=tuple(hyps), target="\n".join(target_lines), case=case)

    def hypothesis_names(self) -> tuple[str, ...]:
        """Names bound in the context, in order (``x y : Nat`` gives ``x`` and ``y``)."""
        names: list[str] = []
        for hyp in self.hypotheses:
            head = hyp.split(" : ", 1)[0]
            names.extend(head.split())
        return tuple(names)

    def to_json(self) -> dict[str, Any]:
        return {"hypotheses": list(self.hypotheses), "target": self.target, "case": self.case}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Goal:
        return cls(
            hypotheses=tuple(str(h) for h in obj.get("hypotheses", ())),
            target=str(obj["target"]),
            case=obj.get("case"),
        )


@dataclass(frozen=True)
class ProofState:
    """A node of a proof search: the open goals of a theorem after a tactic path.

    Attributes:
        theorem: The theorem being proved.
        goals: The open goals, main goal first. Empty when the proof is complete.
        tactics: The tactics applied from the root, in order: the recipe that rebuilds this
            state on any backend.
        handle: The backend's id for this state (a cache, not identity). It is dropped when the
            state is pickled, and a backend that does not recognise it rebuilds the state by
            replaying ``tactics``.
    """

    theorem: Theorem
    goals: tuple[Goal, ...]
    tactics: tuple[str, ...] = ()
    handle: Any = field(default=None, compare=False, hash=False, repr=False)

    @property
    def is_solved(self) -> bool:
        """True when no goal is left."""
        return not self.goals

    @property
    def num_goals(self) -> int:
        return len(self.goals)

    def pp(self) -> str:
        """The observation text: goals separated by a blank line, ``no goals`` when solved."""
        if not self.goals:
            return "no goals"
        return "\n\n".join(goal.pp() for goal in self.goals)

    def key(self) -> str:
        """The normalized goals text used to deduplicate states in search.

        Case tags are dropped and white space is folded: two states whose goals print the same
        apart from tags need the same proof.
        """
        if not self.goals:
            return "no goals"
        parts = []
        for goal in self.goals:
            parts.append(normalize_whitespace(Goal(goal.hypotheses, goal.target).pp()))
        return "\n\n".join(parts)

    def with_handle(self, handle: Any) -> ProofState:
        return replace(self, handle=handle)

    def to_json(self) -> dict[str, Any]:
        """The state without its handle (a backend rebuilds it from ``tactics``)."""
        return {
            "theorem": self.theorem.to_json(),
            "goals": [goal.to_json() for goal in self.goals],
            "tactics": list(self.tactics),
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> ProofState:
        return cls(
            theorem=Theorem.from_json(obj["theorem"]),
            goals=tuple(Goal.from_json(goal) for goal in obj.get("goals", ())),
            tactics=tuple(str(t) for t in obj.get("tactics", ())),
        )

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["handle"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


@dataclass(frozen=True)
class Position:
    """A source position as Lean reports it: 1-based line, 0-based column."""

    line: int
    column: int

    @classmethod
    def from_json(cls, obj: Any) -> Position | None:
        """``{"line", "column"}`` as a Position; None for anything else (Lean omits positions)."""
        if not isinstance(obj, Mapping):
            return None
        try:
            return cls(int(obj["line"]), int(obj["column"]))
        except (KeyError, TypeError, ValueError):
            return None

    def to_json(self) -> dict[str, int]:
        return {"line": self.line, "column": self.column}


@dataclass(frozen=True)
class Message:
    """A Lean message: ``severity`` is ``trace``, ``info``, ``warning`` or ``error``."""

    severity: str
    data: str
    pos: Position | None = None
    end_pos: Position | None = None

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Message:
        """Reads a REPL message (``{"severity", "pos", "endPos", "data"}``)."""
        return cls(
            severity=str(obj.get("severity", "error")),
            data=str(obj.get("data", "")),
            pos=Position.from_json(obj.get("pos")),
            end_pos=Position.from_json(obj.get("endPos")),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"severity": self.severity}
        if self.pos is not None:
            out["pos"] = self.pos.to_json()
        if self.end_pos is not None:
            out["endPos"] = self.end_pos.to_json()
        out["data"] = self.data
        return out


ErrorKind = Literal["error", "parse", "timeout", "crash", "rejected"]


@dataclass(frozen=True)
class Success:
    """A tactic ran: ``state`` is the new proof state; ``messages`` are Lean's non-error output."""

    state: ProofState
    messages: tuple[Message, ...] = ()

    ok: bool = field(default=True, init=False, repr=False)


@dataclass(frozen=True)
class LeanError:
    """A failed step, as a value.

    Attributes:
        kind: ``error`` (Lean reported an error), ``parse`` (the text does not parse),
            ``timeout`` (the call hit its time limit), ``crash`` (the Lean process died and the
            state could not be rebuilt), ``rejected`` (refused before reaching Lean, e.g. by the
            integrity rules).
        message: The error text, in Lean's wording where Lean produced it.
        pos: Where the error is, if known.
    """

    kind: ErrorKind
    message: str
    pos: Position | None = None

    ok: bool = field(default=False, init=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """``{"kind", "message", "pos"}`` (pos: ``{"line", "column"}`` or None)."""
        pos = None if self.pos is None else self.pos.to_json()
        return {"kind": self.kind, "message": self.message, "pos": pos}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> LeanError:
        return cls(
            kind=str(obj.get("kind", "error")),  # type: ignore[arg-type]
            message=str(obj.get("message", "")),
            pos=Position.from_json(obj.get("pos")),
        )


TacticResult = Success | LeanError


@dataclass(frozen=True)
class Verification:
    """The verdict on a whole proof.

    Attributes:
        ok: True only when the proof is accepted by the checker and by the integrity rules.
        messages: Lean's messages for the checked declaration.
        axioms: The axioms the declaration depends on (from ``#print axioms``).
        reason: None when ``ok``; otherwise a machine-readable reason such as ``lean_error``,
            ``sorry``, ``forbidden:native_decide``, ``axiom:sorryAx``, ``statement_mismatch``,
            ``timeout`` or ``crash``.
        detail: A human-readable explanation of the reason.
    """

    ok: bool
    messages: tuple[Message, ...] = ()
    axioms: tuple[str, ...] = ()
    reason: str | None = None
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        """``{"ok", "reason", "detail", "axioms", "messages"}``."""
        return {
            "ok": self.ok,
            "reason": self.reason,
            "detail": self.detail,
            "axioms": list(self.axioms),
            "messages": [message.to_json() for message in self.messages],
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Verification:
        """Reads :meth:`to_json`'s form (a stored verdict: it proves nothing by itself)."""
        return cls(
            bool(obj["ok"]),
            messages=tuple(Message.from_json(m) for m in obj.get("messages") or ()),
            axioms=tuple(str(a) for a in obj.get("axioms") or ()),
            reason=obj.get("reason"),
            detail=str(obj.get("detail") or ""),
        )


@dataclass(frozen=True)
class CheckOutput:
    """A backend's raw answer to checking one declaration, before the integrity rules judge it.

    Attributes:
        messages: Lean's messages for the declaration command.
        axioms: The axioms reported by ``#print axioms NAME``, or None if that did not run.
        error: A failure of the call itself (timeout, crash, protocol error), else None.
    """

    messages: tuple[Message, ...] = ()
    axioms: tuple[str, ...] | None = None
    error: LeanError | None = None


@dataclass(frozen=True)
class TraceEntry:
    """One tactic an action ran, in order.

    Attributes:
        tactic: The tactic text.
        error: Its failure, or None when it ran.
        num_goals: Open goals after the tactic, or before it when it failed.
    """

    tactic: str
    error: LeanError | None
    num_goals: int

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        """``{"tactic", "ok", "error", "num_goals"}`` (the form of ``info["trace"]`` entries)."""
        return {
            "tactic": self.tactic,
            "ok": self.error is None,
            "error": None if self.error is None else self.error.to_json(),
            "num_goals": self.num_goals,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> TraceEntry:
        error = obj.get("error")
        return cls(
            tactic=str(obj["tactic"]),
            error=None if error is None else LeanError.from_json(error),
            num_goals=int(obj["num_goals"]),
        )


@dataclass(frozen=True)
class Outcome:
    """What one env action did: what ``step`` applies and ``expand`` returns.

    Attributes:
        result: ``Success(final state)`` or the first failure.
        state: The state the env is in afterwards: the final state on success; on failure the
            state before the action, or the end of the valid prefix where the env keeps it
            (``LeanSegment-v0`` with ``partial=True``, ``LeanProof-v0``'s state at the error).
        states: Every state reached by a successful tactic of the action, in order (a step:
            the final state or nothing; a segment: each intermediate state, the final one last;
            a failed segment: the states of its valid prefix).
        trace: The tactics the action ran, one entry each (empty when it was refused before
            Lean).
        verification: The verdict on the whole proof when the action was a whole check
            (``LeanProof-v0``); None otherwise (``expand`` of a step or segment never verifies).
        lean_calls: Lean calls the action made.
    """

    result: TacticResult
    state: ProofState
    states: tuple[ProofState, ...] = ()
    trace: tuple[TraceEntry, ...] = ()
    verification: Verification | None = None
    lean_calls: int = 0

    @property
    def error(self) -> LeanError | None:
        """The failure, or None when the action ran."""
        return None if isinstance(self.result, Success) else self.result

    @property
    def ok(self) -> bool:
        """True when the action ran (a complete proof also needs ``verification``)."""
        return isinstance(self.result, Success)

    @property
    def failed_tactic_index(self) -> int:
        """The index in ``trace`` of the failing tactic, -1 when none failed."""
        for index, entry in enumerate(self.trace):
            if entry.error is not None:
                return index
        return -1

    def to_json(self) -> dict[str, Any]:
        """The outcome without state handles; ``messages`` are the success's Lean messages."""
        messages = self.result.messages if isinstance(self.result, Success) else ()
        return {
            "ok": self.ok,
            "error": None if self.error is None else self.error.to_json(),
            "messages": [message.to_json() for message in messages],
            "state": self.state.to_json(),
            "states": [state.to_json() for state in self.states],
            "trace": [entry.to_json() for entry in self.trace],
            "verification": None if self.verification is None else self.verification.to_json(),
            "lean_calls": self.lean_calls,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Outcome:
        state = ProofState.from_json(obj["state"])
        error = obj.get("error")
        result: TacticResult
        if error is None:
            messages = tuple(Message.from_json(m) for m in obj.get("messages") or ())
            result = Success(state, messages)
        else:
            result = LeanError.from_json(error)
        verification = obj.get("verification")
        return cls(
            result=result,
            state=state,
            states=tuple(ProofState.from_json(s) for s in obj.get("states") or ()),
            trace=tuple(TraceEntry.from_json(t) for t in obj.get("trace") or ()),
            verification=None if verification is None else Verification.from_json(verification),
            lean_calls=int(obj.get("lean_calls", 0)),
        )
