"""``python -m scalefit.cli ...`` is the ``scalefit`` command."""
import sys

from .app import main

sys.exit(main())
