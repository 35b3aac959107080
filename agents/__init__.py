"""Agents: policies and search algorithms that decide what to try (they depend on lean_gym)."""
