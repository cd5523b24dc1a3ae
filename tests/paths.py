"""Paths tests share. AppTest resolves relative paths against the calling file, so use these."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
APP_PATH = str(PROJECT_ROOT / "app.py")
