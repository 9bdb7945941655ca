"""dilemma-sim: play, author and batch-run multi-actor policy dilemmas."""

__version__ = "0.1.0"
