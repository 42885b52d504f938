"""Anchoring: the RegistryAnchor contract artifacts, publisher, reader and audit."""
