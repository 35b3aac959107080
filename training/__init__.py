"""Training loops: segment SFT, verifier-rewarded RL, value models (they depend on agents)."""
