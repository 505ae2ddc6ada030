"""Errors raised while loading the knowledge base."""

from __future__ import annotations


class KnowledgeError(ValueError):
    """A knowledge-base file is missing or invalid; the message names the file and the field."""
