"""``python -m outputs.cli``: the ``clustersite`` command."""

import sys

from outputs.cli import main

sys.exit(main())
