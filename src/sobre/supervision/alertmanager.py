"""Alertmanager's webhook payload (version 4) in, and Sobre's rules out as a Prometheus rule file.

Webhook payload (``webhook_config`` receiver): ``version``, ``groupKey``, ``truncatedAlerts``, ``status``,
``receiver``, ``groupLabels``, ``commonLabels``, ``commonAnnotations``, ``externalURL`` and ``alerts[]``,
each with ``status`` (firing or resolved), ``labels``, ``annotations``, ``startsAt``, ``endsAt`` (Go's
zero time ``0001-01-01T00:00:00Z`` while firing), ``generatorURL`` and ``fingerprint``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sobre.core.errors import InputError
from sobre.supervision.prometheus import promql
from sobre.supervision.rules import Rule, format_duration

_ZERO_TIME = "0001-01-01"


@dataclass(frozen=True)
class ReceivedAlert:
    fingerprint: str
    status: str  # firing or resolved
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None
    generator_url: str


def _time(text: str, where: str) -> datetime:
    try:
        # Go writes nanoseconds; Python keeps microseconds.
        head, _, rest = text.replace("Z", "+00:00").partition(".")
        if rest:
            digits = "".join(c for c in rest if c.isdigit())
            zone = rest[len(digits) :]
            text = f"{head}.{digits[:6]}{zone}"
        else:
            text = head
        return datetime.fromisoformat(text)
    except ValueError:
        raise InputError("bad time", column=where, value=text, expected="RFC 3339") from None


def parse_webhook(payload: Any) -> list[ReceivedAlert]:
    """The alerts of one Alertmanager webhook call; ``InputError`` names the field at fault."""
    if not isinstance(payload, dict):
        raise InputError("the webhook body is not a JSON object")
    version = str(payload.get("version", ""))
    if version != "4":
        raise InputError(
            "unsupported Alertmanager webhook version", column="version", value=version, expected="4"
        )
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise InputError("no alerts list", column="alerts")
    out = []
    for i, a in enumerate(alerts):
        where = f"alerts[{i}]"
        if not isinstance(a, dict) or a.get("status") not in ("firing", "resolved"):
            raise InputError(
                "bad alert status",
                column=f"{where}.status",
                value=a.get("status") if isinstance(a, dict) else a,
                expected="firing or resolved",
            )
        labels = {str(k): str(v) for k, v in (a.get("labels") or {}).items()}
        if "alertname" not in labels:
            raise InputError("alert without an alertname label", column=f"{where}.labels")
        ends = a.get("endsAt") or ""
        out.append(
            ReceivedAlert(
                fingerprint=str(a.get("fingerprint") or _fingerprint(labels)),
                status=a["status"],
                labels=labels,
                annotations={str(k): str(v) for k, v in (a.get("annotations") or {}).items()},
                starts_at=_time(str(a.get("startsAt", "")), f"{where}.startsAt"),
                ends_at=None if not ends or ends.startswith(_ZERO_TIME) else _time(ends, f"{where}.endsAt"),
                generator_url=str(a.get("generatorURL") or ""),
            )
        )
    return out


def _fingerprint(labels: dict[str, str]) -> str:
    import hashlib

    text = "\xff".join(f"{k}\xfe{v}" for k, v in sorted(labels.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def rule_expression(rule: Rule, window: str = "5m") -> str:
    """PromQL for a rule over node_exporter metrics.

    Hysteresis becomes Prometheus's own idiom: the condition at the clear threshold also holds while the
    alert already fires (``or (… and ignoring(…) ALERTS{alertstate="firing"})``).
    """
    selected = f"({promql(rule.metric, rule.labels, window=window)})"
    expr = f"{selected} {rule.op} {rule.threshold:g}"
    if rule.clear is None:
        return expr
    held = f"{selected} {rule.op} {rule.clear:g}"
    firing = f'ALERTS{{alertname="{rule.name}", alertstate="firing"}}'
    return f"({expr}) or (({held}) and ignoring(alertname, alertstate, severity, source) {firing})"


def prometheus_rule_file(rules: Sequence[Rule], group: str = "sobre", window: str = "5m") -> str:
    """A Prometheus rule file (YAML) holding the rules, ``for`` and ``keep_firing_for`` included."""
    import yaml

    items = []
    for r in rules:
        item: dict[str, Any] = {"alert": r.name, "expr": rule_expression(r, window)}
        if r.for_s:
            item["for"] = format_duration(r.for_s)
        if r.keep_firing_for_s:
            item["keep_firing_for"] = format_duration(r.keep_firing_for_s)
        item["labels"] = {"severity": r.severity, "source": "sobre"}
        if r.summary:
            item["annotations"] = {"summary": r.summary}
        items.append(item)
    return yaml.safe_dump({"groups": [{"name": group, "rules": items}]}, sort_keys=False, allow_unicode=True)
