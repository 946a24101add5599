"""The benchmark behind ``manage.py bench`` (docs/benchmarks.md).

It serves the project as in production (granian, two workers, capped threads, persistent
connections, DEBUG off) on a database of its own, drives it with a load generator in a second
process on 127.0.0.1, and compares each page with a minimal view that passes through the same
middleware for the same user in the same run: the ratio is the figure, absolute numbers depend
on the machine.

Modules: ``databases`` (fresh bench databases), ``prepare`` (migrate, seed, collectstatic; runs in
the child environment), ``server`` (granian and the login), ``loadgen`` (wrk or the Python
fallback in ``pyload``), ``machine`` (what it ran on), ``runner`` (scenarios and targets),
``report`` (the Markdown tables).
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
