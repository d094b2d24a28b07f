"""``python -m outputs.cli``: the ``clustersite`` command."""

from outputs.cli import console

console()
