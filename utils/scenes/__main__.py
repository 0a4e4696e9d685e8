"""`python -m utils.scenes --gallery PATH.png` and/or `--stats`."""

from utils.scenes.cli import main

main()
