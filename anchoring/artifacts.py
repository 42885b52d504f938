"""The anchor contract's committed artifacts (``anchoring/artifacts/``), read by the one loader."""

from __future__ import annotations

from node.chain.artifacts import ContractArtifact, read_artifact

REGISTRY_ANCHOR = "RegistryAnchor"
EVENT_ONLY_ANCHOR = "EventOnlyAnchor"


def load_artifact(name: str = REGISTRY_ANCHOR) -> ContractArtifact:
    """Read ``anchoring/artifacts/<name>.json``.

    Raises:
        ConfigError: there is no such artifact or it is malformed.
    """
    return read_artifact("anchoring", "artifacts", name)
