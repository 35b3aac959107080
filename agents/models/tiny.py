"""A tiny causal LM built from scratch, offline, in seconds: the model every test can load.

No model can be downloaded where lean-gym's tests and CPU training configs run, so they use a
randomly initialised two-layer Qwen2 (hidden size 64) with a byte-level BPE tokenizer trained
here on lean-gym's own text: the statements and proofs of the shipped datasets
(``lean_gym/datasets/*.jsonl``), the prompts of every registered template for them, and
Lean's Unicode symbols. Both are written with ``save_pretrained``, so
``AutoTokenizer.from_pretrained(dir)`` and ``AutoModelForCausalLM.from_pretrained(dir)`` load
them with ``HF_HUB_OFFLINE=1`` like any checkpoint (``hf:DIR`` as a policy spec).

The tokenizer has a pad token distinct from end-of-text (TRL needs one), ChatML special tokens
and a ChatML chat template with ``{% generation %}`` markers (for TRL's
``assistant_only_loss``). The same seed gives byte-identical files; a directory already
holding the model of the same seed and format is reused.

Run ``python -m agents.models.tiny DIR`` to build one from the command line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["build_tiny_model", "tiny_corpus", "TINY_FORMAT_VERSION"]

TINY_FORMAT_VERSION = 1
_MARKER = "lean_gym_tiny.json"
_VOCAB_SIZE = 2048
_EOS = "<|endoftext|>"
_PAD = "<|pad|>"
_IM_START = "<|im_start|>"
_IM_END = "<|im_end|>"
_SPECIAL_TOKENS = (_EOS, _PAD, _IM_START, _IM_END)
# Lean's notation, so that each symbol is one token rather than its UTF-8 bytes.
_LEAN_SYMBOLS = (
    "⊢ ∀ ∃ ∃! λ ↦ → ← ↔ ∧ ∨ ¬ ≠ ≤ ≥ < > ∣ ∤ ∈ ∉ ⊆ ⊂ ∪ ∩ \\ ∅ ∘ × ⟨ ⟩ ⟪ ⟫ ‹ › · • ▸ "
    "ℕ ℤ ℚ ℝ ℂ √ ∑ ∏ ∫ π ∞ ⁻¹ ² ³ ₀ ₁ ₂ ₃ ₄ ₅ ↑ ⌊ ⌋ ⌈ ⌉ ≃ ≅ ≡ ∼ ⊤ ⊥ ∂ ∇ ∆ α β γ δ ε ζ η θ "
    "ι κ μ ν ξ ρ σ τ φ χ ψ ω Γ Δ Σ Φ Ψ Ω 𝓝 ⦃ ⦄ ⊓ ⊔ ⨆ ⨅ ∗ ⋆ ⬝ ⁅ ⁆ ≪ ≫ ⊗ ⊕"
)
# ChatML, with the assistant turns inside {% generation %} (TRL's assistant_only_loss).
_CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' }}"
    "{%- if message['role'] == 'assistant' %}"
    "{% generation %}{{- message['content'] + '<|im_end|>' }}{% endgeneration %}"
    "{%- else %}{{- message['content'] + '<|im_end|>' }}{%- endif %}"
    "{{- '\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)
_BUILT: dict[tuple[str, int], Path] = {}


def _dataset_rows() -> Iterator[dict]:
    import lean_gym

    folder = Path(lean_gym.__file__).resolve().parent / "datasets"
    for path in sorted(folder.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def tiny_corpus() -> list[str]:
    """The texts the tiny tokenizer is trained on, in a fixed order."""
    from lean_gym.data.templates import TEMPLATES
    from lean_gym.tactic_text import split_tactics
    from lean_gym.types import Theorem

    # Each symbol often enough, alone and after a space, for BPE to merge its bytes.
    symbols = _LEAN_SYMBOLS.split()
    texts = ["\n".join(symbols + [" " + s for s in symbols])] * 64
    for row in _dataset_rows():
        statement = str(row.get("formal_statement", ""))
        proof = str(row.get("proof") or "")
        texts.append(statement)
        texts.append(proof)
        try:
            theorem = Theorem.from_formal_statement(
                statement, name=row.get("name"), header=str(row.get("header") or "")
            )
        except ValueError:
            continue
        # The prompts the policies render for these theorems (the goal shown as the
        # statement's conclusion, the known proof's first tactic as the prefix).
        goal = "⊢ " + statement.rsplit(" : ", 1)[-1].removesuffix(":= by").strip()
        tactics = split_tactics(proof)
        for template in sorted(TEMPLATES.values(), key=lambda t: t.name):
            texts.append(template.render(goal, theorem, tactics[:1]))
            texts.append(template.completion(tactics))
    return texts


def _train_tokenizer(texts: list[str]):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=_VOCAB_SIZE,
        min_frequency=2,
        special_tokens=list(_SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    core.train_from_iterator(texts, trainer=trainer, length=len(texts))
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        eos_token=_EOS,
        pad_token=_PAD,
        additional_special_tokens=[_IM_START, _IM_END],
        model_max_length=2048,
        clean_up_tokenization_spaces=False,
    )
    tokenizer.chat_template = _CHAT_TEMPLATE
    return tokenizer


def _build(out_dir: Path, seed: int) -> None:
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    tokenizer = _train_tokenizer(tiny_corpus())
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        tie_word_embeddings=False,
        bos_token_id=None,
        eos_token_id=tokenizer.convert_tokens_to_ids(_EOS),
        pad_token_id=tokenizer.pad_token_id,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Qwen2ForCausalLM(config)
    model.generation_config = GenerationConfig(
        eos_token_id=[config.eos_token_id, tokenizer.convert_tokens_to_ids(_IM_END)],
        pad_token_id=tokenizer.pad_token_id,
    )
    tokenizer.save_pretrained(out_dir)
    model.save_pretrained(out_dir)
    marker = {
        "format": "lean-gym.tiny-model",
        "format_version": TINY_FORMAT_VERSION,
        "seed": seed,
        "vocab_size": len(tokenizer),
    }
    (out_dir / _MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


def _is_built(out_dir: Path, seed: int) -> bool:
    try:
        marker = json.loads((out_dir / _MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        marker.get("format_version") == TINY_FORMAT_VERSION
        and marker.get("seed") == seed
        and (out_dir / "config.json").is_file()
        and (out_dir / "tokenizer.json").is_file()
    )


def build_tiny_model(out_dir: str | os.PathLike[str], *, seed: int = 0) -> Path:
    """Builds (or reuses) the tiny model and tokenizer in ``out_dir``.

    Args:
        out_dir: Where ``save_pretrained`` writes the tokenizer and the model. A directory
            that already holds the tiny model of this seed and format version is reused; one
            with an older tiny model is rebuilt; a non-empty directory holding anything else
            is refused.
        seed: The seed of the model's initial weights (the tokenizer does not depend on it).

    Returns:
        The directory, ready for ``AutoModelForCausalLM.from_pretrained``.

    Raises:
        FileExistsError: ``out_dir`` is a non-empty directory that is not a tiny model.
    """
    out = Path(out_dir).expanduser().resolve()
    key = (str(out), seed)
    if key in _BUILT and _is_built(out, seed):
        return _BUILT[key]
    if _is_built(out, seed):
        _BUILT[key] = out
        return out
    if out.exists() and any(out.iterdir()) and not (out / _MARKER).exists():
        raise FileExistsError(
            f"{out} is not empty and holds no lean-gym tiny model; not overwriting it"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        _build(staging, seed)
        staging.chmod(0o755)
        if out.exists():
            if _is_built(out, seed):  # another process finished first
                return out
            shutil.rmtree(out)
        try:
            os.replace(staging, out)
        except OSError:
            if not _is_built(out, seed):
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    _BUILT[key] = out
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m agents.models.tiny", description="Build lean-gym's tiny causal LM."
    )
    parser.add_argument("out_dir", help="directory to write the model and tokenizer to")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights")
    args = parser.parse_args(argv)
    try:
        path = build_tiny_model(args.out_dir, seed=args.seed)
    except (FileExistsError, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
