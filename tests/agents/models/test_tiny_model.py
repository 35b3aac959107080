"""The tiny model: loads offline with the Auto classes, has the promised shape and tokens,
is byte-identical for a seed, is reused, and never overwrites a foreign directory."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from agents.models import tiny  # noqa: E402
from agents.models.tiny import build_tiny_model  # noqa: E402


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "seed0", seed=0)


def test_loads_offline_with_the_auto_classes(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    tokenizer = transformers.AutoTokenizer.from_pretrained(built)
    model = transformers.AutoModelForCausalLM.from_pretrained(built)
    config = model.config
    assert config.model_type == "qwen2"
    assert (config.num_hidden_layers, config.hidden_size) == (2, 64)
    assert config.vocab_size == len(tokenizer) <= 2048
    assert tokenizer.pad_token == "<|pad|>" and tokenizer.eos_token == "<|endoftext|>"
    assert tokenizer.pad_token_id != tokenizer.eos_token_id
    im_end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    assert set(model.generation_config.eos_token_id) == {tokenizer.eos_token_id, im_end}
    chat = tokenizer.apply_chat_template(
        [{"role": "user", "content": "⊢ p"}], tokenize=False, add_generation_prompt=True
    )
    assert chat == "<|im_start|>user\n⊢ p<|im_end|>\n<|im_start|>assistant\n"
    # Trained on lean-gym's text: Lean's symbols and the template markers are single tokens.
    for piece in ("⊢", "∧", "ℕ", "[GOAL]", "[PROOFSTEP]"):
        ids = tokenizer(piece, add_special_tokens=False)["input_ids"]
        assert len(ids) <= 3, (piece, ids)
    for symbol in ("⊢", " ∧", " →", " ℕ", " ↔"):
        assert len(tokenizer(symbol, add_special_tokens=False)["input_ids"]) == 1, symbol
    text = "theorem t (a b : Nat) : a + b = b + a := by\n  omega"
    assert tokenizer.decode(tokenizer(text)["input_ids"]) == text


def test_deterministic_per_seed_and_reused(built: Path, tmp_path: Path) -> None:
    again = build_tiny_model(tmp_path / "again", seed=0)
    assert digest(again) == digest(built)
    other = build_tiny_model(tmp_path / "other", seed=1)
    assert digest(other)["tokenizer.json"] == digest(built)["tokenizer.json"]
    assert digest(other)["model.safetensors"] != digest(built)["model.safetensors"]
    stamp = (again / "model.safetensors").stat().st_mtime_ns
    tiny._BUILT.clear()  # a new process: the directory itself is recognised
    assert build_tiny_model(again, seed=0) == again
    assert (again / "model.safetensors").stat().st_mtime_ns == stamp
    # Another seed in the same directory replaces the model.
    build_tiny_model(again, seed=2)
    assert digest(again)["model.safetensors"] not in {
        digest(built)["model.safetensors"],
        digest(other)["model.safetensors"],
    }


def test_refuses_a_foreign_directory(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not overwriting"):
        build_tiny_model(tmp_path)
    assert tiny.main([str(tmp_path)]) == 2
    assert "error:" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert tiny.main([str(tmp_path / "cli"), "--seed", "0"]) == 0
    assert capsys.readouterr().out.strip() == str((tmp_path / "cli").resolve())
    assert (tmp_path / "cli" / "config.json").is_file()
