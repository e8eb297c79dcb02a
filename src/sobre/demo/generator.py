"""The demo organisation's input files: a French town of 60,000 inhabitants, generated from a seed.

"Ville de Sobreville" is fictional but shaped like a real town's IS: ~1,100 agents in ten departments,
~3,000 end-user devices exported from GLPI (French headers, ``;``, Windows-1252, decimal comma,
dd/mm/yyyy), 120 physical servers in two server rooms and a colocation data centre, 400 VMs, 60
applications, about 20 cloud instances, retired and refurbished equipment, BYOD phones, and a handful of
deliberate defects that the importer must reject.  Same seed → byte-identical files.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path

from sobre.demo.town import (
    APPS,
    CLOUD_REGIONS,
    COLOCATION,
    DEPARTMENTS,
    DEPT_CODE,
    END_USER,
    FIRST,
    INSTANCE_TYPES,
    LAST,
    NETWORK_POWER_W,
    OFFICES,
    PLAIN_SERVERS,
    PREFIX,
    REFERENCE_DATE,
    ROOM_NETWORK_POWER_W,
    SERVER_ROOMS,
)


def _rows_to_csv(header: list[str], rows: Iterable[Mapping[str, object]], *, sep: str = ",") -> str:
    """CSV text with ``header``'s columns in order; a column a row leaves out or sets to None is empty."""
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, header, restval="", delimiter=sep, lineterminator="\r\n" if sep == ";" else "\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def _equipment(**columns: object) -> dict[str, object]:
    """A Sobre-format equipment row; unless told otherwise: in use, not refurbished, in France, DSI's."""
    return {"status": "in_use", "refurbished": "false", "country": "FR", "department": "DSI", **columns}


def _fr_date(d: date | None) -> str:
    return "" if d is None else d.strftime("%d/%m/%Y")


def _purchase(rng: random.Random, years: tuple[int, int]) -> date:
    lo, hi = years
    days = rng.randint(int(lo * 365.25), int(hi * 365.25) + 200)
    return REFERENCE_DATE - timedelta(days=days)


def _sites() -> str:
    rows: list[dict[str, object]] = [
        {"name": name, "kind": "office", "country": "FR", "city": "Sobreville"} for name, _ in OFFICES
    ]
    rows += [
        {"name": name, "kind": "server_room", "country": "FR", "city": "Sobreville", "pue": str(pue)}
        for name, pue in SERVER_ROOMS
    ]
    rows.append(
        {
            "name": COLOCATION[0],
            "kind": "colocation",
            "country": "FR",
            "city": "Lyon",
            "pue": str(COLOCATION[1]),
            "provider": "Colocation Rhône",
        }
    )
    rows += [
        {"name": name, "kind": "cloud_region", "country": "FR", "provider": provider}
        for name, provider, _ in CLOUD_REGIONS
    ]
    return _rows_to_csv(["name", "kind", "country", "city", "pue", "provider"], rows)


def _glpi_end_user(rng: random.Random) -> str:
    """GLPI computer/monitor/phone/printer list export, as a French GLPI writes it."""
    header = [
        "ID",
        "Nom",
        "Statut",
        "Fabricant",
        "Type",
        "Modèle",
        "Numéro de série",
        "Lieu",
        "Groupe",
        "Utilisateur",
        "Date d'achat",
        "Date de réforme",
        "Mémoire (Go)",
        "Dernière modification",
    ]
    people: list[tuple[str, str]] = []
    logins: set[str] = set()
    for dept, headcount in DEPARTMENTS:
        for _ in range(headcount):
            base = f"{rng.choice(FIRST)[0].lower()}{rng.choice(LAST).lower()}"
            login, n = base, 1
            while login in logins:  # homonyms get a number, as directories do
                n += 1
                login = f"{base}{n}"
            logins.add(login)
            people.append((login, dept))
    office_of = {d: [o for o, ds in OFFICES if d in ds] for d, _ in DEPARTMENTS}
    rows: list[dict[str, object]] = []
    counters: dict[str, int] = {}
    gid = 1000
    for type_text, maker, model, count, years in END_USER:
        for _ in range(count):
            login, dept = rng.choice(people)
            prefix = f"{PREFIX[type_text]}-{DEPT_CODE[dept]}"
            counters[prefix] = counters.get(prefix, 0) + 1
            name = f"{prefix}-{counters[prefix]:04d}"
            bought = _purchase(rng, years)
            status, retired = "En service", None
            roll = rng.random()
            if roll < 0.04:
                status, retired = (
                    rng.choice(["Réformé", "Rebut", "Réemploi"]),
                    bought + timedelta(days=rng.randint(4 * 365, 7 * 365)),
                )
                retired = min(retired, REFERENCE_DATE - timedelta(days=rng.randint(10, 300)))
                retired = max(retired, bought + timedelta(days=400))
            elif roll < 0.07:
                status = "En stock"
            elif roll < 0.08:
                status = "En réparation"
            shared = type_text in ("Imprimante multifonction", "Imprimante", "Affichage dynamique")
            ram = {
                "Portable": rng.choice([8, 16, 16, 32]),
                "Ordinateur": rng.choice([8, 8, 16]),
                "Client léger": 4,
            }.get(type_text)
            gid += 1
            # The values are drawn from rng in this order: keep it, or the same seed gives other files.
            rows.append(
                {
                    "ID": gid,
                    "Nom": name,
                    "Statut": status,
                    "Fabricant": maker,
                    "Type": type_text,
                    "Modèle": model,
                    "Numéro de série": f"{maker[:2].upper()}{rng.randrange(10**8):08d}",
                    "Lieu": rng.choice(office_of[dept]),
                    "Groupe": dept,
                    "Utilisateur": None if shared else login,
                    "Date d'achat": _fr_date(bought),
                    "Date de réforme": _fr_date(retired),
                    "Mémoire (Go)": ram,
                    "Dernière modification": (
                        REFERENCE_DATE - timedelta(days=rng.randint(1, 90), minutes=rng.randint(0, 1439))
                    ).strftime("%d/%m/%Y %H:%M"),
                }
            )
    # Deliberate defects, each of which the importer must reject with a clear reason.
    rows[17]["Date d'achat"] = "31/02/2021"  # impossible date
    rows[230]["Date d'achat"] = "01/01/2099"  # bought far in the future: not a plausible date
    rows[402]["Numéro de série"] = rows[401]["Numéro de série"]  # the same serial twice: both rejected
    rows[950]["Mémoire (Go)"] = "huit"  # text in a number column
    return _rows_to_csv(header, rows, sep=";")


def _servers(rng: random.Random) -> tuple[str, list[tuple[str, int, str]]]:
    """Sobre-format equipment: servers, storage arrays, network, UPS, BYOD and refurbished lots."""
    header = [
        "name",
        "category",
        "type_label",
        "manufacturer",
        "model",
        "quantity",
        "status",
        "purchase_date",
        "retirement_date",
        "lifetime_years",
        "power_w",
        "annual_kwh",
        "usage_mode",
        "refurbished",
        "cpu_threads",
        "ram_gb",
        "storage_gb",
        "country",
        "site",
        "department",
        "data_quality",
    ]
    rows: list[dict[str, object]] = []
    hosts: list[tuple[str, int, str]] = []  # name, threads, site
    rooms = [SERVER_ROOMS[0][0], SERVER_ROOMS[1][0], COLOCATION[0]]
    models = [
        ("Dell", "PowerEdge R740", 48),
        ("HPE", "ProLiant DL380 Gen10", 40),
        ("Dell", "PowerEdge R640", 32),
        ("Lenovo", "ThinkSystem SR650", 48),
    ]
    for i in range(120):
        site = rooms[0] if i < 50 else rooms[1] if i < 80 else rooms[2]
        maker, model, threads = rng.choice(models)
        hypervisor = i % 3 == 0  # 40 virtualisation hosts
        name = f"{'esx' if hypervisor else 'srv'}-{i + 1:03d}"
        bought = _purchase(rng, (1, 8))
        status, retired = "in_use", None
        if i in (7, 58):  # two servers retired during the year
            status, retired = "retired", REFERENCE_DATE - timedelta(days=120 + i)
        measured = rng.random() < 0.4
        rows.append(  # the arguments draw from rng in this order
            _equipment(
                name=name,
                category="rack_server",
                manufacturer=maker,
                model=model,
                quantity=1,
                status=status,
                purchase_date=bought.isoformat(),
                retirement_date=retired.isoformat() if retired else None,
                annual_kwh=rng.randint(1800, 4200) if measured else None,
                cpu_threads=threads,
                ram_gb=rng.choice([128, 256, 384]),
                storage_gb=rng.choice([960, 1920, 3840]),
                site=site,
                data_quality="high" if measured else "medium",
            )
        )
        if hypervisor and status == "in_use":
            hosts.append((name, threads, site))
    for i in range(6):
        rows.append(
            _equipment(
                name=f"baie-{i + 1:02d}",
                category="storage_array",
                manufacturer="NetApp",
                model="AFF A250",
                quantity=1,
                purchase_date=_purchase(rng, (1, 6)).isoformat(),
                storage_gb=rng.choice([40_000, 80_000, 120_000]),
                site=rooms[i % 3],
                data_quality="medium",
            )
        )
    network = [
        ("switch", "Cisco", "Catalyst 9200", 4),
        ("wifi_access_point", "Aruba", "AP-515", 10),
        ("router", "Cisco", "ISR 4331", 0),
        ("firewall", "Fortinet", "FortiGate 100F", 0),
        ("ups", "APC", "Smart-UPS 3000", 1),
    ]
    for office, _ in OFFICES:
        for category, maker, model, qty in network:
            if qty:
                rows.append(
                    _equipment(
                        name=f"{category}-{office}",
                        category=category,
                        manufacturer=maker,
                        model=model,
                        quantity=qty + rng.randint(0, 4),
                        purchase_date=_purchase(rng, (1, 8)).isoformat(),
                        annual_kwh=round(NETWORK_POWER_W[category] * 8760 / 1000, 1),
                        site=office,
                        data_quality="low",
                    )
                )
    for room in rooms:
        for category, maker, model, qty in (
            ("switch", "Cisco", "Nexus 93180", 4),
            ("router", "Cisco", "ISR 4331", 2),
            ("firewall", "Fortinet", "FortiGate 100F", 2),
            ("ups", "APC", "Symmetra", 2),
        ):
            rows.append(
                _equipment(
                    name=f"{category}-{room}",
                    category=category,
                    manufacturer=maker,
                    model=model,
                    quantity=qty,
                    purchase_date=_purchase(rng, (1, 6)).isoformat(),
                    annual_kwh=round(ROOM_NETWORK_POWER_W[category] * 8760 / 1000, 1),
                    site=room,
                    data_quality="medium",
                )
            )
    # BYOD phones of on-call staff, and refurbished laptops bought for the schools in 2024.
    rows += [
        _equipment(
            name="Smartphones personnels astreinte",
            category="smartphone",
            quantity=60,
            usage_mode="byod",
            site="Centre technique municipal",
            department="Services techniques",
            data_quality="low",
        ),
        _equipment(
            name="Portables reconditionnés écoles",
            category="laptop",
            manufacturer="Lenovo",
            model="ThinkPad T480",
            quantity=40,
            purchase_date="2024-09-02",
            lifetime_years=4,
            refurbished="true",
            ram_gb=8,
            storage_gb=256,
            site="Groupe scolaire Marie-Curie",
            department="Éducation",
            data_quality="medium",
        ),
        _equipment(
            name="Vidéoprojecteurs écoles",
            category="display",
            type_label="Vidéoprojecteur",
            manufacturer="Epson",
            model="EB-W51",
            quantity=45,
            purchase_date="2019-08-26",
            site="École Jules-Ferry",
            department="Éducation",
            data_quality="low",
        ),
        _equipment(
            name="Tablettes classe mobile (lot)",
            category="tablet",
            manufacturer="Apple",
            model="iPad 9th generation",
            quantity=-2,  # defect: negative quantity
            purchase_date="2023-09-01",
            site="École du Parc",
            department="Éducation",
            data_quality="medium",
        ),
    ]
    return _rows_to_csv(header, rows), hosts


def _vms(rng: random.Random, hosts: list[tuple[str, int, str]]) -> tuple[str, list[str]]:
    header = [
        "name",
        "host",
        "cluster",
        "vcpu",
        "ram_gb",
        "storage_gb",
        "kind",
        "allocation_key",
        "annual_kwh",
        "department",
    ]
    depts = [d for d, _ in DEPARTMENTS]
    rows: list[dict[str, object]] = []
    names: list[str] = []
    # Spread 400 VMs unevenly: some hosts are nearly full, a few are mostly idle (consolidation candidates).
    weights = [rng.choice([1, 2, 3, 3, 4]) for _ in hosts]
    for i in range(400):
        host, threads, site = rng.choices(hosts, weights=weights)[0]
        vcpu = rng.choice([1, 2, 2, 4, 4, 8])
        name = f"vm-{i + 1:03d}"
        rows.append(
            {
                "name": name,
                "host": host,
                "cluster": f"cluster-{site.split()[-1].lower()}",
                "vcpu": vcpu,
                "ram_gb": vcpu * rng.choice([2, 4]),
                "storage_gb": rng.choice([40, 80, 100, 200, 500]),
                "kind": "compute",
                "department": rng.choice(depts),
            }
        )
        names.append(name)
    rows.append(  # defect: a host that does not exist
        {
            "name": "vm-orpheline",
            "host": "esx-999",
            "cluster": "cluster-x",
            "vcpu": 2,
            "ram_gb": 4,
            "storage_gb": 40,
            "kind": "compute",
            "department": "DSI",
        }
    )
    return _rows_to_csv(header, rows), names


def _cloud(rng: random.Random) -> tuple[str, list[str]]:
    header = [
        "name",
        "provider",
        "instance_type",
        "region",
        "country",
        "quantity",
        "hours_per_year",
        "average_load",
        "vcpu",
        "ram_gb",
        "department",
    ]
    rows: list[dict[str, object]] = []
    names = []
    for i in range(20):
        region, provider, code = CLOUD_REGIONS[i % 2]
        kind, vcpu, ram = rng.choice(INSTANCE_TYPES[provider])
        name = f"cloud-{provider}-{i + 1:02d}"
        rows.append(
            {
                "name": name,
                "provider": provider,
                "instance_type": kind,
                "region": code,
                "country": "FR",
                "quantity": 1,
                "hours_per_year": 8760 if i % 4 else 2920,
                "average_load": round(rng.uniform(0.1, 0.6), 2),
                "vcpu": vcpu,
                "ram_gb": ram,
                "department": rng.choice(["Éducation", "Culture", "Sports", "Direction générale"]),
            }
        )
        names.append(name)
    return _rows_to_csv(header, rows), names


def _applications(rng: random.Random, vms: list[str], cloud: list[str], servers: list[str]) -> str:
    header = [
        "name",
        "environment",
        "domain",
        "subdomain",
        "users",
        "department",
        "vm",
        "cloud_instance",
        "equipment",
    ]
    rows: list[dict[str, object]] = []
    pool = list(vms)
    rng.shuffle(pool)
    extra = [
        (
            f"Application métier {i + 1:02d}",
            "Métier",
            rng.randint(5, 200),
            rng.choice(DEPARTMENTS)[0],
            rng.randint(1, 3),
            rng.random() < 0.1,
        )
        for i in range(60 - len(APPS))
    ]
    for name, domain, users, dept, n_vm, on_cloud in APPS + extra:
        prod = {
            "name": name,
            "environment": "production",
            "domain": domain,
            "users": users,
            "department": dept,
        }
        for _ in range(n_vm):
            rows.append({**prod, "vm": pool.pop() if pool else rng.choice(vms)})
        if on_cloud or n_vm == 0:
            rows.append({**prod, "cloud_instance": rng.choice(cloud)})
        if rng.random() < 0.15:  # a test environment on a shared VM
            rows.append({**prod, "environment": "recette", "users": 5, "vm": rng.choice(vms)})
    rows.append(
        {
            "name": "Vidéoprotection",
            "environment": "production",
            "domain": "Sécurité",
            "subdomain": "Enregistreurs",
            "users": 20,
            "department": "Police municipale",
            "equipment": rng.choice(servers),
        }
    )
    return _rows_to_csv(header, rows)


def _storage(rng: random.Random) -> str:
    header = [
        "name",
        "kind",
        "media",
        "capacity_gb",
        "used_gb",
        "replicas",
        "equipment",
        "site",
        "application",
        "department",
    ]
    rows: list[dict[str, object]] = []
    for i in range(6):
        for j in range(3):
            cap = rng.choice([4_000, 8_000, 16_000])
            rows.append(
                {
                    "name": f"vol-{i + 1:02d}-{j + 1}",
                    "kind": rng.choice(["block", "file"]),
                    "media": "ssd",
                    "capacity_gb": cap,
                    "used_gb": int(cap * rng.uniform(0.3, 0.9)),
                    "replicas": 1,
                    "equipment": f"baie-{i + 1:02d}",
                    "department": "DSI",
                }
            )
    rows.append(
        {
            "name": "sauvegarde-externalisee",
            "kind": "object",
            "media": "hdd",
            "capacity_gb": 60_000,
            "used_gb": 42_000,
            "replicas": 2,
            "site": CLOUD_REGIONS[0][0],
            "department": "DSI",
        }
    )
    return _rows_to_csv(header, rows)


def generate(directory: Path, seed: int = 2026) -> list[tuple[str, Path]]:
    """Write the demo's input files into ``directory``; returns (kind, path) in import order."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    servers_csv, hosts = _servers(rng)
    vms_csv, vm_names = _vms(rng, hosts)
    cloud_csv, cloud_names = _cloud(rng)
    files: list[tuple[str, str, str, str]] = [  # kind, file name, text, encoding
        ("site", "01-sites.csv", _sites(), "utf-8"),
        (
            "department",
            "02-directions.csv",
            _rows_to_csv(["name", "headcount"], [{"name": n, "headcount": h} for n, h in DEPARTMENTS]),
            "utf-8",
        ),
        ("equipment", "03-glpi-parc-utilisateurs.csv", _glpi_end_user(rng), "cp1252"),
        ("equipment", "04-serveurs-reseau.csv", servers_csv, "utf-8"),
        ("vm", "05-machines-virtuelles.csv", vms_csv, "utf-8"),
        ("cloud", "06-cloud.csv", cloud_csv, "utf-8"),
        (
            "application",
            "07-applications.csv",
            _applications(rng, vm_names, cloud_names, PLAIN_SERVERS),
            "utf-8",
        ),
        ("storage", "08-stockage.csv", _storage(rng), "utf-8"),
    ]
    out = []
    for kind, name, text, encoding in files:
        path = directory / name
        path.write_bytes(text.encode(encoding))
        out.append((kind, path))
    return out
