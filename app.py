"""The top-level entry: `python app.py` starts the app as `medui serve` does (the app itself: medui/app.py)."""

from __future__ import annotations

from medui.app import build_demo
from medui.cli.serve import launch

if __name__ == "__main__":
    launch(build_demo())
