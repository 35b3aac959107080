"""One reading of a model's answer: fenced, bare, ``by ...`` or a full declaration.

Issue 9's bug 3: ``LeanProof-v0`` refused a markdown-fenced proof. The same answers are accepted
the same way by the proof env, ``lean-gym verify`` and :func:`lean_gym.read_proof` (what the
training rewards call), and the same bad ones are refused with the same reason.
"""

from __future__ import annotations

import json

import gymnasium as gym
import pytest

import lean_gym
from lean_gym.answers import ProofAnswer, read_proof
from lean_gym.cli import main
from lean_gym.data import load_theorems

THEOREM = next(t for t in load_theorems("smoke") if t.name == "smoke_and_intro")
DECLARATION = f"theorem {THEOREM.name} {THEOREM.statement} := by\n  exact ⟨hp, hq⟩"

ACCEPTED = {
    "bare": "exact ⟨hp, hq⟩",
    "fenced lean4": "```lean4\nconstructor\n· exact hp\n· exact hq\n```",
    "fenced with prose": "Here is the proof:\n\n```lean\nexact ⟨hp, hq⟩\n```\n\nIt pairs them.",
    "fence without language": "```\nexact ⟨hp, hq⟩\n```",
    "by block": "by\n  constructor\n  · exact hp\n  · exact hq",
    "indented block": "  constructor\n  · exact hp\n  · exact hq",
    "declaration": DECLARATION,
    "fenced declaration": f"```lean4\n{DECLARATION}\n```",
    "declaration after a comment": f"-- the proof\n{DECLARATION}",
}

REFUSED = {
    "other statement": (
        f"```lean\ntheorem {THEOREM.name} (p q : Prop) (hp : p) (hq : q) : q ∧ p := by\n"
        "  exact ⟨hq, hp⟩\n```",
        "statement_mismatch",
    ),
    "other name": (
        f"theorem cheat {THEOREM.statement} := by\n  exact ⟨hp, hq⟩",
        "statement_mismatch",
    ),
    "sorry in a fence": ("```lean\nsorry\n```", "sorry"),
    "an import before": (f"import Mathlib\n{DECLARATION}", "new_command"),
    "an axiom before": (f"axiom cheat : False\n{DECLARATION}", "new_command"),
    "empty fence": ("```lean\n```", "empty"),
}


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_read_proof_accepts(case) -> None:
    answer = read_proof(ACCEPTED[case], THEOREM)
    assert answer.ok, answer
    assert answer.proof.strip() and "```" not in answer.proof
    assert answer.fenced == ("```" in ACCEPTED[case])
    assert answer.declaration == ("theorem " in ACCEPTED[case])
    assert ProofAnswer.from_json(json.loads(json.dumps(answer.to_json()))) == answer


@pytest.mark.parametrize("case", list(REFUSED))
def test_read_proof_refuses(case) -> None:
    text, reason = REFUSED[case]
    answer = read_proof(text, THEOREM)
    assert not answer.ok and answer.rejection is not None
    assert answer.rejection.reason == reason, answer
    assert answer.proof == ""


def test_the_public_function_is_lean_gym_read_proof() -> None:
    assert lean_gym.read_proof is read_proof
    assert read_proof(42, THEOREM).rejection.reason == "not_text"  # type: ignore[arg-type,union-attr]


@pytest.fixture(scope="module")
def proof_env():
    env = gym.make("LeanProof-v0", dataset="smoke", backend="minilean")
    yield env
    env.close()


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_the_proof_env_accepts_the_same_answers(proof_env, case) -> None:
    proof_env.reset(options={"theorem": THEOREM.name})
    _, reward, terminated, _, info = proof_env.step(ACCEPTED[case])
    assert (reward, terminated) == (1.0, True), info["error"]


@pytest.mark.parametrize("case", list(REFUSED))
def test_the_proof_env_refuses_the_same_answers(proof_env, case) -> None:
    text, reason = REFUSED[case]
    proof_env.reset(options={"theorem": THEOREM.name})
    _, reward, _, _, info = proof_env.step(text)
    assert reward == 0.0
    assert info["error"]["kind"] == "rejected"
    assert info["error"]["message"].startswith(f"{reason}: "), info["error"]


@pytest.mark.parametrize("case", ["fenced with prose", "fenced declaration", "by block"])
def test_lean_gym_verify_accepts_the_same_answers(case, tmp_path, capsys) -> None:
    answer = tmp_path / "answer.md"
    answer.write_text(ACCEPTED[case], encoding="utf-8")
    argv = ["verify", "--dataset", "smoke", "--theorem", THEOREM.name, "--proof", str(answer)]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip() == f"{THEOREM.name}: accepted"
    assert main([*argv, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["verification"]["ok"] and result["answer"]["fenced"] == ("```" in ACCEPTED[case])


@pytest.mark.parametrize("case", ["sorry in a fence", "other statement"])
def test_lean_gym_verify_refuses_the_same_answers(case, capsys) -> None:
    text, reason = REFUSED[case]
    code = main(["verify", "--dataset", "smoke", "--theorem", THEOREM.name, "--proof", text])
    assert code == 1
    assert capsys.readouterr().out.startswith(f"{THEOREM.name}: rejected, {reason}: ")


def test_a_wrong_proof_is_rejected_by_lean_not_by_the_reading(capsys) -> None:
    code = main(["verify", "--dataset", "smoke", "--theorem", THEOREM.name,
                 "--proof", "```lean\nexact hp\n```"])  # fmt: skip
    assert code == 1 and "rejected, lean_error" in capsys.readouterr().out
