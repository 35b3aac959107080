"""``lean-gym train``: dispatch on the config's stage, flag overrides, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lean_gym.cli import main as lean_gym
from tests.training.conftest import CONFIGS
from training.cli import STAGES
from training.config import ConfigError, parse_stage_args, read_stage_name

ROOT = Path(__file__).resolve().parents[2]


def one_line_error(capsys, argv) -> str:
    assert lean_gym(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    return err


def test_every_config_names_a_known_stage() -> None:
    configs = sorted((ROOT / "training" / "configs").rglob("*.yaml"))
    assert len(configs) >= 10
    for config in configs:
        assert read_stage_name(config) in STAGES, config


def test_every_config_parses_for_its_stage() -> None:
    pytest.importorskip("trl")
    from training.cli import parse_config

    for config in sorted((ROOT / "training" / "configs").rglob("*.yaml")):
        gpu_trainer = "gpu" in config.parts and read_stage_name(config) in {
            "sft",
            "grpo",
            "value",
            "dpo",
        }
        # The GPU configs ask for bf16; transformers refuses that at parse time on a machine
        # without CUDA unless use_cpu is set, which is all this test overrides.
        parsed = parse_config(str(config), ["--use_cpu", "true"] if gpu_trainer else [])
        assert parsed[0].stage == read_stage_name(config)


def test_missing_config(capsys) -> None:
    assert "not found" in one_line_error(capsys, ["train", "--config", "nope.yaml"])


def test_config_without_a_stage(tmp_path: Path, capsys) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("output_dir: x\n", encoding="utf-8")
    assert "names no stage" in one_line_error(capsys, ["train", "--config", str(path)])
    path.write_text("stage: sfft\n", encoding="utf-8")
    assert "unknown stage 'sfft'" in one_line_error(capsys, ["train", "--config", str(path)])
    path.write_text("stage: [sft\n", encoding="utf-8")
    assert "not valid YAML" in one_line_error(capsys, ["train", "--config", str(path)])


def test_unknown_field_and_bad_value(tmp_path: Path, capsys) -> None:
    pytest.importorskip("trl")
    path = tmp_path / "c.yaml"
    path.write_text("stage: sft\nuse_cpu: true\nbf16: false\nnum_epochs: 3\n", encoding="utf-8")
    assert "num_epochs" in one_line_error(capsys, ["train", "--config", str(path)])
    config = str(CONFIGS / "sft.yaml")
    err = one_line_error(capsys, ["train", "--config", config, "--", "--max_steps", "many"])
    assert "max_steps" in err
    err = one_line_error(capsys, ["train", "--config", config, "--", "--segmenter", "nope",
                                  "--output_dir", str(tmp_path / "o")])  # fmt: skip
    assert "segmenter" in err and not (tmp_path / "o" / "stage_result.json").exists()


def test_a_config_of_another_stage_is_refused() -> None:
    pytest.importorskip("trl")
    from trl import ModelConfig, SFTConfig

    from training.sft import SFTScriptArguments

    with pytest.raises(ConfigError, match="this is the sft script"):
        parse_stage_args((SFTScriptArguments, SFTConfig, ModelConfig),
                         ["--config", str(CONFIGS / "sft.yaml"), "--stage", "grpo"])  # fmt: skip


def test_gpu_flags_on_a_cpu_machine_are_one_line(tmp_path: Path, capsys) -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    err = one_line_error(capsys, ["train", "--config", str(CONFIGS / "sft.yaml"), "--",
                                  "--use_cpu", "false", "--bf16", "true"])  # fmt: skip
    assert "use_cpu" in err or "bf16" in err


def test_overrides_reach_the_stage(tmp_path: Path) -> None:
    pytest.importorskip("trl")
    from trl import ModelConfig, SFTConfig

    from training.sft import SFTScriptArguments

    script, training, model = parse_stage_args(
        (SFTScriptArguments, SFTConfig, ModelConfig),
        ["--config", str(CONFIGS / "sft.yaml"), "--segmenter", "step", "--max_steps", "3"],
    )
    assert script.segmenter == "step" and training.max_steps == 3
    assert script.stage == "sft" and training.use_cpu and not training.bf16
    assert model.model_name_or_path == "tiny"


def test_train_is_a_lean_gym_subcommand() -> None:
    proc = subprocess.run([sys.executable, "-m", "lean_gym.cli", "train", "--help"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)  # fmt: skip
    assert proc.returncode == 0 and "--config" in proc.stdout
