"""One error vocabulary across the three envs and the backends behind them.

Messages are Lean's own text (the REPL's ``Lean error:`` wrapper is gone, its ``<input>:L:C``
position is the error's ``pos``); a refusal before Lean reads ``REASON: a sentence a person
understands``, never ``sorry: 'sorry' is sorry``.
"""

from __future__ import annotations

import re

import gymnasium as gym
import pytest
from integrity_corpus import ATTEMPTS

import lean_gym
from lean_gym.integrity import check_proof_text
from lean_gym.integrity_text import character_finding

BACKENDS = ["minilean", "minilean-subprocess"]
SENTENCE = re.compile(r"^(?P<reason>[\w:#@\[. ]+): (?P<sentence>\S+(?: \S+){3,})$", re.S)


@pytest.fixture(scope="module", params=BACKENDS)
def envs(request):
    made = {
        env_id: gym.make(env_id, dataset="smoke", backend=request.param)
        for env_id in lean_gym.ENV_IDS
    }
    yield made
    for env in made.values():
        env.close()


def _error(env, action: str) -> dict:
    env.reset(options={"theorem": "smoke_and_intro"})
    return dict(env.step(action)[4]["error"])


@pytest.mark.parametrize("action", ["intro (", "simp at *; ))", "exact foo", "omega"])
def test_lean_errors_are_leans_text_in_every_env(envs, action) -> None:
    for env_id, env in envs.items():
        error = _error(env, action)
        assert error["kind"] in ("parse", "error"), (env_id, error)
        assert not error["message"].startswith("Lean error"), (env_id, error)
        assert not error["message"].startswith("<input>"), (env_id, error)


def test_a_parse_error_keeps_its_position(envs) -> None:
    error = _error(envs["LeanStep-v0"], "intro (")
    assert error["kind"] == "parse" and error["pos"] is not None and error["pos"]["line"] == 1
    assert error["message"] and "<input>" not in error["message"]


@pytest.mark.parametrize(
    "action", ["sorry", "admit", "stop", "#eval 1", "open Lean", "\x07 rfl", " "]
)
def test_rejections_are_a_reason_and_a_sentence_in_every_env(envs, action) -> None:
    for env_id, env in envs.items():
        error = _error(env, action)
        assert error["kind"] == "rejected", (env_id, error)
        match = SENTENCE.match(error["message"])
        assert match, (env_id, error["message"])
        assert match["sentence"] != f"'{action}' is {match['reason']}", error["message"]


def test_every_text_rule_explains_itself_in_a_sentence() -> None:
    for attempt in ATTEMPTS:
        rejection = check_proof_text(attempt.proof, attempt.policy)
        if rejection is None:
            continue  # caught by the checker rules, not the text rules
        words = rejection.detail.split()
        assert len(words) >= 4, (attempt.id, rejection)
        assert rejection.detail != f"'{attempt.proof}' is {rejection.reason}", attempt.id
    for text in ("", "\x07", "a\u200bb"):
        finding = character_finding(text)
        assert finding is not None and len(finding.detail.split()) >= 4, finding
