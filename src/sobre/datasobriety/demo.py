"""The demo town's file share: a listing of its shared drive, scanned under the catalogue's policies."""

from __future__ import annotations

import csv
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

from sobre.core.capabilities import DemoContext
from sobre.core.db import session_scope
from sobre.datasobriety import service
from sobre.datasobriety.rot import parse_as_of
from sobre.datasobriety.run import ScanRequest, run_scan
from sobre.datasobriety.storage import StorageParams

FOLDERS = (
    "Services techniques",
    "Etat civil",
    "RH/recrutement",
    "RH/paie",
    "Finances/compta",
    "Culture",
    "Urbanisme",
    "Communication",
    "Police municipale/videoprotection",
)
NAMES = (
    "rapport",
    "compte-rendu",
    "budget",
    "deliberation",
    "photo",
    "plan",
    "courrier",
    "cv_candidat",
    "bulletin_paie",
    "facture",
    "export",
    "enregistrement",
)
EXTS = (".docx", ".xlsx", ".pdf", ".odt", ".jpg", ".mp4", ".tmp", ".bak")


def write_listing(path: Path, users: list[str], as_of: datetime, seed: int, rows: int = 4000) -> Path:
    """A listing of the town's shared drive as its file server would export it (path, size, date, owner)."""
    rng = random.Random(seed)
    departed = [f"ancien{i}" for i in range(1, 6)]
    kept: list[tuple[str, int, str]] = []
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["path", "size", "mtime", "owner", "sha256"])
        for i in range(rows):
            if kept and rng.random() < 0.12:  # a copy of an earlier file, elsewhere, later
                name, size, digest = rng.choice(kept)
                folder = rng.choice(FOLDERS)
                file = f"{folder}/copie de {name}"
            else:
                folder = rng.choice(FOLDERS)
                file = f"{folder}/{rng.choice(NAMES)}-{i:05d}{rng.choice(EXTS)}"
                size = int(min(5e9, rng.lognormvariate(12, 2)))
                digest = f"{rng.getrandbits(256):064x}"
                kept.append((file.rsplit("/", 1)[-1], size, digest))
            age = timedelta(days=rng.randint(0, 365 * 9))
            owner = rng.choice(departed) if rng.random() < 0.08 else rng.choice(users or ["dsi"])
            writer.writerow([file, size, (as_of - age).timestamp(), owner, digest])
    return path


def seed(ctx: DemoContext) -> list[Path]:
    """Install the retention catalogue, scan the town's share listing, write the findings and the plan."""
    from sobre.inventory.service import user_logins

    as_of = parse_as_of(ctx.reference_date.isoformat())
    with session_scope(ctx.database_url) as session:
        service.install_default_policies(session, ctx.org_name)
    users = sorted(user_logins(ctx.database_url, ctx.org_name))
    listing = write_listing(ctx.out / "inputs" / "partage-listing.csv", users, as_of, ctx.seed)
    params = StorageParams(
        media="hdd", replicas=2, backups=1, given=frozenset({"media", "replicas", "backups"})
    )
    result = run_scan(
        ctx.database_url, ScanRequest(listing, as_of, org=ctx.org_name, listing=True, storage=params)
    )
    with session_scope(ctx.database_url) as session:
        plan = service.plan(session, ctx.org_name, result.scan_id).to_dict()
    out = ctx.out / "donnees-plan-de-sobriete.json"
    out.write_text(json.dumps(plan, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return [out]
