"""lean-gym: the Lean 4 theorem prover as Gymnasium environments.

Importing the package registers ``LeanStep-v0``, ``LeanSegment-v0`` and ``LeanProof-v0``;
``gym.make("lean_gym:LeanSegment-v0")`` imports it for you. Each id is registered with its env
class's default ``max_episode_steps`` and the wrapper that hands a ``gym.make`` limit to the env
(:mod:`lean_gym.envs.step_limit`), so one limit holds wherever it is given.
"""

from __future__ import annotations

from typing import Any

from gymnasium.envs.registration import WrapperSpec, register, registry

from lean_gym.types import (
    CheckOutput,
    Goal,
    LeanError,
    Message,
    Outcome,
    Position,
    ProofState,
    Success,
    TacticResult,
    Theorem,
    TraceEntry,
    Verification,
)

__version__ = "0.1.0"

__all__ = [
    "CheckOutput",
    "Goal",
    "LeanError",
    "Message",
    "Outcome",
    "Position",
    "ProofState",
    "Success",
    "TacticResult",
    "Theorem",
    "TraceEntry",
    "Verification",
    "ProofAnswer",
    "read_proof",
    "ENV_IDS",
    "DEFAULT_MAX_EPISODE_STEPS",
    "__version__",
]

ENV_IDS = {
    "LeanStep-v0": "lean_gym.envs.step:LeanStepEnv",
    "LeanSegment-v0": "lean_gym.envs.segment:LeanSegmentEnv",
    "LeanProof-v0": "lean_gym.envs.proof:LeanProofEnv",
}

DEFAULT_MAX_EPISODE_STEPS: dict[str, int | None] = {
    "LeanStep-v0": 50,
    "LeanSegment-v0": 20,
    "LeanProof-v0": None,  # its one action ends the episode: no TimeLimit
}
"""Each id's registered ``max_episode_steps``: its env class's ``default_max_episode_steps``."""

# gym.make applies it after the TimeLimit: it hands the limit to the env (envs/step_limit.py).
_SHARED_STEP_LIMIT = WrapperSpec(
    name="SharedStepLimit", entry_point="lean_gym.envs.step_limit:SharedStepLimit", kwargs={}
)


def __getattr__(name: str) -> Any:
    # lean_gym.read_proof / lean_gym.ProofAnswer (lean_gym.answers), imported on first use so
    # that `import lean_gym` stays light and the answers module may import the package's parts.
    if name in ("read_proof", "ProofAnswer"):
        from lean_gym import answers

        return getattr(answers, name)
    raise AttributeError(f"module 'lean_gym' has no attribute {name!r}")


for _env_id, _entry_point in ENV_IDS.items():
    if _env_id not in registry:
        register(
            id=_env_id,
            entry_point=_entry_point,
            max_episode_steps=DEFAULT_MAX_EPISODE_STEPS[_env_id],
            additional_wrappers=(_SHARED_STEP_LIMIT,),
        )
