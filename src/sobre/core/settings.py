"""Where Sobre keeps its data, read from the environment or the CLI's --home."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sobre.core.errors import SobreError


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


def _home(raw: str | Path) -> Path:
    """The data folder, created when missing; a clear error when it cannot be one."""
    text = str(raw)
    if not text.strip():
        raise SobreError("the data folder (--home or SOBRE_HOME) is empty; give a folder path")
    path = Path(text).expanduser()
    try:
        path = path.resolve()
        if path.exists() and not path.is_dir():
            raise SobreError(f"the data folder {path} is a file, not a folder (--home or SOBRE_HOME)")
        path.mkdir(parents=True, exist_ok=True)
    except SobreError:
        raise
    except (OSError, RuntimeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SobreError(f"cannot use {path} as the data folder (--home or SOBRE_HOME): {reason}") from None
    return path


def load_settings(home: str | Path | None = None, database_url: str | None = None) -> Settings:
    """Resolve the data folder and database URL.

    Order: explicit argument (CLI ``--home``), then ``SOBRE_HOME``, then the per-user data directory.
    The database is ``SOBRE_DATABASE_URL`` when set (e.g. PostgreSQL), else a SQLite file in the home.
    """
    if home is None:
        home = os.environ.get("SOBRE_HOME")
    if home is None:
        import platformdirs

        home = platformdirs.user_data_dir("sobre", appauthor=False)
    home_path = _home(home)
    url = database_url or os.environ.get("SOBRE_DATABASE_URL")
    if url is not None and not url.strip():
        raise SobreError("SOBRE_DATABASE_URL is set but empty; unset it to use the SQLite file in the home")
    if url is None:
        url = f"sqlite:///{home_path / 'sobre.db'}"
    return Settings(home=home_path, database_url=url.strip())
