"""Statements, the fragment guard, disproofs, conjecturers and the screen (agents/conjecture.py)."""

from __future__ import annotations

import pickle

import pytest

from agents.conjecture import (
    MUTATIONS,
    Conjecture,
    ConjectureScreen,
    ModelConjecturer,
    Proposal,
    RuleConjecturer,
    ScreenConfig,
    conjecture_name,
    conjecture_prompt,
    conjecturer_rows,
    count_statuses,
    parse_conjecture,
    register_mutation,
)
from agents.disproof import Disproof, DisproofConfig, counterexamples, try_disprove
from agents.statements import (
    MiniLeanFragment,
    Statement,
    alpha_key,
    backend_label,
    fragment_for,
    is_minilean,
)
from lean_gym.backends import make_backend
from lean_gym.backends.minilean.backend import MiniLeanBackend
from lean_gym.errors import TheoremStartError
from lean_gym.types import LeanError, Theorem

# --------------------------------------------------------------------------- statements


def test_statement_parse_render_closure_and_alpha_key() -> None:
    text = "(a b : Nat) (h : a < b) : a + 1 ≤ b"
    parsed = Statement.parse(text)
    assert parsed.render() == text
    assert parsed.variables == [("a", "Nat"), ("b", "Nat")]
    assert parsed.hypotheses == [("h", "a < b")]
    assert parsed.closure() == "∀ (a b : Nat), (a < b) → (a + 1 ≤ b)"
    assert alpha_key(text) == alpha_key("(x y : Nat) (hxy : x < y) : x + 1 ≤ y")
    assert alpha_key(text) != alpha_key("(x y : Nat) (hxy : x < y) : y + 1 ≤ x")
    assert Statement.parse(": ∃ n : Nat, n + 3 = 5").names() == {"n"}
    for bad in ("a + b = c", "(a : Nat) a = a", "(a : Nat : a = a", ": "):
        with pytest.raises(ValueError):
            Statement.parse(bad)


def test_every_shipped_statement_parses_and_stays_in_the_fragment() -> None:
    from lean_gym.data.theorems import load_theorems

    guard = MiniLeanFragment()
    for name in ("smoke", "minilean-bench"):
        for theorem in load_theorems(name):
            assert Statement.parse(theorem.statement).render() == " ".join(
                theorem.statement.split()
            )
            assert guard.outside(theorem.statement) is None, theorem.statement


def test_the_guard_is_minileans_only() -> None:
    with MiniLeanBackend() as backend:
        assert is_minilean(backend) and backend_label(backend) == "minilean"
        assert isinstance(fragment_for(backend), MiniLeanFragment)
    subprocess = make_backend("minilean-subprocess")
    try:
        assert is_minilean(subprocess) and backend_label(subprocess) == "minilean"
    finally:
        subprocess.close()

    class RealLean:
        name = "repl"

    assert fragment_for(RealLean()) is None and backend_label(RealLean()) == "repl"
    guard = MiniLeanFragment().learn(["(a b : Nat) : Nat.gcd a b = Nat.gcd b a"])
    assert guard.outside("(a : Nat) : Nat.gcd a a = a") is None  # learned from a seed
    assert "Real.sqrt" in guard.outside("(x : Nat) : Real.sqrt x = x")
    assert "ℝ" in MiniLeanFragment().outside("(x : ℝ) : x = x")


# --------------------------------------------------------------------------- disproof


@pytest.mark.parametrize(
    ("statement", "method"),
    [
        ("(a b : Nat) (h : a < b) : a + 2 ≤ b", "small_instances"),
        ("(p q : Prop) (hp : p) : p ∧ q", "small_instances"),
        (": ∀ n : Nat, 2 ^ n > n + 1", "small_instances"),
        ("(a : Int) (h : a < 0) : a * a < 0", "small_instances"),
        ("(x : Nat) (h : x > 900) : x < 1000", "counterexample_search"),
        (": ∃ n : Nat, n + 7 = 5", "negation"),
        ("(n : Nat) (h : ∃ m : Nat, m + 2 = n) : n ≥ 3", "small_instances"),
        ("(k : Nat) (hk : 2 ≤ k) : ∃ n : Nat, k * n = 10", "small_instances"),
    ],
)
def test_false_statements_are_disproved_with_a_verified_negation(
    backend, statement: str, method: str
) -> None:
    theorem = Theorem("c", statement)
    disproof = try_disprove(backend, theorem)
    assert disproof is not None and disproof.confirmed and disproof.method == method
    negation = Theorem("c_neg", disproof.negation)
    assert backend.verify(negation, disproof.proof).ok
    assert Disproof.from_json(disproof.to_json()) == disproof


@pytest.mark.parametrize(
    "statement",
    [
        "(a b : Nat) (h : a < b) : a + 1 ≤ b",
        ": ∃ n : Nat, n + 3 = 5",
        "(p q : Prop) (h : p ∨ q) : q ∨ p",
        ": ∀ n : Nat, n - 3 + 3 ≥ n",
        "(x : Int) : x / 2 * 2 ≤ x",
    ],
)
def test_true_statements_are_not_disproved(backend, statement: str) -> None:
    assert try_disprove(backend, Theorem("c", statement)) is None


def test_the_evaluator_uses_leans_arithmetic() -> None:
    # Truncated subtraction: n - 3 + 3 = n fails at 0..2 only in Nat.
    found = next(counterexamples(Statement.parse("(n : Nat) : n - 3 + 3 = n")))
    assert found.definite and found.values["n"] in (0, 1, 2)
    assert next(counterexamples(Statement.parse("(n : Int) : n - 3 + 3 = n")), None) is None
    # Division by zero is 0 in Lean.
    assert next(counterexamples(Statement.parse("(n : Nat) : n / 0 = 0")), None) is None


# --------------------------------------------------------------------------- mutations


def test_rule_mutations_stay_in_the_seed_vocabulary(bench) -> None:
    seeds = bench[::6]
    proposals = RuleConjecturer(per_theorem=6, seed=1).propose(seeds)
    assert {p.rule for p in proposals} == set(MUTATIONS)
    guard = MiniLeanFragment().learn(t.statement for t in seeds)
    names = {t.name for t in seeds}
    for proposal in proposals:
        assert guard.outside(proposal.statement) is None, proposal
        assert set(proposal.parents) <= names
        Statement.parse(proposal.statement)
    again = RuleConjecturer(per_theorem=6, seed=1).propose(seeds)
    assert again == proposals  # seeded


def test_each_mutation_does_what_it_says() -> None:
    seed = Theorem("s", "(a b : Nat) (h : a < b) (h2 : a ≤ 7) : a + 1 ≤ b ∧ 3 < 4")
    by_rule: dict[str, list[str]] = {}
    for proposal in RuleConjecturer(per_theorem=100, per_rule=100).propose([seed]):
        by_rule.setdefault(proposal.rule, []).append(proposal.statement)
    assert "(a b : Nat) (h : a < b) (h2 : a ≤ 8) : a + 1 ≤ b ∧ 3 < 4" in by_rule["numerals"]
    assert (
        "(a b : Nat) (h : a < b) (h2 : a ≤ 7) (k : Nat) (hk : 3 ≤ k) : a + 1 ≤ b ∧ k < 4"
        in by_rule["generalize"]
    )
    assert "(a b : Nat) (h : a ≤ b) (h2 : a ≤ 7) : a + 1 ≤ b ∧ 3 < 4" in by_rule["weaken"]
    assert "(a b : Nat) (h2 : a ≤ 7) : a + 1 ≤ b ∧ 3 < 4" in by_rule["weaken"]
    assert "(a b : Nat) (h : a < b) (h2 : a < 7) : a + 1 ≤ b ∧ 3 < 4" in by_rule["strengthen"]
    pair = [Theorem("x", "(a : Nat) (h : a > 0) : a ≥ 1"), Theorem("y", "(a : Nat) : a + 0 = a")]
    conjoined = [p for p in RuleConjecturer(["conjoin"]).propose(pair)]
    assert conjoined[0].statement == "(a : Nat) (h : a > 0) (a2 : Nat) : (a ≥ 1) ∧ (a2 + 0 = a2)"
    assert conjoined[0].parents == ("x", "y")


# --------------------------------------------------------------------------- the screen


class _Recording(MiniLeanBackend):
    """MiniLean that remembers every statement it was asked to start."""

    def __init__(self) -> None:
        super().__init__()
        self.started: list[str] = []

    def start(self, theorem, timeout=None):
        self.started.append(theorem.statement)
        return super().start(theorem, timeout)


def test_a_mutation_that_leaves_the_fragment_is_dropped_not_sent() -> None:
    def to_reals(statement, rng, others):
        yield statement.render().replace("Nat", "ℝ"), "Nat -> ℝ"
        yield f"{statement.render()} ∧ Real.sqrt 4 = 2", "Real.sqrt"

    register_mutation("to_reals", to_reals)
    try:
        seed = Theorem("s", "(a b : Nat) (h : a < b) : a + 1 ≤ b")
        proposals = RuleConjecturer(["to_reals"]).propose([seed])
        assert len(proposals) == 2
        with _Recording() as backend:
            verdicts = ConjectureScreen(backend, [seed]).screen_all(proposals)
            assert backend.started == []
        assert [v.status for v in verdicts] == ["outside_fragment", "outside_fragment"]
        assert all(v.backend == "minilean" and v.lean_calls == 0 for v in verdicts)
        assert "fragment" in verdicts[0].reason
    finally:
        del MUTATIONS["to_reals"]


def test_without_minilean_the_backend_decides() -> None:
    class RealLeanStandIn:
        """A non-MiniLean backend that cannot state anything."""

        name = "repl"

        def __init__(self) -> None:
            self.started: list[str] = []

        def start(self, theorem, timeout=None):
            self.started.append(theorem.statement)
            raise TheoremStartError(theorem, LeanError("error", "unknown identifier 'ℝ'"))

    backend = RealLeanStandIn()
    proposal = Proposal("(x : ℝ) : x = x", ("s",), "model")
    verdict = ConjectureScreen(backend, []).screen(proposal)
    assert backend.started == ["(x : ℝ) : x = x"]
    assert verdict.status == "not_stated" and verdict.backend == "repl"


def test_the_screen_statuses(backend) -> None:
    seeds = [Theorem("s", "(a b : Nat) (h : a < b) : a + 1 ≤ b")]
    proposals = [
        Proposal("(x y : Nat) (h : x < y) : x + 1 ≤ y", ("s",), "model"),  # the seed, renamed
        Proposal("(a b : Nat) (h : a < b) : a + 2 ≤ b", ("s",), "numerals"),  # false
        Proposal("(a b : Nat) (h : a < b) : a ≤ b", ("s",), "model"),  # omega closes it
        Proposal("(a b : Nat) (h : a < b) : a ≤ b ∧ ¬b = 3", ("s",), "model"),  # false
        Proposal("(a : Nat) : a = a ∧ (9 : Int) = 9", ("s",), "model"),  # trivial
        Proposal("(p q : Prop) (h : p ∧ q) : q ∧ p", ("s",), "model"),
        Proposal("(p q : Prop) (h : p ∧ q) : q ∧ p", ("s",), "model"),  # again
        Proposal(": (5 : Int) = 5", ("s",), "model"),  # excluded below
        Proposal("a + b = c", ("s",), "model"),  # no binders, no colon
        Proposal("(f : Nat → Nat) : f 0 = f 0 ∧ foo", ("s",), "model"),
    ]
    screen = ConjectureScreen(backend, seeds, exclude=[": (5 : Int) = 5"])
    verdicts = screen.screen_all(proposals)
    assert [v.status for v in verdicts] == [
        "duplicate",
        "disproved",
        "trivial",
        "disproved",
        "trivial",
        "kept",
        "duplicate",
        "excluded",
        "unparsable",
        "outside_fragment",
    ]
    counts = count_statuses(verdicts)
    assert counts["kept"] == 1 and counts["disproved"] == 2 and sum(counts.values()) == 10
    kept = verdicts[5]
    assert kept.theorem.name == conjecture_name(kept.theorem.statement)
    assert kept.theorem.source == "conjecture" and kept.backend == "minilean"
    assert Conjecture.from_json(kept.to_json()) == kept
    assert Conjecture.from_json(verdicts[1].to_json()) == verdicts[1]
    assert pickle.loads(pickle.dumps(verdicts[1])) == verdicts[1]


@pytest.mark.slow
def test_no_kept_conjecture_is_disprovable_by_minilean(backend, bench) -> None:
    """The kept conjectures survive a harder disproof than the screen's, and a search for a
    proof of their negation with the scripted prover."""
    from agents.disproof import negation_theorem
    from agents.policies.scripted import ScriptedPolicy
    from agents.search import Budget, make_search

    seeds = bench[::12]
    proposals = RuleConjecturer(per_theorem=4, seed=3).propose(seeds)
    verdicts = ConjectureScreen(backend, seeds).screen_all(proposals)
    counts = count_statuses(verdicts)
    assert counts["kept"] >= 10 and counts["disproved"] >= 5
    harder = DisproofConfig(
        small_nat=6,
        small_int=5,
        max_instances=512,
        random_samples=300,
        witness_bound=20,
        seed=11,
        undecided_instances=3,
    )
    search = make_search("best-first")
    policy = ScriptedPolicy()
    for verdict in verdicts:
        if verdict.status == "disproved":  # a disproof is a proof of the negation: check it
            negation = Theorem("n", verdict.disproof.negation)
            assert backend.verify(negation, verdict.disproof.proof).ok
        if not verdict.kept:
            continue
        assert try_disprove(backend, verdict.theorem, harder) is None, verdict.theorem
        result = search.search(
            negation_theorem(verdict.theorem), backend, policy, Budget(expansions=20)
        )
        assert not (result.solved and backend.verify(
            negation_theorem(verdict.theorem), result.proof
        ).ok), verdict.theorem  # fmt: skip


def test_trivial_tactics_are_configurable(backend) -> None:
    proposal = Proposal("(a b : Nat) (h : a < b) : a ≤ b", ("s",), "model")
    strict = ConjectureScreen(backend, [], config=ScreenConfig(trivial_tactics=("rfl",)))
    assert strict.screen(proposal).status == "kept"


# --------------------------------------------------------------------------- the model


def test_model_conjecturer_with_a_generator_and_its_rows(backend) -> None:
    seeds = [
        Theorem("s1", "(a b : Nat) (h : a < b) : a + 1 ≤ b"),
        Theorem("s2", "(p q : Prop) (hp : p) : p ∨ q"),
    ]
    asked: list[tuple[list[str], int]] = []

    def generator(prompts, n):
        asked.append((prompts, n))
        return [
            [
                "theorem t (a b : Nat) (h : a + 1 < b) : a + 2 ≤ b := by omega",
                "",
                "(x : ℝ) : x = x",
            ],
            ["(p q : Prop) (hq : q) : p ∨ q\n(ignored : Prop) : p", "[CONJECTURE] junk", "  "],
        ]

    conjecturer = ModelConjecturer(generator, samples=3)
    proposals = conjecturer.propose(seeds)
    assert asked == [([conjecture_prompt(s) for s in seeds], 3)]
    assert [p.statement for p in proposals] == [
        "(a b : Nat) (h : a + 1 < b) : a + 2 ≤ b",
        "(x : ℝ) : x = x",
        "(p q : Prop) (hq : q) : p ∨ q",
    ]
    with _Recording() as recording:
        verdicts = ConjectureScreen(recording, seeds).screen_all(proposals)
        assert "(x : ℝ) : x = x" not in recording.started
    assert [v.status for v in verdicts] == ["trivial", "outside_fragment", "kept"]
    rows = conjecturer_rows(verdicts[2:], {s.name: s for s in seeds})
    assert rows == [
        {
            "prompt": conjecture_prompt(seeds[1]),
            "completion": "(p q : Prop) (hq : q) : p ∨ q",
            "theorem": verdicts[2].theorem.name,
            "parents": ["s2"],
            "rule": "model",
        }
    ]
    assert parse_conjecture("lemma foo : 1 = 1 := rfl") == ": 1 = 1"
    assert parse_conjecture("<|endoftext|>") is None
