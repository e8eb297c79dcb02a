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
    SERVER_ROOMS,
)


def _rows_to_csv(header: list[str], rows: list[list[object]], *, sep: str = ",") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\r\n" if sep == ";" else "\n")
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return buf.getvalue()


def _fr_date(d: date | None) -> str:
    return "" if d is None else d.strftime("%d/%m/%Y")


def _purchase(rng: random.Random, years: tuple[int, int]) -> date:
    lo, hi = years
    days = rng.randint(int(lo * 365.25), int(hi * 365.25) + 200)
    return REFERENCE_DATE - timedelta(days=days)


def _sites() -> str:
    rows: list[list[object]] = [[name, "office", "FR", "Sobreville", None, None] for name, _ in OFFICES]
    rows += [[name, "server_room", "FR", "Sobreville", str(pue), None] for name, pue in SERVER_ROOMS]
    rows.append([COLOCATION[0], "colocation", "FR", "Lyon", str(COLOCATION[1]), "Colocation Rhône"])
    rows += [[name, "cloud_region", "FR", None, None, provider] for name, provider, _ in CLOUD_REGIONS]
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
    rows: list[list[object]] = []
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
            rows.append(
                [
                    gid,
                    name,
                    status,
                    maker,
                    type_text,
                    model,
                    f"{maker[:2].upper()}{rng.randrange(10**8):08d}",
                    rng.choice(office_of[dept]),
                    dept,
                    None if shared else login,
                    _fr_date(bought),
                    _fr_date(retired),
                    ram,
                    (
                        REFERENCE_DATE - timedelta(days=rng.randint(1, 90), minutes=rng.randint(0, 1439))
                    ).strftime("%d/%m/%Y %H:%M"),
                ]
            )
    # Deliberate defects, each of which the importer must reject with a clear reason.
    rows[17][10] = "31/02/2021"  # impossible date
    rows[230][7] = "Annexe Bellevue"  # a site that does not exist
    rows[402][1] = rows[401][1]  # the same name twice: both rows are rejected
    rows[950][12] = "huit"  # text in a number column
    return _rows_to_csv(header, rows, sep=";")


def _servers(rng: random.Random) -> tuple[str, list[tuple[str, int, str]]]:
    """Sobre-format equipment: servers, storage arrays, network, UPS, BYOD and refurbished lots."""
    header = [
        "name",
        "category",
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
    rows: list[list[object]] = []
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
        rows.append(
            [
                name,
                "rack_server",
                maker,
                model,
                1,
                status,
                bought.isoformat(),
                retired.isoformat() if retired else None,
                None,
                None,
                rng.randint(1800, 4200) if measured else None,
                None,
                "false",
                threads,
                rng.choice([128, 256, 384]),
                rng.choice([960, 1920, 3840]),
                "FR",
                site,
                "DSI",
                "high" if measured else "medium",
            ]
        )
        if hypervisor and status == "in_use":
            hosts.append((name, threads, site))
    for i in range(6):
        rows.append(
            [
                f"baie-{i + 1:02d}",
                "storage_array",
                "NetApp",
                "AFF A250",
                1,
                "in_use",
                _purchase(rng, (1, 6)).isoformat(),
                None,
                None,
                None,
                None,
                None,
                "false",
                None,
                None,
                rng.choice([40_000, 80_000, 120_000]),
                "FR",
                rooms[i % 3],
                "DSI",
                "medium",
            ]
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
                    [
                        f"{category}-{office}",
                        category,
                        maker,
                        model,
                        qty + rng.randint(0, 4),
                        "in_use",
                        _purchase(rng, (1, 8)).isoformat(),
                        None,
                        None,
                        None,
                        round(NETWORK_POWER_W[category] * 8760 / 1000, 1),
                        None,
                        "false",
                        None,
                        None,
                        None,
                        "FR",
                        office,
                        "DSI",
                        "low",
                    ]
                )
    for room in rooms:
        for category, maker, model, qty in (
            ("switch", "Cisco", "Nexus 93180", 4),
            ("router", "Cisco", "ISR 4331", 2),
            ("firewall", "Fortinet", "FortiGate 100F", 2),
            ("ups", "APC", "Symmetra", 2),
        ):
            rows.append(
                [
                    f"{category}-{room}",
                    category,
                    maker,
                    model,
                    qty,
                    "in_use",
                    _purchase(rng, (1, 6)).isoformat(),
                    None,
                    None,
                    None,
                    None,
                    None,
                    "false",
                    None,
                    None,
                    None,
                    "FR",
                    room,
                    "DSI",
                    "medium",
                ]
            )
    # BYOD phones of on-call staff, and refurbished laptops bought for the schools in 2024.
    rows.append(
        [
            "Smartphones personnels astreinte",
            "smartphone",
            None,
            None,
            60,
            "in_use",
            None,
            None,
            None,
            None,
            None,
            "byod",
            "false",
            None,
            None,
            None,
            "FR",
            "Centre technique municipal",
            "Services techniques",
            "low",
        ]
    )
    rows.append(
        [
            "Portables reconditionnés écoles",
            "laptop",
            "Lenovo",
            "ThinkPad T480",
            40,
            "in_use",
            "2024-09-02",
            None,
            4,
            None,
            None,
            None,
            "true",
            None,
            8,
            256,
            "FR",
            "Groupe scolaire Marie-Curie",
            "Éducation",
            "medium",
        ]
    )
    rows.append(
        [
            "Vidéoprojecteurs écoles",
            "display",
            "Epson",
            "EB-W51",
            45,
            "in_use",
            "2019-08-26",
            None,
            None,
            None,
            None,
            None,
            "false",
            None,
            None,
            None,
            "FR",
            "École Jules-Ferry",
            "Éducation",
            "low",
        ]
    )
    rows.append(
        [
            "Tablettes classe mobile (lot)",
            "tablet",
            "Apple",
            "iPad 9th generation",
            -2,
            "in_use",
            "2023-09-01",
            None,
            None,
            None,
            None,
            None,
            "false",
            None,
            None,
            None,
            "FR",
            "École du Parc",
            "Éducation",
            "medium",
        ]
    )  # defect: negative quantity
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
    rows: list[list[object]] = []
    names: list[str] = []
    # Spread 400 VMs unevenly: some hosts are nearly full, a few are mostly idle (consolidation candidates).
    weights = [rng.choice([1, 2, 3, 3, 4]) for _ in hosts]
    for i in range(400):
        host, threads, site = rng.choices(hosts, weights=weights)[0]
        vcpu = rng.choice([1, 2, 2, 4, 4, 8])
        name = f"vm-{i + 1:03d}"
        rows.append(
            [
                name,
                host,
                f"cluster-{site.split()[-1].lower()}",
                vcpu,
                vcpu * rng.choice([2, 4]),
                rng.choice([40, 80, 100, 200, 500]),
                "compute",
                None,
                None,
                rng.choice(depts),
            ]
        )
        names.append(name)
    rows.append(["vm-orpheline", "esx-999", "cluster-x", 2, 4, 40, "compute", None, None, "DSI"])  # defect
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
    rows: list[list[object]] = []
    names = []
    for i in range(20):
        region, provider, code = CLOUD_REGIONS[i % 2]
        kind, vcpu, ram = rng.choice(INSTANCE_TYPES[provider])
        name = f"cloud-{provider}-{i + 1:02d}"
        rows.append(
            [
                name,
                provider,
                kind,
                code,
                "FR",
                1,
                8760 if i % 4 else 2920,
                round(rng.uniform(0.1, 0.6), 2),
                vcpu,
                ram,
                rng.choice(["Éducation", "Culture", "Sports", "Direction générale"]),
            ]
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
    rows: list[list[object]] = []
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
        for _ in range(n_vm):
            vm = pool.pop() if pool else rng.choice(vms)
            rows.append([name, "production", domain, None, users, dept, vm, None, None])
        if on_cloud or n_vm == 0:
            rows.append([name, "production", domain, None, users, dept, None, rng.choice(cloud), None])
        if rng.random() < 0.15:  # a test environment on a shared VM
            rows.append([name, "recette", domain, None, 5, dept, rng.choice(vms), None, None])
    rows.append(
        [
            "Vidéoprotection",
            "production",
            "Sécurité",
            "Enregistreurs",
            20,
            "Police municipale",
            None,
            None,
            rng.choice(servers),
        ]
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
    rows: list[list[object]] = []
    for i in range(6):
        for j in range(3):
            cap = rng.choice([4_000, 8_000, 16_000])
            rows.append(
                [
                    f"vol-{i + 1:02d}-{j + 1}",
                    rng.choice(["block", "file"]),
                    "ssd",
                    cap,
                    int(cap * rng.uniform(0.3, 0.9)),
                    1,
                    f"baie-{i + 1:02d}",
                    None,
                    None,
                    "DSI",
                ]
            )
    rows.append(
        [
            "sauvegarde-externalisee",
            "object",
            "hdd",
            60_000,
            42_000,
            2,
            None,
            CLOUD_REGIONS[0][0],
            None,
            "DSI",
        ]
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
            _rows_to_csv(["name", "headcount"], [list(d) for d in DEPARTMENTS]),
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
