"""kabar: a static site generator for regional positive-news portals.

Importing the package has no side effects; `generator.build.build` is the pipeline and
`generator.cli.main` the command line.
"""

__version__ = "0.1.0"
