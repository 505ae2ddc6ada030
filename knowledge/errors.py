"""The errors the knowledge layer raises for a user to act on, under one base (as httpx's `_exceptions`)."""

from __future__ import annotations


class KnowledgeLayerError(Exception):
    """Base of the knowledge layer's errors; the message names the file and the field."""


class KnowledgeError(KnowledgeLayerError, ValueError):
    """A knowledge-base file (or a clinic's note template) is missing or invalid: the installation is at fault."""


class CorpusError(KnowledgeLayerError, ValueError):
    """A gold corpus given for evaluation is missing or invalid: the input is at fault."""
