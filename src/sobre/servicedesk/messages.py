"""Graded communication about an incident: one message per audience, urgency, channel and language.

- **Audience.** End users read what they can do and when their service comes back, in plain words, with the
  names of the services they use (never host or VM names); managers read the business effect (how many
  people, since when, the cost when known); technical staff read the items, the cause and the figures.
- **Urgency** (info, minor, major, critical) sets the tone of the subject line and the first sentence.
- **Channel.** E-mail has a subject and a body; a portal banner is a title and two sentences; an SMS is one
  text of at most 160 characters.
- **Phase.** Started, update or resolved.

Texts come from the service desk catalogues (French and English); an organisation may replace any
(audience, urgency, channel, language) with its own template using the same ``{placeholders}``.
:func:`plain_language_issues` checks a text for end users: short sentences, no unexplained jargon.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

AUDIENCES = ("end_user", "manager", "technical")
URGENCIES = ("info", "minor", "major", "critical")
CHANNELS = ("email", "portal", "sms")
PHASES = ("started", "update", "resolved")
SMS_LIMIT = 160

#: Words an end user should not have to know (checked by :func:`plain_language_issues`), per language.
JARGON = {
    "fr": (
        "vm",
        "machine virtuelle",
        "hyperviseur",
        "dns",
        "dhcp",
        "san",
        "nas",
        "vlan",
        "switch",
        "commutateur",
        "routeur",
        "cluster",
        "serveur",
        "base de données",
        "backend",
        "latence",
        "sla",
        "pue",
        "ldap",
        "active directory",
        "api",
    ),
    "en": (
        "vm",
        "virtual machine",
        "hypervisor",
        "dns",
        "dhcp",
        "san",
        "nas",
        "vlan",
        "switch",
        "router",
        "cluster",
        "server",
        "database",
        "backend",
        "latency",
        "sla",
        "pue",
        "ldap",
        "active directory",
        "api",
    ),
}
MAX_SENTENCE_WORDS = 25


def urgency_of(priority: int) -> str:
    """The communication urgency of a ticket priority (1–6)."""
    return "critical" if priority >= 5 else "major" if priority == 4 else "minor" if priority == 3 else "info"


@dataclass(frozen=True)
class Facts:
    """What a message may say about an incident."""

    ticket: int
    services: tuple[str, ...]  # what users know: digital services and applications
    items: tuple[str, ...] = ()  # hosts, VMs (technical audience only)
    since: str = ""
    eta: str = ""
    workaround: str = ""
    cause: str = ""
    users: int | None = None
    cost: str = ""
    contact: str = ""
    title: str = ""


@dataclass(frozen=True)
class Message:
    audience: str
    urgency: str
    channel: str
    lang: str
    phase: str
    subject: str
    body: str
    warnings: tuple[str, ...] = field(default_factory=tuple)


Lookup = Callable[..., str]


def _default_lookup(key: str, lang: str, **values: object) -> str:
    from sobre.core.i18n import t

    return t(key, lang, **values)


def compose(
    facts: Facts,
    *,
    audience: str,
    urgency: str,
    channel: str,
    lang: str,
    phase: str,
    custom: Mapping[str, str] | None = None,
    text: Lookup = _default_lookup,
) -> Message:
    """The message for one audience, urgency, channel, language and phase.  ``custom``: an organisation's
    template (``subject`` and ``body`` with the same placeholders) replacing the shipped one."""
    for name, value, allowed in (
        ("audience", audience, AUDIENCES),
        ("urgency", urgency, URGENCIES),
        ("channel", channel, CHANNELS),
        ("phase", phase, PHASES),
    ):
        if value not in allowed:
            raise ValueError(f"unknown {name} {value!r}; one of {', '.join(allowed)}")
    service = ", ".join(facts.services) or text("sd.msg.some_services", lang)
    lines = {
        "eta_line": text("sd.msg.line.eta", lang, eta=facts.eta)
        if facts.eta
        else text("sd.msg.line.no_eta", lang),
        "workaround_line": text("sd.msg.line.workaround", lang, workaround=facts.workaround)
        if facts.workaround
        else "",
        "cause_line": text("sd.msg.line.cause", lang, cause=facts.cause) if facts.cause else "",
        "users_line": text("sd.msg.line.users", lang, users=facts.users) if facts.users else "",
        "cost_line": text("sd.msg.line.cost", lang, cost=facts.cost) if facts.cost else "",
        "contact_line": text("sd.msg.line.contact", lang, contact=facts.contact) if facts.contact else "",
        "items_line": text("sd.msg.line.items", lang, items=", ".join(facts.items)) if facts.items else "",
    }
    values = {
        "service": service,
        "ticket": facts.ticket,
        "since": facts.since or "-",
        "title": facts.title,
        "urgency": text(f"sd.msg.urgency.{urgency}", lang),
        **lines,
    }
    if custom is not None:
        subject_t, body_t = custom.get("subject", ""), custom.get("body", "")
        subject = _fill(subject_t, values)
        body = _fill(body_t, values)
    elif channel == "sms":
        subject = ""
        body = text(f"sd.msg.sms.{phase}", lang, **values)
    elif channel == "portal":
        subject = text(f"sd.msg.portal.{phase}.title", lang, **values)
        body = text(f"sd.msg.portal.{phase}.body", lang, **values)
    else:
        subject = text(f"sd.msg.subject.{phase}", lang, **values)
        if urgency == "critical" and phase != "resolved":
            subject = text("sd.msg.subject.urgent", lang, subject=subject)
        body = text(f"sd.msg.{audience}.{phase}", lang, **values)
    body = _tidy(body)
    warnings: list[str] = []
    if channel == "sms" and len(body) > SMS_LIMIT:
        body = body[: SMS_LIMIT - 1].rstrip() + "…"
        warnings.append(f"cut to {SMS_LIMIT} characters")
    if audience == "end_user":
        warnings.extend(plain_language_issues(f"{subject}. {body}", lang))
    return Message(audience, urgency, channel, lang, phase, subject, body, tuple(warnings))


def _fill(template: str, values: Mapping[str, object]) -> str:
    # Unknown placeholders stay as written rather than failing a message sent in a hurry.
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), m.group(0))), template)


def _tidy(text: str) -> str:
    """Drop the empty optional lines and the blank runs they leave."""
    lines = [line.rstrip() for line in text.replace("\\n", "\n").splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip()


def plain_language_issues(text: str, lang: str) -> list[str]:
    """What makes a text hard for a non-technical reader: long sentences, jargon."""
    issues = []
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        n = len(re.findall(r"\w+", sentence))
        if n > MAX_SENTENCE_WORDS:
            issues.append(f"sentence of {n} words (at most {MAX_SENTENCE_WORDS}): {sentence[:60]}…")
    lowered = f" {text.lower()} "
    for word in JARGON.get(lang, ()):
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", lowered):
            issues.append(f"technical word for an end user: {word!r}")
    return issues
