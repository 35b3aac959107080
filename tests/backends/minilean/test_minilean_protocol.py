"""Answer shapes of the REPL protocol, checked against leanprover-community/repl's test suite."""

from __future__ import annotations

import time

from lean_gym.backends.minilean.repl_server import MiniLeanRepl


def test_command_with_sorry_matches_repl_test_suite(repl):
    out = repl.handle({"cmd": "theorem aa (x : Nat) (h1 : x  = 2) : x = 2 := by sorry"})
    assert out == {
        "sorries": [
            {
                "proofState": 0,
                "pos": {"line": 1, "column": 49},
                "goal": "x : Nat\nh1 : x = 2\n⊢ x = 2",
                "endPos": {"line": 1, "column": 54},
            }
        ],
        "messages": [
            {
                "severity": "warning",
                "pos": {"line": 1, "column": 8},
                "endPos": {"line": 1, "column": 10},
                "data": "declaration uses `sorry`",
            }
        ],
        "env": 0,
    }
    assert repl.handle({"tactic": "assumption", "proofState": 0}) == {
        "proofStatus": "Completed",
        "proofState": 1,
        "goals": [],
    }


def test_proof_branching_sequence(repl):
    repl.handle(
        {"cmd": "theorem complex_and (p q r : Prop) (h1 : p ∧ q) (h2 : q → r) : p ∧ r := by sorry"}
    )
    out = repl.handle({"tactic": "apply And.intro", "proofState": 0})
    assert out["proofStatus"] == "Incomplete: open goals remain"
    assert out["goals"][0].startswith("case left\n")
    assert repl.handle({"tactic": "exact h1.left", "proofState": 1})["proofState"] == 2
    assert repl.handle({"tactic": "apply h2", "proofState": 2})["goals"] == [
        "case right\np q r : Prop\nh1 : p ∧ q\nh2 : q → r\n⊢ q"
    ]
    assert repl.handle({"tactic": "exact h1.right", "proofState": 3})["proofStatus"] == "Completed"


def test_elaboration_error_is_inside_a_normal_answer(repl):
    repl.handle({"cmd": "theorem my_theorem (x : Nat) : x = x := by sorry"})
    out = repl.handle({"tactic": "exact my_fake_premise", "proofState": 0})
    assert out == {
        "proofStatus": "Incomplete: contains sorry",
        "proofState": 1,
        "messages": [
            {
                "severity": "error",
                "pos": {"line": 0, "column": 0},
                "endPos": {"line": 0, "column": 0},
                "data": "Unknown identifier `my_fake_premise`",
            }
        ],
        "goals": [],
    }


def test_bare_errors(repl):
    repl.handle({"cmd": "def f : Nat := by sorry"})
    assert repl.handle({"tactic": "exat 42", "proofState": 0}) == {
        "message": "Lean error:\n<input>:1:1: unknown tactic"
    }
    assert repl.handle({"tactic": "exact 42", "proofState": 7}) == {
        "message": "Unknown proof state."
    }
    assert repl.handle({"cmd": "def f : Nat := by sorry", "env": 5}) == {
        "message": "Unknown environment."
    }
    out = repl.handle({"tactic": "omega", "proofState": 0})
    assert out["message"].startswith("Lean error:\n")


def test_tactic_mode_sorry_and_status(repl):
    repl.handle({"cmd": "def f : Nat := by sorry"})
    assert repl.handle({"proofState": 0, "tactic": "sorry"}) == {
        "sorries": [{"proofState": 1, "goal": "⊢ Nat"}],
        "proofStatus": "Incomplete: contains sorry",
        "proofState": 2,
        "goals": [],
    }
    assert repl.handle({"tactic": "exact 42", "proofState": 0})["proofStatus"] == "Completed"


def test_have_by_sorry_command_and_tactic(repl):
    out = repl.handle({"cmd": "theorem foo (x : Int) : x = x := by\n  have h : x = 1 := by sorry"})
    assert out["messages"] == [
        {
            "severity": "error",
            "pos": {"line": 1, "column": 33},
            "endPos": {"line": 2, "column": 28},
            "data": "unsolved goals\nx : Int\nh : x = 1\n⊢ x = x",
        }
    ]
    assert out["sorries"][0]["goal"] == "x : Int\n⊢ x = 1"
    root = repl.handle({"cmd": "theorem foo (x : Int) : x = x := by sorry"})["sorries"][0][
        "proofState"
    ]
    out = repl.handle({"proofState": root, "tactic": "have h : x = 1 := by sorry"})
    assert out["goals"] == ["x : Int\nh : x = 1\n⊢ x = x"]
    assert out["sorries"] == [{"proofState": root + 1, "goal": "x : Int\n⊢ x = 1"}]


def test_no_goals_and_unfinished_block(repl):
    out = repl.handle({"cmd": "example : True := by\n  sorry\n  sorry"})
    assert out["messages"][0]["data"] == "No goals to be solved"
    assert out["messages"][0]["pos"] == {"line": 3, "column": 2}
    out = repl.handle({"cmd": "def f : Nat := by"})
    assert out["messages"][0]["data"] == "unsolved goals\n⊢ Nat"


def test_root_goals(repl):
    out = repl.handle(
        {
            "cmd": "example : 1=1 := by\n  skip\n  rfl\n\ntheorem bb : 1+1=2 := by rfl",
            "rootGoals": True,
        }
    )
    assert [s["goal"] for s in out["sorries"]] == ["⊢ 1 = 1", "⊢ 1 + 1 = 2"]
    assert out["sorries"][1]["pos"] == {"line": 5, "column": 22}
    assert "messages" not in out
    assert (
        repl.handle({"proofState": out["sorries"][1]["proofState"], "tactic": "rfl"})["proofStatus"]
        == "Completed"
    )


def test_all_tactics(repl):
    out = repl.handle(
        {
            "cmd": "theorem t (p q : Prop) (hp : p) (hq : q) : p ∧ q := by\n  constructor\n  exact hp\n  exact hq",
            "allTactics": True,
        }
    )
    tactics = out["tactics"]
    assert [t["tactic"] for t in tactics] == ["constructor", "exact hp", "exact hq"]
    assert tactics[1]["goals"].startswith("case left\n")
    assert set(tactics[0]) == {"tactic", "proofState", "pos", "goals", "endPos", "usedConstants"}
    resumed = repl.handle({"tactic": "exact hq", "proofState": tactics[2]["proofState"]})
    assert resumed["proofStatus"] == "Completed"


def test_print_axioms(repl):
    out = repl.handle({"cmd": "theorem a (p : Prop) (h : p) : p := h\n#print axioms a"})
    assert out["messages"][-1]["data"] == "'a' does not depend on any axioms"
    out = repl.handle({"cmd": "theorem b (p : Prop) : p := by sorry\n#print axioms b"})
    assert out["messages"][-1]["data"] == "'b' depends on axioms: [sorryAx]"
    out = repl.handle(
        {"cmd": "theorem c (n : Nat) (h : n > 2) : n ≥ 3 := by omega\n#print axioms c"}
    )
    assert out["messages"][-1]["data"] == "'c' depends on axioms: [propext]"


def test_imports_and_unknown_commands(repl):
    assert repl.handle({"cmd": "import Lean"}) == {"env": 0}
    out = repl.handle({"cmd": "import Foo"})
    assert "unknown module prefix" in out["messages"][0]["data"]
    out = repl.handle({"cmd": "import Mathlib", "env": 0})
    assert out["messages"][0]["severity"] == "error"
    out = repl.handle({"cmd": "lemma x : True := trivial"})
    assert out["messages"][0]["severity"] == "error"
    out = repl.handle({"cmd": "import Mathlib\nlemma x : True := trivial"})
    assert "messages" not in out


def test_discard_and_pickle_and_garbage(repl):
    repl.handle({"cmd": "def f : Nat := by sorry"})
    assert repl.handle({"discard": [0, 5]}) == {"discarded": 1}
    assert repl.handle({"tactic": "exact 1", "proofState": 0}) == {
        "message": "Unknown proof state."
    }
    assert "pickl" in repl.handle({"pickleTo": "a.olean", "env": 0})["message"]
    for bad in (None, 3, [], {"foo": 1}, {"cmd": 5}, {"tactic": 1, "proofState": "x"}):
        out = repl.handle(bad)
        assert set(out) == {"message"}


def test_timeout_field_cuts_sleep(repl):
    repl.handle({"cmd": "def f : Nat := by sorry"})
    t0 = time.monotonic()
    out = repl.handle({"tactic": "sleep 100000", "proofState": 0, "timeout": 0.2})
    assert time.monotonic() - t0 < 2.0
    assert out["message"].startswith("MiniLean: timeout")
    t0 = time.monotonic()
    out = repl.handle(
        {"tactic": "repeat sleep 10", "proofState": 0}, deadline=time.monotonic() + 0.2
    )
    assert time.monotonic() - t0 < 2.0
    assert "timeout" in out["message"]


def test_multi_line_tactic_block(repl):
    repl.handle({"cmd": "theorem t (p q : Prop) (hp : p) (hq : q) : p ∧ q := by sorry"})
    # As the REPL's runString: one tactic per request, the second line is left over.
    out = repl.handle({"tactic": "constructor\n· exact hp\n· exact hq", "proofState": 0})
    assert out == {"message": "Lean error:\n<input>:2:0: expected end of input"}
    out = repl.handle({"tactic": "· constructor\n  · exact hp\n  · exact hq", "proofState": 0})
    assert out["proofStatus"] == "Completed"


def test_ids_increase_per_process():
    a, b = MiniLeanRepl(), MiniLeanRepl()
    assert a.handle({"cmd": "example : True := trivial"})["env"] == 0
    assert a.handle({"cmd": "example : True := trivial"})["env"] == 1
    assert b.handle({"cmd": "example : True := trivial"})["env"] == 0
