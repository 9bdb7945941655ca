"""`python -m dilemma_sim` is the `dilemma-sim` command."""

from dilemma_sim.cli import main

main()
