"""Policies: scripted, Hugging Face transformers, vLLM and OpenAI-compatible servers."""

from __future__ import annotations

from agents.policies.base import Candidate, Policy, PolicyBase

__all__ = ["Candidate", "Policy", "PolicyBase"]
