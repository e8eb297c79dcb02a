"""Sending escalation messages: e-mail over SMTP, or a webhook (JSON POST).

SMTP settings come from the environment: ``SOBRE_SMTP_HOST`` (required for e-mail), ``SOBRE_SMTP_PORT``
(587), ``SOBRE_SMTP_USER``, ``SOBRE_SMTP_PASSWORD``, ``SOBRE_SMTP_FROM`` and ``SOBRE_SMTP_TLS``
(``starttls`` by default, ``ssl`` or ``none``).  The webhook body follows Alertmanager's webhook payload
(version 4), so receivers written for Alertmanager read it unchanged.
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Protocol

from sobre.core.errors import SobreError
from sobre.core.i18n import t


@dataclass(frozen=True)
class Message:
    """One escalation message, ready to send."""

    channel: str
    target: str
    kind: str  # firing or resolved
    step: int
    alerts: Sequence[dict[str, Any]]  # alertname, grade, host, summary, started_at, labels, id
    group: dict[str, str]
    lang: str = "en"


class Sender(Protocol):
    def send(self, message: Message) -> None: ...


def subject(message: Message) -> str:
    worst = max((a["grade"] for a in message.alerts), key=["info", "minor", "major", "critical"].index)
    names = ", ".join(sorted({a["alertname"] for a in message.alerts}))
    key = "sup.mail.subject.resolved" if message.kind == "resolved" else "sup.mail.subject.firing"
    return t(
        key, message.lang, grade=t(f"sup.grade.{worst}", message.lang), names=names, count=len(message.alerts)
    )


def body(message: Message) -> str:
    lang = message.lang
    lines = [t("sup.mail.intro." + message.kind, lang, step=message.step + 1), ""]
    for a in message.alerts:
        lines.append(
            t(
                "sup.mail.line",
                lang,
                grade=t(f"sup.grade.{a['grade']}", lang),
                name=a["alertname"],
                host=a.get("host") or "-",
                since=a["started_at"],
            )
        )
        if a.get("summary"):
            lines.append(f"    {a['summary']}")
    lines += ["", t("sup.mail.ack_hint", lang, first=message.alerts[0]["id"])]
    return "\n".join(lines)


def webhook_payload(message: Message) -> dict[str, Any]:
    """Alertmanager's webhook payload (version 4) for the message's alerts."""
    status = "resolved" if message.kind == "resolved" else "firing"
    alerts = [
        {
            "status": status,
            "labels": {**a.get("labels", {}), "grade": a["grade"]},
            "annotations": {"summary": a.get("summary") or ""},
            "startsAt": a["started_at"],
            "endsAt": a.get("ended_at") or "0001-01-01T00:00:00Z",
            "generatorURL": "",
            "fingerprint": a.get("fingerprint", ""),
        }
        for a in message.alerts
    ]
    common = dict(set.intersection(*(set(x["labels"].items()) for x in alerts))) if alerts else {}
    return {
        "version": "4",
        "groupKey": "{}:{" + ", ".join(f'{k}="{v}"' for k, v in sorted(message.group.items())) + "}",
        "truncatedAlerts": 0,
        "status": status,
        "receiver": f"sobre-step-{message.step + 1}" if message.step >= 0 else "sobre",
        "groupLabels": dict(message.group),
        "commonLabels": common,
        "commonAnnotations": {},
        "externalURL": "",
        "alerts": alerts,
    }


class SmtpSender:
    def __init__(self, env: dict[str, str] | None = None) -> None:
        e = os.environ if env is None else env
        self.host = e.get("SOBRE_SMTP_HOST")
        self.port = int(e.get("SOBRE_SMTP_PORT", "587"))
        self.user = e.get("SOBRE_SMTP_USER")
        self.password = e.get("SOBRE_SMTP_PASSWORD")
        self.sender = e.get("SOBRE_SMTP_FROM", "sobre@localhost")
        self.tls = e.get("SOBRE_SMTP_TLS", "starttls")

    def send(self, message: Message) -> None:
        if not self.host:
            raise SobreError(
                "e-mail escalation needs SOBRE_SMTP_HOST (and SOBRE_SMTP_PORT, _USER, _PASSWORD, _FROM)"
            )
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.target
        mail["Subject"] = subject(message)
        mail.set_content(body(message))
        cls = smtplib.SMTP_SSL if self.tls == "ssl" else smtplib.SMTP
        with cls(self.host, self.port, timeout=20) as smtp:
            if self.tls == "starttls":
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(mail)


class WebhookSender:
    def __init__(self, transport: Any = None, timeout: float = 10.0) -> None:
        self.transport = transport
        self.timeout = timeout

    def send(self, message: Message) -> None:
        import httpx

        try:
            with httpx.Client(transport=self.transport, timeout=self.timeout) as client:
                response = client.post(message.target, json=webhook_payload(message))
        except httpx.HTTPError as exc:
            raise SobreError(f"webhook {message.target} unreachable: {exc}") from None
        if response.status_code >= 300:
            raise SobreError(f"webhook {message.target} answered {response.status_code}")


@dataclass
class Notifier:
    """Sends each message through its channel's sender; failures are reported, not raised."""

    senders: dict[str, Sender] = field(
        default_factory=lambda: {"email": SmtpSender(), "webhook": WebhookSender()}
    )

    def send(self, message: Message) -> str | None:
        sender = self.senders.get(message.channel)
        if sender is None:
            return f"no sender for channel {message.channel!r}"
        try:
            sender.send(message)
        except (SobreError, OSError, smtplib.SMTPException) as exc:
            return str(exc)
        return None


@dataclass
class RecordingSender:
    """Keeps messages instead of sending them (tests, dry runs)."""

    sent: list[Message] = field(default_factory=list)

    def send(self, message: Message) -> None:
        self.sent.append(message)
