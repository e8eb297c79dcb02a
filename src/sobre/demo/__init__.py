"""The demo organisation: generated input files and the ``sobre demo`` use case."""

from sobre.demo.generator import generate
from sobre.demo.run import DemoResult, run_demo
from sobre.demo.town import ORG_NAME, REFERENCE_DATE

__all__ = ["ORG_NAME", "REFERENCE_DATE", "DemoResult", "generate", "run_demo"]
