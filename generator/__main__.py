"""`python -m generator` runs the `kabar` command line."""

import sys

from generator.cli import main

# Guarded: worker processes (content/bodies.py) import the main module again.
if __name__ == "__main__":
    sys.exit(main())
