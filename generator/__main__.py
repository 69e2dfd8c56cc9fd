"""`python -m generator` runs the `kabar` command line."""

import sys

from generator.cli import main

sys.exit(main())
