"""`python -m wactorz_edge`: same as the `wactorz-edge` command."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
