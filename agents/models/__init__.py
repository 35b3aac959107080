"""Models built locally: the tiny causal LM that tests, CPU configs and GPU checks run."""
