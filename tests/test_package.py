"""Package-level promises: registration without an import, no heavy imports, typing marker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import lean_gym


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_make_with_module_prefix_needs_no_import() -> None:
    proc = _run(
        "import sys, gymnasium as gym\n"
        "assert 'lean_gym' not in sys.modules\n"
        "env = gym.make('lean_gym:LeanSegment-v0', dataset='smoke', backend='minilean')\n"
        "obs, info = env.reset(seed=0)\n"
        "print('⊢' in obs, info['theorem'])\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("True smoke_")


def test_lean_gym_never_imports_torch_or_trainers() -> None:
    proc = _run(
        "import sys, gymnasium as gym, lean_gym\n"
        "from lean_gym.data import load_theorems\n"
        "from lean_gym.pipeline import RunArgs\n"
        "for env_id in lean_gym.ENV_IDS:\n"
        "    env = gym.make(env_id, dataset='smoke', backend='minilean')\n"
        "    env.reset(seed=0); env.step('intro h'); env.close()\n"
        "heavy = [m for m in ('torch', 'transformers', 'trl', 'vllm', 'leanclient', 'datasets')"
        " if m in sys.modules]\n"
        "print(heavy)\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_typed_marker_ships() -> None:
    assert (Path(lean_gym.__file__).parent / "py.typed").is_file()
