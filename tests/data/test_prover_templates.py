"""The prover templates: exact prompts (as their sources write them), stop strings, parsing of
realistic answers, and round trips of completion -> parse for every registered template."""

from __future__ import annotations

import pytest

from lean_gym.data.templates import TEMPLATES, ChatTemplate, get_template
from lean_gym.types import Theorem

STATE = "p : Prop\nhp : p\n⊢ p ∧ p"
THEOREM = Theorem("w", "(p : Prop) (hp : p) : p ∧ p", header="import Mathlib")
BARE = Theorem("v", "(n : Nat) : n + 0 = n")
PLAN = (
    "Before producing the Lean 4 code to formally prove the given theorem, provide a detailed "
    "proof plan outlining the main proof steps and strategies.\nThe plan should highlight key "
    "ideas, intermediate lemmas, and proof structures that will guide the construction of the "
    "final formal proof."
)
TACTICS = [
    "intro h",
    "induction n with\n| zero => simp\n| succ k ih => omega",
    "· exact h.1",
    "constructor <;> simp",
]


def test_registry_holds_the_common_provers() -> None:
    expected = {
        "leandojo", "bfs-prover", "whole-proof", "internlm-step-prover", "deepseek-prover-v1.5",
        "deepseek-prover-v1.5-cot", "goedel-prover", "deepseek-prover-v2", "goedel-prover-v2",
        "kimina-prover",
    }  # fmt: skip
    assert expected <= set(TEMPLATES)
    for name, template in TEMPLATES.items():
        assert template.name == name
        assert get_template(name) is template


def test_granularities() -> None:
    proof = {"whole-proof", "deepseek-prover-v1.5", "deepseek-prover-v1.5-cot", "goedel-prover",
             "deepseek-prover-v2", "goedel-prover-v2", "kimina-prover"}  # fmt: skip
    for name, template in TEMPLATES.items():
        if name in proof:
            assert template.granularity == "proof", name
    assert get_template("internlm-step-prover").granularity == "step"
    assert get_template("leandojo").granularity is None  # step and segment models alike
    assert get_template("bfs-prover").granularity is None


def test_internlm_step_prover_prompt() -> None:
    template = get_template("internlm-step-prover")
    assert template.render(STATE, THEOREM, ("constructor", "exact hp")) == (
        "<|im_start|>user\n---\nNAME: w\n\n---\nPROOF_BEFORE: constructor\nexact hp\n\n"
        "---\nSTATE_BEFORE: p : Prop\nhp : p\n⊢ p ∧ p\n\n---\nTACTIC: <|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    assert "PROOF_BEFORE: \n\n" in template.render(STATE, THEOREM)
    assert template.stop == ("<|im_end|>",)
    assert template.parse("constructor<|im_end|>\n<|im_start|>user") == ["constructor"]
    assert template.messages(STATE, THEOREM) == [
        {"role": "user", "content": template.messages(STATE, THEOREM)[0]["content"]}
    ]
    with pytest.raises(ValueError, match="needs the theorem"):
        template.render(STATE)


def test_deepseek_prover_v15_prompts() -> None:
    plain = get_template("deepseek-prover-v1.5")
    assert plain.render(STATE, THEOREM, ("constructor",)) == (
        "Complete the following Lean 4 code:\n\n```lean4\nimport Mathlib\n\n"
        "theorem w (p : Prop) (hp : p) : p ∧ p := by\n  constructor\n"
    )
    assert plain.render(STATE, BARE) == (
        "Complete the following Lean 4 code:\n\n```lean4\ntheorem v (n : Nat) : n + 0 = n := by\n"
    )
    cot = get_template("deepseek-prover-v1.5-cot")
    assert cot.render(STATE, BARE).startswith(
        "Complete the following Lean 4 code with explanatory comments preceding each line of "
        "code:\n\n```lean4\ntheorem v"
    )
    assert get_template("goedel-prover").render(STATE, BARE) == plain.render(STATE, BARE)
    # The answer continues the file: cut at the closing fence; comments dropped.
    answer = (
        "  -- split the conjunction\n  constructor\n  -- both sides\n  all_goals exact hp\n```\n"
    )
    assert cot.parse(answer + "The proof is complete.") == ["constructor", "all_goals exact hp"]
    with pytest.raises(ValueError, match="needs the theorem"):
        plain.render(STATE)


def test_deepseek_prover_v2_prompt() -> None:
    template = get_template("deepseek-prover-v2")
    code = "import Mathlib\n\ntheorem w (p : Prop) (hp : p) : p ∧ p := by\n  sorry"
    content = f"Complete the following Lean 4 code:\n\n```lean4\n{code}\n```\n\n{PLAN}"
    assert template.messages(STATE, THEOREM) == [{"role": "user", "content": content}]
    assert template.render(STATE, THEOREM) == f"<｜User｜>{content}<｜Assistant｜>"
    with_prefix = template.messages(STATE, THEOREM, ("constructor",))[0]["content"]
    assert ":= by\n  constructor\n  sorry\n```" in with_prefix
    assert template.stop == ("<｜end▁of▁sentence｜>",)


def test_goedel_prover_v2_prompt() -> None:
    template = get_template("goedel-prover-v2")
    code = "theorem v (n : Nat) : n + 0 = n := by\n  sorry"
    content = f"Complete the following Lean 4 code:\n\n```lean4\n{code}```\n\n{PLAN}"
    assert template.render(STATE, BARE) == (
        f"<|im_start|>user\n{content}<|im_end|>\n<|im_start|>assistant\n"
    )


def test_kimina_prover_prompt() -> None:
    template = get_template("kimina-prover")
    assert template.messages(STATE, THEOREM) == [
        {"role": "system", "content": "You are an expert in mathematics and Lean 4."},
        {
            "role": "user",
            "content": "Think about and solve the following problem step by step in Lean 4.\n"
            "# Problem:\n# Formal statement:\n```lean4\nimport Mathlib\n\n"
            "theorem w (p : Prop) (hp : p) : p ∧ p := by\n```\n",
        },
    ]
    assert template.render(STATE, THEOREM).startswith(
        "<|im_start|>system\nYou are an expert in mathematics and Lean 4.<|im_end|>\n"
        "<|im_start|>user\nThink about"
    )
    assert template.render(STATE, THEOREM).endswith("<|im_end|>\n<|im_start|>assistant\n")


REASONING_ANSWER = (
    "<think>\nFirst try simp:\n```lean4\ntheorem w : p := by\n  simp\n```\nNo, split it.\n"
    "</think>\nThe proof:\n```lean4\nimport Mathlib\n\n"
    "theorem w (p : Prop) (hp : p) : p ∧ p := by\n  constructor\n  · exact hp\n  · exact hp\n"
    "```\nThis completes the proof.<|im_end|>"
)


@pytest.mark.parametrize("name", ["deepseek-prover-v2", "goedel-prover-v2", "kimina-prover"])
def test_reasoning_provers_answers_parse_to_the_final_proof(name: str) -> None:
    template = get_template(name)
    assert template.restates_proof
    assert template.parse(REASONING_ANSWER) == ["constructor", "· exact hp", "· exact hp"]
    # Restated from the root: the tactics already applied are dropped.
    assert template.tactics(REASONING_ANSWER, ("constructor",)) == ["· exact hp", "· exact hp"]
    # A restated proof that does not start with the prefix is proposed as it is.
    assert template.tactics(REASONING_ANSWER, ("intro h",)) == [
        "constructor",
        "· exact hp",
        "· exact hp",
    ]
    # Cut by the token limit inside the final block: what was written counts.
    cut = "Plan.\n```lean4\ntheorem w (p : Prop) (hp : p) : p ∧ p := by\n  constructor\n  · exa"
    assert template.parse(cut) == ["constructor", "· exa"]
    assert template.parse("I cannot prove this.") == ["I cannot prove this."]
    assert template.parse("") == []


def test_step_templates_never_strip_a_prefix() -> None:
    # A step prover proposing the tactic it applied before is proposing it again.
    for name in ("leandojo", "bfs-prover", "internlm-step-prover", "deepseek-prover-v1.5"):
        assert get_template(name).tactics("constructor", ("constructor",)) == ["constructor"]


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_completion_parse_round_trip(name: str) -> None:
    template = get_template(name)
    assert template.parse(template.completion(TACTICS)) == TACTICS
    assert template.tactics(template.completion(TACTICS[1:]), TACTICS[:1]) == TACTICS[1:]
    model_answer = template.completion(TACTICS) + (template.stop[0] if template.stop else "")
    assert template.parse(model_answer + "\ntrailing text") == TACTICS


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_renders_every_theorem(name: str) -> None:
    template = get_template(name)
    for theorem in (THEOREM, BARE):
        prompt = template.render(STATE, theorem, ("constructor",))
        assert isinstance(prompt, str) and prompt
        if isinstance(template, ChatTemplate):
            assert template.messages(STATE, theorem, ("constructor",))
        else:
            assert template.messages(STATE, theorem) is None
