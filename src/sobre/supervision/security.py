"""Security events: Wazuh alerts, syslog authentication failures, vulnerability advisories with CVSS.

Each event is graded minor / major / critical from its detector's own scale (Wazuh rule level, CVSS base
score; see ``grading``), weighed later by the asset's criticality, and carries the category that tells
the preventive and corrective measures to take (``measure.<category>.*`` messages).

Wazuh: ``alerts.json`` holds one JSON alert per line (``timestamp``, ``rule.level``, ``rule.id``,
``rule.description``, ``rule.groups``, ``agent.name``, ``data``…); vulnerability-detector alerts carry
``data.vulnerability`` (``cve``, ``cvss.cvss3.base_score``, ``package.name``/``version``, ``title``).

Syslog: OpenSSH and PAM failure lines, in the classic BSD format (``Dec  1 10:00:01 host sshd[1]: …``) or
RFC 5424.  Failures are counted per host and source address; 8 or more within 120 s is a brute-force
attempt, as Wazuh's sshd rules 5712/5720 (level 10) define it; fewer are single failures (rules
5710/5716, level 5).

Advisories: a CSV or JSON list of ``id, cvss, product, versions, title, fix`` matched against the
operating systems and models of the supervised hosts and the inventory.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sobre.core.errors import InputError
from sobre.supervision.grading import Grade, from_cvss, from_wazuh

CATEGORIES = ("auth_failure", "brute_force", "vulnerability", "integrity", "malware", "policy", "other")
BRUTE_FORCE_COUNT = 8
BRUTE_FORCE_WINDOW_S = 120


@dataclass(frozen=True)
class SecurityEvent:
    source: str  # wazuh, syslog, advisory
    external_id: str
    at: datetime
    host: str
    title: str
    category: str
    level: Grade  # the detector's level, before the asset's criticality
    score: float | None = None  # Wazuh level or CVSS score
    details: dict[str, Any] = field(default_factory=dict)


def _category(groups: Sequence[str]) -> str:
    g = {x.lower() for x in groups}
    if "vulnerability-detector" in g or "vulnerability_detector" in g:
        return "vulnerability"
    if g & {"authentication_failures", "brute_force", "recon"}:
        return "brute_force"
    if g & {"authentication_failed", "invalid_login", "authentication_failure"}:
        return "auth_failure"
    if g & {"syscheck", "syscheck_file", "syscheck_entry_modified", "fim"}:
        return "integrity"
    if g & {"rootcheck", "virustotal", "malware", "yara"}:
        return "malware"
    if g & {"sca", "policy_monitoring", "oscap"}:
        return "policy"
    return "other"


def _time(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    t = text.strip().replace("Z", "+00:00")
    # Wazuh writes +0000 (no colon), which fromisoformat accepts from Python 3.11.
    value = datetime.fromisoformat(t)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_wazuh(text: str, source: str = "alerts.json") -> list[SecurityEvent]:
    """Wazuh alerts: one JSON object per line (``alerts.json``) or a JSON array of them."""
    stripped = text.strip()
    if not stripped:
        return []
    docs: list[tuple[int, Any]]
    if stripped.startswith("["):
        try:
            docs = list(enumerate(json.loads(stripped), start=1))
        except json.JSONDecodeError as exc:
            raise InputError(f"not JSON: {exc.msg}", file=source, row=exc.lineno) from None
    else:
        docs = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                docs.append((n, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"not a JSON alert: {exc.msg}", file=source, row=n, value=line[:60]
                ) from None
    events = []
    for n, doc in docs:
        rule = doc.get("rule") if isinstance(doc, dict) else None
        if not isinstance(rule, dict) or "level" not in rule:
            raise InputError(
                "not a Wazuh alert", file=source, row=n, column="rule.level", expected="a rule with a level"
            )
        try:
            level = int(rule["level"])
            wazuh_grade = from_wazuh(level)
        except (TypeError, ValueError):
            raise InputError(
                "bad rule level",
                file=source,
                row=n,
                column="rule.level",
                value=rule["level"],
                expected="0–15",
            ) from None
        data = doc.get("data") or {}
        vuln = data.get("vulnerability") if isinstance(data, dict) else None
        groups = [str(g) for g in rule.get("groups", [])]
        details: dict[str, Any] = {"rule_id": str(rule.get("id", "")), "groups": groups}
        for key in ("srcip", "srcuser", "dstuser"):
            if isinstance(data, dict) and data.get(key):
                details[key] = data[key]
        score: float = float(level)
        level_grade = wazuh_grade
        title = str(rule.get("description", ""))
        if isinstance(vuln, dict):
            cvss = _cvss_of(vuln)
            pkg = vuln.get("package") or {}
            details.update(cve=vuln.get("cve"), package=pkg.get("name"), version=pkg.get("version"))
            if cvss is not None:
                details["cvss"] = cvss
                level_grade = from_cvss(cvss)
            title = str(vuln.get("title") or title)
        agent = doc.get("agent") or {}
        events.append(
            SecurityEvent(
                source="wazuh",
                external_id=str(doc.get("id") or f"{rule.get('id')}@{doc.get('timestamp')}"),
                at=_time(doc.get("timestamp")),
                host=str(agent.get("name") or (doc.get("manager") or {}).get("name") or ""),
                title=title,
                category=_category(groups),
                level=level_grade,
                score=details.get("cvss", score),
                details=details,
            )
        )
    return events


def _cvss_of(vuln: dict[str, Any]) -> float | None:
    cvss = vuln.get("cvss") or {}
    for version in ("cvss3", "cvss2"):
        base = (cvss.get(version) or {}).get("base_score")
        if base not in (None, ""):
            try:
                return float(base)
            except (TypeError, ValueError):
                return None
    score = vuln.get("score") or {}
    return float(score["base"]) if isinstance(score, dict) and score.get("base") not in (None, "") else None


_BSD = re.compile(
    r"^(?P<mon>[A-Z][a-z]{2})\s+(?P<day>\d{1,2}) (?P<time>\d\d:\d\d:\d\d) (?P<host>\S+) (?P<rest>.*)$"
)
_RFC5424 = re.compile(r"^(?:<\d+>)?1 (?P<ts>\S+) (?P<host>\S+) (?P<rest>.*)$")
_ISO = re.compile(r"^(?P<ts>\d{4}-\d\d-\d\dT\S+) (?P<host>\S+) (?P<rest>.*)$")
_FAILURES = (
    (
        re.compile(
            r"Failed (?:password|publickey|keyboard-interactive/pam) for (?:invalid user )?(?P<user>\S+)"
            r" from (?P<ip>[0-9a-fA-F.:]+)"
        ),
        "5716",
    ),
    (re.compile(r"Invalid user (?P<user>\S*) from (?P<ip>[0-9a-fA-F.:]+)"), "5710"),
    (re.compile(r"authentication failure;.*?rhost=(?P<ip>[0-9a-fA-F.:]*)(?:\s+user=(?P<user>\S+))?"), "5716"),
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


def parse_syslog(lines: Iterable[str], *, year: int, source: str = "syslog") -> list[SecurityEvent]:
    """Authentication failures from syslog lines, counted per host and source address.

    ``year`` dates the classic BSD lines, which carry none; a line dated later than the next ones by
    more than half a year belongs to the year before (a log that crosses New Year).
    """
    parsed: list[tuple[datetime, str, str]] = []  # (time, host, message)
    bsd: list[int] = []  # indexes of lines dated without a year
    for n, line in enumerate(lines, start=1):
        line = line.rstrip("\n")
        m = _BSD.match(line)
        if m and m["mon"] in _MONTHS:
            h, mi, s = (int(x) for x in m["time"].split(":"))
            try:
                at = datetime(year, _MONTHS[m["mon"]], int(m["day"]), h, mi, s, tzinfo=UTC)
            except ValueError:
                raise InputError("bad date", file=source, row=n, value=line[:15]) from None
            bsd.append(len(parsed))
            parsed.append((at, m["host"], m["rest"]))
            continue
        m = _RFC5424.match(line) or _ISO.match(line)
        if m:
            try:
                parsed.append((_time(m["ts"]), m["host"], m["rest"]))
            except ValueError:
                raise InputError("bad timestamp", file=source, row=n, value=m["ts"]) from None
    # Walking back from the end, a jump forward of more than half a year means the year before.
    shift = 0
    for later, earlier in zip(bsd[::-1], bsd[-2::-1], strict=False):
        if (parsed[earlier][0].replace(year=year) - parsed[later][0].replace(year=year)).days > 182:
            shift += 1
        at, host, rest = parsed[earlier]
        parsed[earlier] = (at.replace(year=year - shift), host, rest)
    hits: dict[tuple[str, str], list[tuple[datetime, str, str]]] = {}
    for at, host, rest in parsed:
        for pattern, rule_id in _FAILURES:
            f = pattern.search(rest)
            if f:
                ip = f["ip"] or "local"
                hits.setdefault((host, ip), []).append((at, f.groupdict().get("user") or "", rule_id))
                break
    events = []
    for (host, ip), found in sorted(hits.items()):
        found.sort()
        times = [f[0].timestamp() for f in found]
        burst = 0
        j = 0
        for i, t in enumerate(times):
            while t - times[j] > BRUTE_FORCE_WINDOW_S:
                j += 1
            burst = max(burst, i - j + 1)
        brute = burst >= BRUTE_FORCE_COUNT
        level = 10 if brute else 5
        users = sorted({f[1] for f in found if f[1]})
        events.append(
            SecurityEvent(
                source="syslog",
                external_id=f"{host}/{ip}/{found[0][0].isoformat()}",
                at=found[-1][0],
                host=host,
                title=(
                    f"{len(found)} failed logins from {ip} ({burst} within {BRUTE_FORCE_WINDOW_S} s)"
                    if brute
                    else f"{len(found)} failed login(s) from {ip}"
                ),
                category="brute_force" if brute else "auth_failure",
                level=from_wazuh(level),
                score=float(level),
                details={
                    "srcip": ip,
                    "users": users,
                    "failures": len(found),
                    "max_in_window": burst,
                    "first": found[0][0].isoformat(),
                    "rule_id": "5712" if brute else found[0][2],
                },
            )
        )
    return events


@dataclass(frozen=True)
class Advisory:
    id: str
    cvss: float
    product: str
    versions: str  # "*", "22.04", "<=5.10", ">=2.0,<2.4"
    title: str = ""
    fix: str = ""


def parse_advisories(text: str, source: str = "advisories") -> list[Advisory]:
    """Advisories from CSV (header ``id,cvss,product,versions,title,fix``; ``;`` also accepted) or JSON."""
    rows: list[tuple[int, dict[str, Any]]]
    if text.lstrip().startswith(("[", "{")):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"not JSON: {exc.msg}", file=source, row=exc.lineno) from None
        items = doc.get("advisories", []) if isinstance(doc, dict) else doc
        rows = list(enumerate(items, start=1))
    else:
        sample = text[:2048]
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
        rows = [
            (n, {(k or "").strip().lower(): v for k, v in r.items()}) for n, r in enumerate(reader, start=2)
        ]
    out = []
    for n, r in rows:
        for col in ("id", "cvss", "product"):
            if not str(r.get(col) or "").strip():
                raise InputError("missing value", file=source, row=n, column=col)
        try:
            score = float(str(r["cvss"]).replace(",", "."))
            from_cvss(score)
        except ValueError:
            raise InputError(
                "bad CVSS score", file=source, row=n, column="cvss", value=r["cvss"], expected="0.0–10.0"
            ) from None
        versions = str(r.get("versions") or "*").strip() or "*"
        try:
            version_matches(versions, "0")
        except ValueError as exc:
            raise InputError(str(exc), file=source, row=n, column="versions", value=versions) from None
        out.append(
            Advisory(
                str(r["id"]).strip(),
                score,
                str(r["product"]).strip(),
                versions,
                str(r.get("title") or "").strip(),
                str(r.get("fix") or "").strip(),
            )
        )
    return out


def _version(text: str) -> tuple[int, ...]:
    parts = re.findall(r"\d+", text)
    return tuple(int(p) for p in parts)


_CMP = re.compile(r"^\s*(<=|>=|<|>|=|==)?\s*([0-9][0-9A-Za-z.\-_]*)\s*$")


def version_matches(spec: str, version: str | None) -> bool:
    """Whether ``version`` satisfies ``spec``: ``*``, an exact version or comma-joined comparisons."""
    if spec.strip() in ("", "*"):
        return True
    checks = []
    for part in spec.split(","):
        m = _CMP.match(part)
        if not m:
            raise ValueError(
                f"not a version condition: {part.strip()!r} (expected e.g. 22.04, <=5.10 or >=2.0,<2.4)"
            )
        checks.append((m[1] or "=", _version(m[2])))
    if not version:
        return False
    v = _version(version)
    for op, ref in checks:
        width = max(len(v), len(ref))
        a, b = v + (0,) * (width - len(v)), ref + (0,) * (width - len(ref))
        ok = {"=": a == b, "==": a == b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        if not ok:
            return False
    return True


@dataclass(frozen=True)
class Asset:
    """What an advisory can match: a host's operating system, its hardware model."""

    host: str
    os_name: str | None = None
    os_version: str | None = None
    manufacturer: str | None = None
    model: str | None = None


def _norm(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).strip()


def match_advisories(
    advisories: Sequence[Advisory], assets: Sequence[Asset], at: datetime
) -> list[SecurityEvent]:
    """One event per (advisory, asset) whose operating system or model the advisory names."""
    events = []
    for adv in advisories:
        product = _norm(adv.product)
        for asset in assets:
            targets = [
                (_norm(asset.os_name), asset.os_version, "os"),
                (_norm(asset.model), None, "model"),
                (_norm(f"{asset.manufacturer or ''} {asset.model or ''}"), None, "model"),
            ]
            for name, version, kind in targets:
                if not name or not (
                    product == name or product in name.split(" ") or name.startswith(product + " ")
                ):
                    continue
                if kind == "os" and not version_matches(adv.versions, version):
                    continue
                events.append(
                    SecurityEvent(
                        source="advisory",
                        external_id=f"{adv.id}@{asset.host}",
                        at=at,
                        host=asset.host,
                        title=f"{adv.id}: {adv.title}" if adv.title else adv.id,
                        category="vulnerability",
                        level=from_cvss(adv.cvss),
                        score=adv.cvss,
                        details={
                            "cve": adv.id,
                            "cvss": adv.cvss,
                            "product": adv.product,
                            "matched": kind,
                            "fix": adv.fix,
                        },
                    )
                )
                break
    return events
