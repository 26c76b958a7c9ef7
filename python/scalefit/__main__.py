"""``python -m scalefit ...`` is the same as the ``scalefit`` command."""
import sys

from .cli import main

sys.exit(main())
