"""Policies: what proposes the next tactic, segment or whole proof.

``make_policy(spec)`` builds one from a string spec, looked up in :data:`POLICIES` by the part
before the first ``:``; the rest of the spec is the constructor's first argument:

=================  ===================================================  ======================
spec               policy                                               needs
=================  ===================================================  ======================
``scripted``       the goal-aware tactic library (``scripted:segment``,  nothing
                   ``scripted:proof`` pick the granularity)
``hf:PATH``        a Hugging Face causal LM (local path or hub name)    ``lean-gym[train]``
``vllm:NAME``      an in-process ``vllm.LLM``                           ``lean-gym[vllm]``, GPU
``openai:URL``     an OpenAI-compatible completions server              a running server
=================  ===================================================  ======================

Entries are ``"module:attr"`` strings, imported only when used, so ``import agents.policies``
never imports torch. ``register_policy(name, "module:attr")`` adds one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from agents.policies.base import Candidate, Policy, PolicyBase

__all__ = [
    "Candidate",
    "Policy",
    "PolicyBase",
    "POLICIES",
    "make_policy",
    "register_policy",
    "available_policies",
    "policy_granularity",
]

POLICIES: dict[str, str | Callable[..., Policy]] = {
    "scripted": "agents.policies.scripted:ScriptedPolicy",
    "hf": "agents.policies.transformers:TransformersPolicy",
    "vllm": "agents.policies.vllm:VLLMPolicy",
    "openai": "agents.policies.openai:OpenAIPolicy",
}


def register_policy(name: str, factory: str | Callable[..., Policy]) -> None:
    """Registers a policy under ``name``: a ``"module:attr"`` string or a callable that takes
    the spec's tail as its first argument."""
    if not name or ":" in name:
        raise ValueError(f"a policy name must be non-empty and contain no ':', got {name!r}")
    POLICIES[name] = factory


def available_policies() -> list[str]:
    """The registered policy names."""
    return sorted(POLICIES)


def _resolve(name: str, factory: str | Callable[..., Policy]) -> Callable[..., Policy]:
    if callable(factory):
        return factory
    module_name, _, attr = factory.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImportError(
            f"policy {name!r} needs {module_name} ({exc}); "
            "model policies need `pip install 'lean-gym[train]'` (vLLM: 'lean-gym[vllm]')"
        ) from exc
    return getattr(module, attr)


def make_policy(spec: str, **kwargs: Any) -> Policy:
    """Builds a policy from ``NAME`` or ``NAME:TAIL`` (see the module docstring).

    Raises:
        ValueError: For an unknown name (listing the known ones).
        ImportError: When the policy's module (or its dependency) is not installed.
    """
    name, _, tail = spec.partition(":")
    if name not in POLICIES:
        raise ValueError(f"unknown policy {spec!r}; known: {', '.join(available_policies())}")
    return _resolve(name, POLICIES[name])(tail, **kwargs)


def policy_granularity(policy: Any, default: str = "step") -> str:
    """The granularity a policy proposes at: its ``granularity`` attribute, else its
    template's (``proof`` for whole-proof templates), else ``default``."""
    granularity = getattr(policy, "granularity", None)
    if isinstance(granularity, str) and granularity:
        return granularity
    template = getattr(policy, "template", None)
    name = getattr(template, "name", template)
    if isinstance(name, str) and "whole" in name:
        return "proof"
    return default
