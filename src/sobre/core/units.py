"""Units live in code, never guessed from data."""

from __future__ import annotations

KG_CO2E = "kgCO2e"
KG_SB_EQ = "kgSbeq"
MJ = "MJ"
M3 = "m3"
KWH = "kWh"
W = "W"

#: Unit strings found in published factor tables, mapped to Sobre's spelling.
ALIASES = {
    "kg co2 eq": KG_CO2E,
    "kgco2eq": KG_CO2E,
    "kg co2e": KG_CO2E,
    "kgco2e": KG_CO2E,
    "kg sb eq": KG_SB_EQ,
    "kgsbeq": KG_SB_EQ,
    "mj": MJ,
    "m3": M3,
    "m³": M3,
    "m3 world eq": M3,
    "kwh": KWH,
    "w": W,
}


def normalise_unit(text: str) -> str:
    """Return Sobre's spelling of a unit; unknown units are kept as written (never guessed)."""
    key = " ".join(text.strip().lower().replace(".", " ").split())
    return ALIASES.get(key, text.strip())
