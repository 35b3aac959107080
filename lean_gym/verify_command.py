"""``lean-gym verify``: check one answer (a proof as a model wrote it) against a dataset theorem.

::

    lean-gym verify --dataset smoke --theorem smoke_and_intro --proof answer.md
    echo 'exact ⟨hp, hq⟩' | lean-gym verify --dataset smoke --theorem smoke_and_intro --proof -

The answer is read exactly as ``LeanProof-v0`` and the training rewards read it
(:func:`lean_gym.answers.read_proof`: a tactic block, ``by ...`` or a full declaration with the
dataset's statement, bare or in a markdown fence), then checked by ``backend.verify`` under the
integrity rules. Prints the verdict; exit 0 when accepted, 1 when not, 2 for a usage mistake.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lean_gym.answers import read_proof
from lean_gym.cli_args import add_dataclass_arguments, dataclass_from_namespace, usage_error
from lean_gym.cli_checks import load_dataset, open_backend
from lean_gym.errors import UsageError

__all__ = ["VerifyArgs", "register", "verify_answer"]


@dataclass
class VerifyArgs:
    """Arguments of ``lean-gym verify``: check one answer against a dataset theorem.

    Attributes:
        dataset: A shipped name, a .jsonl path or a Hugging Face dataset id.
        theorem: The theorem's name in the dataset.
        proof: The answer: a file holding it, - for standard input, or the text itself.
        backend: The backend that checks it.
        split: The dataset split the theorem is in (all: any).
        json: Print the verdict as JSON instead of text.
    """

    dataset: str
    theorem: str
    proof: str
    backend: str = "minilean"
    split: str = "all"
    json: bool = False


def _answer_text(proof: str) -> str:
    if proof == "-":
        return sys.stdin.read()
    path = Path(proof)
    if "\n" not in proof and len(proof) < 4096 and path.is_file():
        return path.read_text(encoding="utf-8")
    return proof


def verify_answer(args: VerifyArgs) -> dict[str, Any]:
    """The verdict on ``args.proof`` as a proof of ``args.theorem`` (checked before writing).

    Raises:
        UsageError: For an unknown dataset, theorem or backend.
    """
    theorems = load_dataset(args.dataset, split=args.split)
    theorem = next((t for t in theorems if t.name == args.theorem), None)
    if theorem is None:
        known = ", ".join(t.name for t in theorems[:5])
        raise UsageError(
            f"--theorem {args.theorem} is not in --dataset {args.dataset} (it has {known}"
            f"{', ...' if len(theorems) > 5 else ''})"
        )
    answer = read_proof(_answer_text(args.proof), theorem)
    result: dict[str, Any] = {"theorem": theorem.name, "answer": answer.to_json()}
    if not answer.ok:
        assert answer.rejection is not None
        result["verification"] = {
            "ok": False,
            "reason": answer.rejection.reason,
            "detail": answer.rejection.detail,
        }
        return result
    with open_backend(args.backend, header=theorem.header, tactics=False) as backend:
        result["verification"] = backend.verify(theorem, answer.proof).to_json()
    return result


def _cmd_verify(ns: argparse.Namespace) -> int:
    try:
        args = dataclass_from_namespace(VerifyArgs, ns)
        result = verify_answer(args)
    except UsageError as exc:
        return usage_error(exc)
    verdict = result["verification"]
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    elif verdict["ok"]:
        print(f"{result['theorem']}: accepted")
    else:
        print(f"{result['theorem']}: rejected, {verdict['reason']}: {verdict['detail']}")
    return 0 if verdict["ok"] else 1


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Adds ``verify`` to the ``lean-gym`` command line."""
    parser = subparsers.add_parser(
        "verify",
        help="check one answer (a proof, fenced or a full declaration) against a theorem",
        description="Check one answer against a dataset theorem, as LeanProof-v0 reads it.",
    )
    add_dataclass_arguments(parser, VerifyArgs)
    parser.set_defaults(func=_cmd_verify)
    return parser
