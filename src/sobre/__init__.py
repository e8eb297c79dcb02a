"""Sobre: responsible digital (Green IT) platform."""

__version__ = "0.1.0"
