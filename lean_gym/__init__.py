"""lean-gym: the Lean 4 theorem prover as Gymnasium environments.

Importing the package registers ``LeanStep-v0``, ``LeanSegment-v0`` and ``LeanProof-v0``;
``gym.make("lean_gym:LeanSegment-v0")`` imports it for you.
"""

from __future__ import annotations

from gymnasium.envs.registration import register, registry

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
    "ENV_IDS",
    "__version__",
]

ENV_IDS = {
    "LeanStep-v0": "lean_gym.envs.step:LeanStepEnv",
    "LeanSegment-v0": "lean_gym.envs.segment:LeanSegmentEnv",
    "LeanProof-v0": "lean_gym.envs.proof:LeanProofEnv",
}

for _env_id, _entry_point in ENV_IDS.items():
    if _env_id not in registry:
        register(id=_env_id, entry_point=_entry_point)
