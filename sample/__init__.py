"""A small real sample shipped with prl: seven Karamay 权责清单 workbooks, 30 Liaoning items
(JSON) and the statutes they cite, for ``prl demo`` and the fast tests (see SOURCES.md)."""

from pathlib import Path

SAMPLE_DIR = Path(__file__).resolve().parent
LISTS_DIR = SAMPLE_DIR / "lists"
STATUTES_DIR = SAMPLE_DIR / "statutes"
