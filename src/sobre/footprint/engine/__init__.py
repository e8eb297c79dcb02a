"""The footprint engine: a pure function from an Inventory and a FactorSet to a Result (no I/O).

``compute`` applies a methodology profile (``sobre`` or the NumEcoEval/G4IT-compatible ``g4it``),
``explain`` details one item's figures, ``compare_profiles`` reconciles two results item by item.
"""

from sobre.footprint.engine.compare import compare_profiles
from sobre.footprint.engine.compute import TOTAL_KINDS, compute
from sobre.footprint.engine.explain import explain
from sobre.footprint.engine.profiles import ENGINE_VERSION, PROFILES

__all__ = ["ENGINE_VERSION", "PROFILES", "TOTAL_KINDS", "compare_profiles", "compute", "explain"]
