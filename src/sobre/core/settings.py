"""Where Sobre keeps its data, read from the environment or the CLI's --home."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str

    @property
    def rejects_dir(self) -> Path:
        return self.home / "rejects"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"


def load_settings(home: str | Path | None = None, database_url: str | None = None) -> Settings:
    """Resolve the data folder and database URL.

    Order: explicit argument (CLI ``--home``), then ``SOBRE_HOME``, then the per-user data directory.
    The database is ``SOBRE_DATABASE_URL`` when set (e.g. PostgreSQL), else a SQLite file in the home.
    """
    raw_home = home or os.environ.get("SOBRE_HOME") or platformdirs.user_data_dir("sobre", appauthor=False)
    home_path = Path(raw_home).expanduser().resolve()
    home_path.mkdir(parents=True, exist_ok=True)
    url = database_url or os.environ.get("SOBRE_DATABASE_URL") or f"sqlite:///{home_path / 'sobre.db'}"
    return Settings(home=home_path, database_url=url)
