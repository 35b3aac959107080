"""Tests of lean_gym.integrity: no reward without a real proof of the stated theorem."""

from __future__ import annotations

import importlib.util
import json
import os
import threading
from pathlib import Path

import pytest
from integrity_corpus import (
    ACCEPTING,
    AND_SWAP,
    ATTEMPTS,
    FULL_DECLARATION_ATTEMPTS,
    FULL_DECLARATIONS_OK,
    HONEST_AND_SWAP,
    HONEST_STRING_MENTIONS,
    HONEST_WITH_MENTIONS,
    THEOREMS,
    TRUE_ARITH,
    Attempt,
    ScriptedBackend,
)

import lean_gym.integrity as integrity
from lean_gym.backends.base import BackendError
from lean_gym.integrity import (
    DEFAULT_COUNTER,
    IntegrityPolicy,
    Rejection,
    RejectionCounter,
    check_full_declaration,
    check_proof_text,
    judge,
    split_full_declaration,
    verify_proof,
)
from lean_gym.types import CheckOutput, LeanError, Message, Position, Theorem

DATASETS = Path(integrity.__file__).parent / "datasets"
CHEATS = [a for a in ATTEMPTS if a.cheats]


def _ids(attempts: list[Attempt]) -> list[str]:
    return [a.id for a in attempts]


# ---------------------------------------------------------------------------------------------
# Text rules over the corpus


def test_corpus_has_enough_distinct_attempts() -> None:
    assert len({a.id for a in ATTEMPTS}) == len(ATTEMPTS)
    assert len({(a.proof, a.theorem) for a in ATTEMPTS}) >= 40
    assert len({a.reason for a in ATTEMPTS}) >= 12


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=_ids(ATTEMPTS))
def test_text_rules_refuse_attempt_with_its_reason(attempt: Attempt) -> None:
    rejection = check_proof_text(attempt.proof, attempt.policy)
    assert isinstance(rejection, Rejection)
    assert rejection.reason == attempt.reason, rejection


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=_ids(ATTEMPTS))
def test_attempt_earns_nothing_and_never_reaches_lean(attempt: Attempt) -> None:
    backend = ScriptedBackend(ACCEPTING)  # would accept anything that reached it
    counter = RejectionCounter()
    theorem = THEOREMS[attempt.theorem]
    verdict = verify_proof(backend, theorem, attempt.proof, policy=attempt.policy, counter=counter)
    assert not verdict.ok
    assert verdict.reason == attempt.reason
    assert backend.checked == []
    assert counter.as_dict() == {attempt.reason: 1}


@pytest.mark.parametrize("proof", HONEST_WITH_MENTIONS + HONEST_STRING_MENTIONS)
def test_comments_and_strings_may_mention_forbidden_words(proof: str) -> None:
    assert check_proof_text(proof) is None
    backend = ScriptedBackend(ACCEPTING)
    verdict = verify_proof(backend, AND_SWAP, proof, counter=RejectionCounter())
    assert verdict.ok and verdict.reason is None
    assert backend.checked == [AND_SWAP.declaration(proof)]


@pytest.mark.parametrize(
    "proof",
    [
        "intro x y\nexact ⟨fun h => h.symm, fun h => h.symm⟩",
        "rcases h with ⟨x, hx⟩ | h\n· exact Or.inr ⟨x, hx⟩\n· exact Or.inl h",
        "intro α β f\nexact fun a => f a",
        "intro ε hε\nrefine ⟨ε / 2, by linarith, ?_⟩\nexact hε.le",
        "show ∀ n : ℕ, n ≥ 0 → ¬n < 0\nintro n _ h\nomega",
        "have h₁ : x ≤ y := le_of_lt h\nexact h₁ ▸ rfl",
        "simp [Set.compl_def] at hsᶜ ⊢",
        "rw [← Nat.add_comm, mul_inv_cancel₀ hx]",
        "exact (λ x => x) h",
        "calc a = b := by rw [h]\n  _ = c := h2",
        "cases h <;> simp_all",
        "open Nat in simp [succ_le]",
        "exact fun ⟨a, b⟩ => ⟨b, a⟩",
        "apply And.intro <;> assumption",
        "constructor\n· exact h.2\n· exact h.1",
        "induction n with\n| zero => simp\n| succ k ih => omega",
        "exact my_sorry_lemma",
        "exact not_sorry h",
        "exact sorry_free.admit_nothing",
        "decide",
        "exact (by decide : 2 + 2 = 4)",
        "nlinarith [sq_nonneg (a - b), sq_nonneg (a + b)]",
        "exact #[1, 2].size_pos",
        "intro x\r\nexact x",
    ],
)
def test_legitimate_lean_text_passes(proof: str) -> None:
    assert check_proof_text(proof) is None


@pytest.mark.parametrize(
    ("proof", "reason"),
    [
        ("exact h.sorry", "sorry"),
        ("exact Foo.admit", "admit"),
        ("exact Classical.sorryAx", "sorry"),
        ("exact Lean.ofReduceBool", "forbidden:Lean.ofReduceBool"),
        ("exact ofReduceBool", "forbidden:Lean.ofReduceBool"),
        ("simp [native_decide]", "native_decide"),
    ],
)
def test_forbidden_words_count_as_whole_identifier_components(proof: str, reason: str) -> None:
    rejection = check_proof_text(proof)
    assert rejection is not None and rejection.reason == reason


def test_first_offence_in_text_order_gives_reason_and_position() -> None:
    rejection = check_proof_text("intro h\n  exact h.2 <;> sorry\n#exit")
    assert rejection == Rejection(rejection.reason, rejection.detail, Position(2, 16))
    assert rejection.reason == "sorry"
    rejection = check_proof_text("intro h\n#exit\nsorry")
    assert rejection is not None and rejection.reason == "forbidden:#exit"
    assert rejection.pos == Position(2, 0)


def test_native_decide_allowed_by_policy() -> None:
    allow = IntegrityPolicy(allow_native_decide=True)
    assert check_proof_text("native_decide", allow) is None
    assert check_proof_text("decide +native", allow) is None
    with_native_axiom = CheckOutput(axioms=("propext", "Lean.ofReduceBool"))
    assert judge(TRUE_ARITH, with_native_axiom, allow).ok
    verdict = judge(TRUE_ARITH, with_native_axiom)
    assert verdict.reason == "axiom:Lean.ofReduceBool"
    # allowing native_decide does not allow sorry or other tricks
    assert check_proof_text("sorry", allow).reason == "sorry"  # type: ignore[union-attr]
    assert judge(TRUE_ARITH, CheckOutput(axioms=("sorryAx",)), allow).reason == "axiom:sorryAx"


def test_non_string_proof_is_rejected_not_raised() -> None:
    rejection = check_proof_text(None)  # type: ignore[arg-type]
    assert rejection is not None and rejection.reason == "empty"


# ---------------------------------------------------------------------------------------------
# Whole declarations (LeanProof-v0)


@pytest.mark.parametrize("attempt", FULL_DECLARATION_ATTEMPTS, ids=lambda a: a.id)
def test_full_declaration_attempt_is_refused(attempt) -> None:
    rejection = check_full_declaration(AND_SWAP, attempt.text)
    assert rejection is not None
    assert rejection.reason == attempt.reason, rejection


@pytest.mark.parametrize(("text", "proof"), FULL_DECLARATIONS_OK)
def test_full_declaration_with_dataset_statement_passes(text: str, proof: str) -> None:
    assert check_full_declaration(AND_SWAP, text) is None
    statement, got_proof = split_full_declaration(text)
    assert got_proof == proof
    assert statement.rstrip().endswith("q ∧ p")


def test_split_full_declaration_ignores_assignments_in_brackets() -> None:
    text = "theorem t (x : Nat := 1) (h : x = 1) : x = 1 := by\n  exact h"
    assert split_full_declaration(text) == (
        "theorem t (x : Nat := 1) (h : x = 1) : x = 1",
        "exact h",
    )
    with pytest.raises(ValueError):
        split_full_declaration("theorem t : True := trivial")
    with pytest.raises(ValueError):
        split_full_declaration("theorem t : True")


def test_full_declaration_keeps_first_line_column() -> None:
    # `by simp` then a less indented line: Lean ends the block after `simp`; so must we.
    text = "theorem and_swap (p q : Prop) (h : p ∧ q) : q ∧ p := by simp\n  exact h"
    _, proof = split_full_declaration(text)
    assert proof.split("\n")[1] == "exact h"
    rejection = check_full_declaration(AND_SWAP, text)
    assert rejection is not None and rejection.reason == "dedent"


# ---------------------------------------------------------------------------------------------
# Checker rules (judge) on scripted answers


def _msg(severity: str, data: str) -> Message:
    return Message(severity, data, Position(2, 2))


@pytest.mark.parametrize(
    ("check", "reason"),
    [
        (CheckOutput(error=LeanError("timeout", "timed out after 60 s")), "timeout"),
        (CheckOutput(error=LeanError("crash", "the REPL died")), "crash"),
        (CheckOutput(error=LeanError("parse", "<input>:1:1: unknown tactic")), "lean_error"),
        (CheckOutput(error=LeanError("error", "Unknown environment.")), "lean_error"),
        (CheckOutput((_msg("error", "unsolved goals\n⊢ q"),), ("propext",)), "lean_error"),
        (CheckOutput((_msg("warning", "declaration uses 'sorry'"),), ()), "sorry_warning"),
        (CheckOutput((_msg("warning", "declaration uses `sorry`"),), ()), "sorry_warning"),
        (CheckOutput((), ("propext", "sorryAx")), "axiom:sorryAx"),
        (CheckOutput((), ("sorryAx", "cheat")), "axiom:sorryAx"),
        (CheckOutput((), ("propext", "cheat")), "axiom:cheat"),
        (CheckOutput((), ("Lean.ofReduceBool",)), "axiom:Lean.ofReduceBool"),
        (CheckOutput((), ("Lean.trustCompiler",)), "axiom:Lean.trustCompiler"),
        (CheckOutput((), None), "axioms_unknown"),
        (
            CheckOutput((_msg("info", "'cheat' depends on axioms: [sorryAx]"),), ("propext",)),
            "new_command",
        ),
        (CheckOutput((_msg("info", "theorem cheat : False :=\nsorry"),), ()), "new_command"),
        (
            CheckOutput((_msg("info", "'other' does not depend on any axioms"),), ()),
            "new_command",
        ),
    ],
)
def test_judge_rejects_with_reason(check: CheckOutput, reason: str) -> None:
    verdict = judge(AND_SWAP, check)
    assert not verdict.ok
    assert verdict.reason == reason
    assert verdict.detail
    assert verdict.messages == check.messages


@pytest.mark.parametrize(
    "check",
    [
        CheckOutput((), ()),
        CheckOutput((), ("propext", "Classical.choice", "Quot.sound")),
        CheckOutput((_msg("info", "'and_swap' depends on axioms: [propext]"),), ("propext",)),
        CheckOutput((_msg("info", "Try this: exact ⟨h.2, h.1⟩"),), ()),
        CheckOutput((_msg("warning", "unused variable `x`"),), ()),
    ],
)
def test_judge_accepts_clean_answers(check: CheckOutput) -> None:
    verdict = judge(AND_SWAP, check)
    assert verdict.ok and verdict.reason is None
    assert verdict.axioms == tuple(check.axioms or ())


def test_axiom_check_can_be_made_optional() -> None:
    lax = IntegrityPolicy(require_axiom_check=False)
    assert judge(AND_SWAP, CheckOutput((), None), lax).ok
    warned = CheckOutput((_msg("warning", "declaration uses 'sorry'"),), None)
    assert judge(AND_SWAP, warned, lax).reason == "sorry_warning"


def test_custom_allowed_axioms() -> None:
    strict = IntegrityPolicy(allowed_axioms=frozenset({"propext"}))
    assert judge(AND_SWAP, CheckOutput((), ("Classical.choice",)), strict).reason == (
        "axiom:Classical.choice"
    )
    assert judge(AND_SWAP, CheckOutput((), ("propext",)), strict).ok


# ---------------------------------------------------------------------------------------------
# verify_proof and the counter


def test_verify_proof_checks_the_trusted_declaration() -> None:
    seen: list[tuple[str, float | None]] = []

    class Recording(ScriptedBackend):
        def check_declaration(self, theorem, text, timeout=None):  # type: ignore[no-untyped-def]
            seen.append((text, timeout))
            return ACCEPTING

    verdict = verify_proof(Recording(), AND_SWAP, "exact ⟨h.2, h.1⟩", timeout=7.5)
    assert verdict.ok
    assert seen == [(AND_SWAP.declaration("exact ⟨h.2, h.1⟩"), 7.5)]
    assert seen[0][0].startswith("theorem and_swap (p q : Prop) (h : p ∧ q) : q ∧ p := by\n  ")


def test_verify_proof_routes_checker_answer_through_judge() -> None:
    backend = ScriptedBackend(CheckOutput((_msg("warning", "declaration uses 'sorry'"),), ()))
    counter = RejectionCounter()
    verdict = backend.verify(AND_SWAP, HONEST_AND_SWAP)
    assert verdict.reason == "sorry_warning"
    verdict = verify_proof(backend, AND_SWAP, HONEST_AND_SWAP, counter=counter)
    assert verdict.reason == "sorry_warning"
    assert counter.as_dict() == {"sorry_warning": 1}
    assert len(backend.checked) == 2


def test_backend_error_is_a_crash_verdict() -> None:
    class Broken(ScriptedBackend):
        def check_declaration(self, theorem, text, timeout=None):  # type: ignore[no-untyped-def]
            raise BackendError("server gone")

    verdict = verify_proof(Broken(), AND_SWAP, HONEST_AND_SWAP, counter=RejectionCounter())
    assert not verdict.ok and verdict.reason == "crash" and "server gone" in verdict.detail


def test_default_counter_counts_rejections_only() -> None:
    before = DEFAULT_COUNTER.as_dict()
    backend = ScriptedBackend(ACCEPTING)
    assert backend.verify(AND_SWAP, HONEST_AND_SWAP).ok
    assert not backend.verify(AND_SWAP, "sorry").ok
    assert not backend.verify(AND_SWAP, "#exit").ok
    after = DEFAULT_COUNTER.as_dict()
    assert after.get("sorry", 0) == before.get("sorry", 0) + 1
    assert after.get("forbidden:#exit", 0) == before.get("forbidden:#exit", 0) + 1
    assert sum(after.values()) == sum(before.values()) + 2


def test_rejection_counter_is_thread_safe_and_resettable() -> None:
    counter = RejectionCounter()

    def work() -> None:
        for _ in range(2000):
            counter.record("sorry")
            counter.record("axiom:sorryAx")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counter.as_dict() == {"sorry": 16000, "axiom:sorryAx": 16000}
    assert counter.total() == 32000
    snapshot = counter.as_dict()
    snapshot["sorry"] = 0  # a copy, not the live counts
    assert counter.as_dict()["sorry"] == 16000
    counter.reset()
    assert counter.as_dict() == {} and counter.total() == 0


# ---------------------------------------------------------------------------------------------
# Shipped datasets: zero false rejections


def _shipped(name: str) -> list[Theorem]:
    path = DATASETS / f"{name}.jsonl"
    if not path.exists():
        pytest.fail(f"shipped dataset {path} is missing")
    theorems = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            theorem = Theorem.from_formal_statement(
                row["formal_statement"], name=row["name"], header=row.get("header", "")
            )
            if row.get("proof") is not None:
                theorem = Theorem(theorem.name, theorem.statement, theorem.header, row["proof"])
            theorems.append(theorem)
    return theorems


@pytest.mark.parametrize("dataset", ["smoke", "minilean-bench"])
def test_shipped_proofs_pass_text_rules(dataset: str) -> None:
    theorems = [t for t in _shipped(dataset) if t.proof is not None]
    assert theorems, f"{dataset} ships no proofs"
    rejected = {t.name: check_proof_text(t.proof or "") for t in theorems}
    assert {name: r for name, r in rejected.items() if r is not None} == {}


# ---------------------------------------------------------------------------------------------
# End to end through MiniLean


def _minilean_backend():  # type: ignore[no-untyped-def]
    """MiniLean's in-process backend; skips (saying why) only while its module does not exist."""
    if importlib.util.find_spec("lean_gym.backends.minilean.backend") is None:
        pytest.skip("MiniLean backend (lean_gym.backends.minilean.backend) is not written yet")
    from lean_gym.backends.minilean.backend import MiniLeanBackend

    return MiniLeanBackend()


@pytest.fixture(scope="module")
def minilean():  # type: ignore[no-untyped-def]
    backend = _minilean_backend()
    yield backend
    backend.close()


@pytest.mark.parametrize("dataset", ["smoke", "minilean-bench"])
def test_shipped_proofs_verify_on_minilean(minilean, dataset: str) -> None:  # type: ignore[no-untyped-def]
    theorems = [t for t in _shipped(dataset) if t.proof is not None]
    failures = {}
    for theorem in theorems:
        verdict = minilean.verify(theorem, theorem.proof or "")
        if not verdict.ok:
            failures[theorem.name] = (verdict.reason, verdict.detail[:200])
    assert failures == {}


@pytest.mark.parametrize("proof", [HONEST_AND_SWAP, *HONEST_WITH_MENTIONS])
def test_honest_proofs_with_mentions_verify_on_minilean(minilean, proof: str) -> None:  # type: ignore[no-untyped-def]
    verdict = minilean.verify(AND_SWAP, proof)
    assert verdict.ok, verdict


@pytest.fixture(scope="module", params=["minilean", "minilean-subprocess"])
def minilean_any(request):  # type: ignore[no-untyped-def]
    """MiniLean in process and behind the REPL client (the protocol-level answer)."""
    _minilean_backend().close()  # skips, saying why, while MiniLean is not written
    from lean_gym.backends import make_backend

    backend = make_backend(request.param)
    yield backend
    backend.close()


@pytest.mark.parametrize("attempt", CHEATS, ids=_ids(CHEATS))
def test_minilean_checker_also_refuses_cheats(minilean_any, attempt: Attempt) -> None:  # type: ignore[no-untyped-def]
    """With the text rules bypassed, the checker's own answer shows the problem."""
    theorem = THEOREMS[attempt.theorem]
    check = minilean_any.check_declaration(theorem, theorem.declaration(attempt.proof), 30.0)
    verdict = judge(theorem, check, attempt.policy)
    assert not verdict.ok, (attempt.id, check)
    # the problem is visible in Lean's own answer: an error, a sorry warning or a bad axiom
    assert verdict.reason in ("lean_error", "sorry_warning") or (verdict.reason or "").startswith(
        "axiom:"
    ), (attempt.id, verdict)
    if attempt.reason in ("sorry", "admit") and verdict.reason != "lean_error":
        assert verdict.reason in ("sorry_warning", "axiom:sorryAx")


def test_minilean_reports_sorry_like_lean(minilean) -> None:  # type: ignore[no-untyped-def]
    check = minilean.check_declaration(AND_SWAP, AND_SWAP.declaration("sorry"), 30.0)
    assert any("declaration uses" in m.data and "sorry" in m.data for m in check.messages)
    assert check.axioms is not None and "sorryAx" in check.axioms
    assert judge(AND_SWAP, check).reason == "sorry_warning"


# ---------------------------------------------------------------------------------------------
# The same agreement against real Lean, where it exists


@pytest.fixture(scope="module")
def real_lean():  # type: ignore[no-untyped-def]
    from lean_gym.backends.repl import ReplBackend

    with ReplBackend(project=os.environ["LEAN_GYM_PROJECT"]) as backend:
        yield backend


@pytest.mark.real_lean
@pytest.mark.parametrize("attempt", CHEATS, ids=_ids(CHEATS))
def test_real_lean_checker_also_refuses_cheats(real_lean, attempt: Attempt) -> None:  # type: ignore[no-untyped-def]
    theorem = THEOREMS[attempt.theorem]
    check = real_lean.check_declaration(theorem, theorem.declaration(attempt.proof), 120.0)
    assert not judge(theorem, check, attempt.policy).ok, (attempt.id, check)


@pytest.mark.real_lean
@pytest.mark.parametrize("proof", [HONEST_AND_SWAP, *HONEST_WITH_MENTIONS])
def test_real_lean_accepts_honest_proofs(real_lean, proof: str) -> None:  # type: ignore[no-untyped-def]
    verdict = real_lean.verify(AND_SWAP, proof)
    assert verdict.ok, verdict


def test_ascii_fast_paths_agree_with_the_general_scan() -> None:
    import unicodedata

    from lean_gym import integrity_unicode as U

    for code in range(128):
        ch = chr(code)
        text = f"ab{ch}c"
        slow = 2 if unicodedata.category(ch) in ("Cc", "Cs") and ch != "\n" else None
        if ch == "\r":
            assert U.control_char_at("ab\r\nc") is None
        assert U.control_char_at(text) == slow, repr(ch)
        assert U.invisible_char_at(text) is None
        assert U.foreign_letter_at(text) is None
        assert U.fold(text) == text
    assert U.foreign_letter_at("exact ı") == 6  # dotless i sits below U+0300


def test_control_regex_is_exactly_categories_cc_and_cs() -> None:
    import sys
    import unicodedata

    from lean_gym import integrity_unicode as U

    expected = {
        cp
        for cp in range(sys.maxunicode + 1)
        if unicodedata.category(chr(cp)) in ("Cc", "Cs") and cp != 0x0A  # a lone CR counts
    }
    found = {cp for cp in range(sys.maxunicode + 1) if U._CONTROL.match(chr(cp))}
    assert found == expected
    assert U.control_char_at("a\rb") == 1 and U.control_char_at("a\r\nb") is None
