"""The demo organisation: generated input files (``generator``) and the ``sobre demo`` use case (``run``)."""
