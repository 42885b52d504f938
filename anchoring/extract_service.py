"""One call for the CLI and the API: build a bundle, verify it, print its extract."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from anchoring.audit_bundle import BundleAudit, audit_bundle
from anchoring.audit_chain import AnchorChain
from anchoring.bundle import build_bundle
from anchoring.bundle_format import AnyBundle, bundle_bytes, bundle_url
from anchoring.extract import ExtractInfo, render_extract
from node.domain.calendar import WorkingCalendar
from node.ledger.service import Ledger


@dataclass(frozen=True)
class Extract:
    """A printed extract and the bundle it prints (whose hash and URL are in the QR code)."""

    pdf: bytes
    bundle: AnyBundle
    bundle_bytes: bytes
    sha256: str
    url: str
    audit: BundleAudit


def make_extract(
    ledger: Ledger,
    key: str,
    *,
    chain: AnchorChain,
    base_url: str,
    printed_at: datetime,
    calendar: WorkingCalendar,
    checkpoint_size: int | None = None,
    block: int | None = None,
    from_block: int = 0,
) -> Extract:
    """Build the bundle of ``key`` (an emission, a miner's certificate or a licence number),
    audit it against ``chain`` and render the PDF.

    ``base_url`` is the public API's base URL (where `bundle_url` fetches the bundle).

    Raises:
        NotFound: no such record, checkpoint or anchor (see `build_bundle`).
        ChainError: the RPC endpoint failed.
        ConfigError: the bundle does not verify (nothing is printed), or fonts are missing.
    """
    bundle = build_bundle(
        ledger,
        key,
        chain=chain,
        checkpoint_size=checkpoint_size,
        block=block,
        from_block=from_block,
    )
    data = bundle_bytes(bundle)
    audit = audit_bundle(data, chain=chain, calendar=calendar, expected_key=key)
    url = bundle_url(base_url, bundle, sha256=audit.sha256)
    out = io.BytesIO()
    render_extract(
        audit,
        info=ExtractInfo(
            url=url, printed_at=printed_at, rpc_note=f"chain {bundle.anchor.chain_id}"
        ),
        out=out,
    )
    return Extract(
        pdf=out.getvalue(),
        bundle=bundle,
        bundle_bytes=data,
        sha256=audit.sha256,
        url=url,
        audit=audit,
    )
