"""Methodology profiles and the engine's version, plus the small lookups every rule shares.

A profile is a name and a version; the rules themselves live in the modules that apply them and branch on
``profile == "g4it"`` where the NumEcoEval/G4IT engine computes differently (docs/methodology.md lists every
difference).
"""

from __future__ import annotations

from datetime import date, timedelta

from sobre.footprint.schema import FactorSet

ENGINE_VERSION = "1.1.0"

#: Methodology profiles and their versions (stored with each run).
PROFILES: dict[str, str] = {
    # Sobre's own rules, documented in docs/methodology.md.
    "sobre": "sobre-2026.1",
    # Computes as G4IT's NumEcoEval engine does (rules read from G4IT's eval_nominal fixture).
    "g4it": "numecoeval-g4it-1.2",
}

#: Hypothesis names accepted for each scalar: Sobre's own, then NumEcoEval's referential code
#: (``hypotheses.csv``), so a G4IT referential imported as-is works with both profiles.
HYPOTHESIS_ALIASES: dict[str, tuple[str, ...]] = {
    "default_pue": ("default_pue", "PUEParDefaut"),
    "default_lifetime": ("default_lifetime", "dureeVieParDefaut"),
    "cope_rate": ("cope_rate", "taux_utilisation_COPE"),
    "byod_rate": ("byod_rate", "taux_utilisation_BYOD"),
}


def profile_of(methodology: str) -> str:
    """The profile a stored methodology id belongs to (``sobre-2026.1+boavizta`` → ``sobre``); older
    versions of a profile are recognised by their name."""
    base = methodology.split("+", 1)[0]
    for name, version in PROFILES.items():
        if base == version or base.startswith(version.rsplit("-", 1)[0] + "-"):
            return name
    raise ValueError(f"result computed with unknown methodology {methodology!r}")


def check_profile(profile: str) -> str:
    """Return ``profile`` if it is known, else raise a ValueError naming the choices."""
    if profile not in PROFILES:
        raise ValueError(f"unknown methodology profile {profile!r}; choose one of {', '.join(PROFILES)}")
    return profile


def hypothesis(factors: FactorSet, name: str) -> float | None:
    """The factor set's value for a hypothesis (by Sobre name or NumEcoEval alias), or None."""
    for key in HYPOTHESIS_ALIASES.get(name, (name,)):
        value = factors.hypotheses.get(key)
        if value is not None:
            return float(value)
    return None


def year_before(reference_date: date) -> date:
    """The same calendar day one year earlier (28 February for a 29 February)."""
    try:
        return reference_date.replace(year=reference_date.year - 1)
    except ValueError:
        return reference_date - timedelta(days=366)
