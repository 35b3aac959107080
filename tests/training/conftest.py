"""Fixtures for the training tests: the tiny model, and a copy of it fine-tuned on the smoke set.

Both are built once per test session (seconds on CPU). The fine-tuned copy has seen the smoke
theorems' goal-change segments many times, so that the stages that sample from it (GRPO, the
value-guided search) get completions that MiniLean sometimes accepts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lean_gym.data.theorems import load_theorems


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread() -> None:
    """The tiny model trains many times faster on one thread on a busy machine."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("trl")
    from agents.models.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", seed=0)


@pytest.fixture(scope="session")
def smoke_sft_dir(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Path:
    """The tiny model after segment SFT on the smoke set (all of it, many epochs)."""
    from training.sft import main

    out = tmp_path_factory.mktemp("smoke-sft") / "model"
    code = main(
        [
            "--config",
            str(CONFIGS / "sft.yaml"),
            "--model_name_or_path",
            str(tiny_model_dir),
            "--output_dir",
            str(out),
            "--theorems",
            "smoke",
            "--theorems_split",
            "all",
            "--num_train_epochs",
            "40",
            "--per_device_train_batch_size",
            "16",
            "--learning_rate",
            "5e-3",
            "--logging_steps",
            "20",
            "--report_to",
            "none",
        ]
    )
    assert code == 0
    return out


CONFIGS = Path(__file__).resolve().parents[2] / "training" / "configs" / "cpu"


def smoke_theorem(name: str):
    for theorem in load_theorems("smoke"):
        if theorem.name == name:
            return theorem
    raise KeyError(name)


def theorem_json(theorem) -> str:
    return json.dumps(theorem.to_json(), ensure_ascii=False)
