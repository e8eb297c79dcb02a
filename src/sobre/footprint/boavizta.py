"""BoaviztAPI connector: bottom-up impacts of servers, cloud instances and end-user terminals over HTTP.

BoaviztAPI (https://github.com/Boavizta/boaviztapi) is AGPL-3.0, so Sobre never imports it: it talks to a
BoaviztAPI server the user runs (or the integration tests start on loopback), through its JSON API
(``POST /v1/server/``, ``POST /v1/cloud/instance``, ``POST /v1/terminal/<kind>``, checked against v2.5.0).

Each answer gives, per Boavizta criterion, an ``embedded`` and a ``use`` figure over the requested
``duration`` (hours) with ``min``/``max``, or the string ``"not implemented"``.  Boavizta's ``embedded``
for servers and cloud instances is the manufacture of the components only (its own warning: "End of life is
not included in the calculation"), allocated linearly over ``hours_life_time``.  A figure Boavizta does not
compute stays ``None`` here, never 0.

BoaviztAPI rounds each value according to its ``uncertainty`` setting (10 % of the min–max span by
default; ``BOAVIZTA_UNCERTAINTY=1`` on the server gives finer figures).  Sobre keeps what the server says.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import pycountry

from sobre.core.errors import SobreError
from sobre.core.units import normalise_unit

#: Boavizta criterion → Sobre criterion code.  Only criteria Boavizta computes for servers, cloud and
#: terminals alike; its PEF criteria (e.g. ``wu``) are left out because some embedded values are negative.
CRITERIA = {"gwp": "climate_change", "adp": "adpe", "pe": "primary_energy"}
#: Kinds accepted by ``terminal()`` and the BoaviztAPI route serving each.
TERMINAL_ROUTES = {
    "laptop": "/v1/terminal/laptop",
    "desktop": "/v1/terminal/desktop",
    "smartphone": "/v1/terminal/smartphone",
    "tablet": "/v1/terminal/tablet",
    "television": "/v1/terminal/television",
    "box": "/v1/terminal/box",
    "vr_headset": "/v1/terminal/vr_headset",
    "monitor": "/v1/peripheral/monitor",
}
#: BoaviztAPI's own default server archetype (v2.5.0 ``config.default_server``).
DEFAULT_SERVER_ARCHETYPE = "platform_compute_medium"
HOURS_PER_YEAR = 8760.0
#: BoaviztAPI's code for "Europe", its default location; Sobre's EU27 pseudo-region maps to it.
_REGIONS_ISO3 = {"EU27": "EEE", "WORLD": "WOR"}
_NOT_IMPLEMENTED = "not implemented"


class BoaviztaError(SobreError):
    """A BoaviztAPI request failed (unreachable server, timeout, HTTP error, unexpected answer)."""


def to_iso3(country: str | None) -> str | None:
    """Sobre's country code (ISO alpha-2, ``EU27`` or ``WORLD``) → BoaviztAPI's alpha-3 location code."""
    if country is None or not str(country).strip():
        return None
    code = str(country).strip().upper()
    if code in _REGIONS_ISO3:
        return _REGIONS_ISO3[code]
    if len(code) == 3 and pycountry.countries.get(alpha_3=code) is not None:
        return code
    found = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    if found is None:
        raise BoaviztaError(f"country {country!r} is not an ISO 3166 alpha-2 code, EU27 or WORLD")
    return str(found.alpha_3)


@dataclass(frozen=True)
class StageFigure:
    """One Boavizta figure over the requested duration, in the criterion's unit."""

    value: float
    low: float
    high: float
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class CriterionImpacts:
    """Embedded and use figures of one criterion; ``None`` where BoaviztAPI does not compute it."""

    criterion: str  # Sobre code, e.g. climate_change
    boavizta_criterion: str  # e.g. gwp
    unit: str  # Sobre spelling, e.g. kgCO2e
    embedded: StageFigure | None
    use: StageFigure | None


@dataclass(frozen=True)
class BoaviztImpacts:
    """BoaviztAPI's answer for one item, criteria keyed by Sobre code."""

    kind: str  # server, cloud_instance or a terminal kind
    archetype: str  # archetype (server/terminal) or "<provider>:<instance_type>" (cloud)
    location: str | None  # alpha-3 location (or cloud region) sent; None = BoaviztAPI's default (EEE)
    duration_hours: float
    criteria: dict[str, CriterionImpacts]
    warnings: tuple[str, ...] = ()
    #: From the verbose part of the answer, when present: hours_life_time, use_time_ratio, avg_power_w
    #: (value), avg_power_w_low, avg_power_w_high, usage_location (what BoaviztAPI actually used).
    details: dict[str, Any] = field(default_factory=dict)
    request: str = ""  # method, path and body, for error messages and traces

    @property
    def lifetime_hours(self) -> float | None:
        value = self.details.get("hours_life_time")
        return float(value) if value is not None else None

    def embedded_total(self, criterion: str) -> StageFigure | None:
        """Embedded impact over the item's whole life (undoing BoaviztAPI's duration / lifetime share).

        BoaviztAPI allocates embedded impacts as ``total × duration / hours_life_time`` (and no share when
        the duration exceeds the lifetime), so the whole-life figure is recovered exactly from any duration.
        """
        crit = self.criteria.get(criterion)
        if crit is None or crit.embedded is None:
            return None
        life = self.lifetime_hours
        if life is None or life <= 0:
            return None
        ratio = life / self.duration_hours if self.duration_hours < life else 1.0
        e = crit.embedded
        return StageFigure(e.value * ratio, e.low * ratio, e.high * ratio, e.warnings)


class BoaviztClient(Protocol):
    """What Sobre needs from a BoaviztAPI server."""

    def server(
        self,
        archetype: str | None,
        config: Mapping[str, Any] | None,
        country_iso3: str | None,
        duration_hours: float,
        load: float | None,
        use_time_ratio: float | None = None,
    ) -> BoaviztImpacts: ...

    def cloud_instance(
        self,
        provider: str,
        instance_type: str,
        location: str | None,
        duration_hours: float,
        load: float | None,
        use_time_ratio: float | None = None,
    ) -> BoaviztImpacts: ...

    def terminal(
        self, kind: str, archetype: str | None, country_iso3: str | None, duration_hours: float
    ) -> BoaviztImpacts: ...


# ------------------------------------------------------------------------------------------- requests
@dataclass(frozen=True)
class Request:
    """One BoaviztAPI call: everything that decides its answer (also the cache key)."""

    kind: str
    path: str
    params: tuple[tuple[str, str], ...]
    body: str  # canonical JSON
    archetype: str
    location: str | None
    duration_hours: float

    def describe(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.params)
        return f"POST {self.path}?{query} {self.body}"


def _percent(load: float | None) -> float | None:
    if load is None or (isinstance(load, float) and math.isnan(load)):
        return None
    if not 0 <= load <= 1:
        raise BoaviztaError(f"load {load!r} must be a share between 0 and 1")
    return round(load * 100, 6)


def _check_duration(duration_hours: float) -> float:
    if not duration_hours > 0:
        raise BoaviztaError(f"duration {duration_hours!r} hours must be positive")
    return float(duration_hours)


def _usage(
    location: str | None, load: float | None, use_time_ratio: float | None, *, region: bool = False
) -> dict[str, Any]:
    usage: dict[str, Any] = {}
    if location:
        usage["region" if region else "usage_location"] = location
    workload = _percent(load)
    if workload is not None:
        usage["time_workload"] = workload
    if use_time_ratio is not None:
        if not 0 <= use_time_ratio <= 1:
            raise BoaviztaError(f"use time ratio {use_time_ratio!r} must be between 0 and 1")
        usage["use_time_ratio"] = use_time_ratio
    return usage


def _params(duration_hours: float) -> tuple[tuple[str, str], ...]:
    # verbose=true: the answer then says which lifetime, power and location BoaviztAPI used.
    return (("verbose", "true"), ("duration", repr(duration_hours)), *(("criteria", c) for c in CRITERIA))


def server_request(
    archetype: str | None,
    config: Mapping[str, Any] | None,
    country_iso3: str | None,
    duration_hours: float,
    load: float | None,
    use_time_ratio: float | None = None,
) -> Request:
    """The ``POST /v1/server/`` call for a server archetype, optionally overridden by a configuration
    (BoaviztAPI's ``configuration`` object: cpu, ram, disk, gpu, power_supply; a ``model`` key, e.g.
    ``{"type": "blade"}``, goes to BoaviztAPI's ``model`` object)."""
    duration = _check_duration(duration_hours)
    name = archetype or DEFAULT_SERVER_ARCHETYPE
    body: dict[str, Any] = {"usage": _usage(country_iso3, load, use_time_ratio)}
    if config:
        configuration = {k: v for k, v in config.items() if k != "model"}
        if configuration:
            body["configuration"] = configuration
        if config.get("model"):
            body["model"] = dict(config["model"])
    return Request(
        kind="server",
        path="/v1/server/",
        params=(("archetype", name), *_params(duration)),
        body=json.dumps(body, sort_keys=True),
        archetype=name,
        location=country_iso3,
        duration_hours=duration,
    )


def cloud_request(
    provider: str,
    instance_type: str,
    location: str | None,
    duration_hours: float,
    load: float | None,
    use_time_ratio: float | None = None,
) -> Request:
    """The ``POST /v1/cloud/instance`` call.  ``location`` is an alpha-3 country code, or a provider region
    (e.g. ``eu-west-3``) which BoaviztAPI maps to a country itself."""
    duration = _check_duration(duration_hours)
    if not provider or not instance_type:
        raise BoaviztaError(
            f"cloud instance needs a provider and an instance type (got {provider!r}, {instance_type!r})"
        )
    is_region = bool(location) and not (len(location or "") == 3 and str(location).isupper())
    usage = _usage(location, load, use_time_ratio, region=is_region)
    body = {"provider": provider.lower(), "instance_type": instance_type, "usage": usage}
    return Request(
        kind="cloud_instance",
        path="/v1/cloud/instance",
        params=_params(duration),
        body=json.dumps(body, sort_keys=True),
        archetype=f"{provider.lower()}:{instance_type}",
        location=location,
        duration_hours=duration,
    )


def terminal_request(
    kind: str, archetype: str | None, country_iso3: str | None, duration_hours: float
) -> Request:
    """The ``POST /v1/terminal/<kind>`` (or ``/v1/peripheral/monitor``) call."""
    duration = _check_duration(duration_hours)
    if kind not in TERMINAL_ROUTES:
        raise BoaviztaError(f"unknown terminal kind {kind!r}; choose one of {', '.join(TERMINAL_ROUTES)}")
    params = _params(duration)
    if archetype:
        params = (("archetype", archetype), *params)
    return Request(
        kind=kind,
        path=TERMINAL_ROUTES[kind],
        params=params,
        body=json.dumps({"usage": _usage(country_iso3, None, None)}, sort_keys=True),
        archetype=archetype or f"{kind} (BoaviztAPI default)",
        location=country_iso3,
        duration_hours=duration,
    )


# --------------------------------------------------------------------------------------------- answers
def _figure(raw: Any, where: str) -> StageFigure | None:
    if raw == _NOT_IMPLEMENTED or raw is None:
        return None
    if not isinstance(raw, Mapping) or "value" not in raw:
        raise BoaviztaError(f"{where}: unexpected figure {raw!r} (expected value/min/max)")
    value = float(raw["value"])
    low = float(raw.get("min", value))
    high = float(raw.get("max", value))
    if not all(math.isfinite(x) for x in (value, low, high)):
        raise BoaviztaError(f"{where}: figure is not finite: {raw!r}")
    return StageFigure(value, min(low, value), max(high, value), tuple(raw.get("warnings") or ()))


def parse_impacts(payload: Any, request: Request) -> BoaviztImpacts:
    """Turn BoaviztAPI's JSON answer into ``BoaviztImpacts`` (raises ``BoaviztaError`` on an odd shape)."""
    where = request.describe()
    if not isinstance(payload, Mapping) or not isinstance(payload.get("impacts"), Mapping):
        raise BoaviztaError(f"{where}: answer has no 'impacts' object: {str(payload)[:200]!r}")
    criteria: dict[str, CriterionImpacts] = {}
    for code, sobre_code in CRITERIA.items():
        raw = payload["impacts"].get(code)
        if raw is None:
            continue
        criteria[sobre_code] = CriterionImpacts(
            criterion=sobre_code,
            boavizta_criterion=code,
            unit=normalise_unit(str(raw.get("unit", ""))),
            embedded=_figure(raw.get("embedded"), f"{where} {code}.embedded"),
            use=_figure(raw.get("use"), f"{where} {code}.use"),
        )
    warnings = list(payload.get("warnings") or ())
    details: dict[str, Any] = {}
    verbose = payload.get("verbose")
    if isinstance(verbose, Mapping):
        for key, name in (
            ("hours_life_time", "hours_life_time"),
            ("use_time_ratio", "use_time_ratio"),
            ("avg_power", "avg_power_w"),
            ("usage_location", "usage_location"),
        ):
            attr = verbose.get(key)
            if isinstance(attr, Mapping) and "value" in attr:
                details[name] = attr["value"]
                if key == "avg_power":
                    details["avg_power_w_low"] = attr.get("min", attr["value"])
                    details["avg_power_w_high"] = attr.get("max", attr["value"])
                warnings += [f"{key}: {w}" for w in attr.get("warnings") or ()]
    return BoaviztImpacts(
        kind=request.kind,
        archetype=request.archetype,
        location=request.location,
        duration_hours=request.duration_hours,
        criteria=criteria,
        warnings=tuple(dict.fromkeys(warnings)),
        details=details,
        request=where,
    )


class _CachingClient:
    """Shared by both clients: builds requests, answers repeated ones from a thread-safe cache."""

    def __init__(self) -> None:
        self._cache: dict[Request, BoaviztImpacts] = {}
        self._lock = threading.Lock()
        self.calls = 0  # requests actually sent (cache misses)
        self.label = "BoaviztAPI"

    def _answer(self, request: Request) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _get(self, request: Request) -> BoaviztImpacts:
        with self._lock:
            hit = self._cache.get(request)
        if hit is not None:
            return hit
        payload = self._answer(request)
        try:
            result = parse_impacts(payload, request)
        except BoaviztaError as exc:
            raise BoaviztaError(f"{self.label}: {exc}") from exc
        with self._lock:
            self.calls += 1
            self._cache[request] = result
        return result

    def server(
        self,
        archetype: str | None,
        config: Mapping[str, Any] | None,
        country_iso3: str | None,
        duration_hours: float,
        load: float | None,
        use_time_ratio: float | None = None,
    ) -> BoaviztImpacts:
        """Impacts of one server (archetype, optional configuration) over ``duration_hours``."""
        request = server_request(archetype, config, country_iso3, duration_hours, load, use_time_ratio)
        return self._get(request)

    def cloud_instance(
        self,
        provider: str,
        instance_type: str,
        location: str | None,
        duration_hours: float,
        load: float | None,
        use_time_ratio: float | None = None,
    ) -> BoaviztImpacts:
        """Impacts of one cloud instance over ``duration_hours`` (location: alpha-3 code or region)."""
        request = cloud_request(provider, instance_type, location, duration_hours, load, use_time_ratio)
        return self._get(request)

    def terminal(
        self, kind: str, archetype: str | None, country_iso3: str | None, duration_hours: float
    ) -> BoaviztImpacts:
        """Impacts of one end-user terminal over ``duration_hours``."""
        return self._get(terminal_request(kind, archetype, country_iso3, duration_hours))


class HttpBoaviztClient(_CachingClient):
    """Talks to a BoaviztAPI server (e.g. ``http://127.0.0.1:5000``) over HTTP with httpx."""

    def __init__(self, base_url: str, timeout: float = 30.0, *, transport: httpx.BaseTransport | None = None):
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.label = f"BoaviztAPI at {self.base_url}"
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HttpBoaviztClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def version(self) -> str:
        """BoaviztAPI's version, from ``GET /v1/utils/version``."""
        try:
            response = self._http.get("/v1/utils/version")
            response.raise_for_status()
            return str(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            raise BoaviztaError(f"BoaviztAPI at {self.base_url} did not give its version: {exc}") from exc

    def _answer(self, request: Request) -> Any:
        where = f"{self.label}: {request.describe()}"
        try:
            response = self._http.post(
                request.path,
                params=list(request.params),
                content=request.body,
                headers={"content-type": "application/json"},
            )
        except httpx.TimeoutException as exc:
            raise BoaviztaError(f"{where}: timed out ({exc})") from exc
        except httpx.HTTPError as exc:
            raise BoaviztaError(f"{where}: cannot reach the server ({exc})") from exc
        if response.status_code >= 400:
            raise BoaviztaError(f"{where}: HTTP {response.status_code} {response.text[:300]}")
        try:
            return response.json()
        except ValueError as exc:
            raise BoaviztaError(f"{where}: answer is not JSON: {response.text[:200]!r}") from exc


#: Fake electricity factors (kgCO2e/kWh) for ``FakeBoaviztClient``; made-up round numbers, not Boavizta's.
FAKE_ELECTRICITY = {"FRA": 0.1, "DEU": 0.4, "EEE": 0.3, "WOR": 0.5}


class FakeBoaviztClient(_CachingClient):
    """In-memory stand-in for tests and offline demos: answers in BoaviztAPI's JSON shape from a tiny
    made-up model (NOT Boavizta's figures), so the same parsing, caching and mapping code runs.

    ``answers`` overrides the payload per archetype (server/terminal) or ``provider:instance_type``;
    ``failures`` maps the same keys to an error message, raised as ``BoaviztaError``.
    """

    #: Made-up whole-life embedded climate figure (kgCO2e) and average power (W) per archetype.
    MODEL = {"server": (1000.0, 300.0), "cloud_instance": (200.0, 30.0), "terminal": (200.0, 50.0)}
    LIFETIME_HOURS = 4 * HOURS_PER_YEAR

    def __init__(
        self,
        answers: Mapping[str, Mapping[str, Any]] | None = None,
        failures: Mapping[str, str] | None = None,
        answer: Callable[[Request], Mapping[str, Any]] | None = None,
    ) -> None:
        super().__init__()
        self.answers = dict(answers or {})
        self.failures = dict(failures or {})
        self.custom = answer
        self.requests: list[Request] = []
        self.label = "fake BoaviztAPI"

    def _answer(self, request: Request) -> Any:
        self.requests.append(request)
        if request.archetype in self.failures:
            raise BoaviztaError(f"{self.label}: {request.describe()}: {self.failures[request.archetype]}")
        if self.custom is not None:
            return self.custom(request)
        if request.archetype in self.answers:
            return self.answers[request.archetype]
        family = request.kind if request.kind in self.MODEL else "terminal"
        embedded_life, power = self.MODEL[family]
        body = json.loads(request.body)
        for ram in (body.get("configuration") or {}).get("ram") or ():
            embedded_life += 10.0 * ram.get("units", 1) * ram.get("capacity", 0) / 16
        usage = body.get("usage", {})
        location = usage.get("usage_location") or "EEE"
        ratio = usage.get("use_time_ratio", 1.0)
        share = min(1.0, request.duration_hours / self.LIFETIME_HOURS)
        embedded = embedded_life * share
        use = power / 1000 * ratio * request.duration_hours * FAKE_ELECTRICITY.get(location, 0.3)

        def fig(v: float) -> dict[str, float]:
            return {"value": v, "min": v * 0.5, "max": v * 1.5}

        return {
            "impacts": {
                "gwp": {"unit": "kgCO2eq", "embedded": fig(embedded), "use": fig(use)},
                "adp": {"unit": "kgSbeq", "embedded": fig(embedded * 1e-4), "use": fig(use * 1e-6)},
                "pe": {"unit": "MJ", "embedded": _NOT_IMPLEMENTED, "use": fig(use * 100)},
            },
            "verbose": {
                "hours_life_time": {"value": self.LIFETIME_HOURS},
                "use_time_ratio": {"value": ratio},
                "avg_power": {"value": power, "min": power * 0.5, "max": power * 1.5},
                "usage_location": {"value": location},
            },
        }
