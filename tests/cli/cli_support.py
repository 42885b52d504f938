"""Helpers shared by the CLI tests: sample filings, file writers, the log size."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from typer.testing import Result

Invoke = Callable[..., Result]
"""Runs ``tamga ARGS…`` in-process and returns the result."""


def write_yaml(path: Path, data: Any) -> Path:
    """Write ``data`` as YAML (dates as ISO strings)."""
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def write_json(path: Path, data: Any) -> Path:
    """Write ``data`` as JSON."""
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def head_size(tamga: Invoke) -> int:
    """The log size reported by ``tamga log head --json``."""
    result = tamga("log", "head", "--json")
    assert result.exit_code == 0, result.output
    return int(json.loads(result.stdout)["tree_size"])


def issuer_filing(**changes: Any) -> dict[str, Any]:
    """A valid issuer filing (a Bishkek LLC with one founder)."""
    filing: dict[str, Any] = {
        "name": "Бакай Токен Сервис",
        "issuer_kind": "legal_entity",
        "legal_form": "жоопкерчилиги чектелген коом",
        "legal_address": "Бишкек ш., Киев көч., 77",
        "region": "bishkek",
        "legal_registration": {
            "number": "300001-3301-ЖЧК",
            "registered_on": "2024-01-15",
            "authority": "Юстиция министрлиги",
        },
        "founders": [
            {
                "name": "Сыдыков Алмаз Бекович",
                "kind": "individual",
                "share_pct": "100",
                "identifier": "ID1111111",
                "citizenship": "KG",
                "address": "Бишкек ш., Исанов көч., 5",
            }
        ],
    }
    filing.update(changes)
    return filing


def emission_filing(issuer: str, **changes: Any) -> dict[str, Any]:
    """A valid stablecoin filing of ``issuer``, filed on 2026-11-02, secured by cash."""
    filing: dict[str, Any] = {
        "issuer": issuer,
        "va_type": "stablecoin",
        "name": "Bakai Som",
        "symbol": "BKSOM",
        "quantity": "1000000",
        "nominal_value": "1.00",
        "currency": "KGS",
        "placement_price": "1.00",
        "placement_start": "2026-12-01",
        "placement_end": "2027-03-31",
        "placement_terms": "On a licensed exchange.",
        "circulation_terms": "Freely transferable.",
        "holder_rights": "Redemption at nominal value.",
        "payment_terms": "Som by bank transfer.",
        "refund_procedure": "Proceeds returned within 30 days.",
        "blockchain": "ethereum",
        "issuer_wallet": "0x75b7B83B2ccF926D91EAdC1929D25c91494Af619",
        "contract_address": "0x8a29383a2fB8a4613e00a2BB34A6E1F117FE29d0",
        "collateral": [
            {
                "kind": "cash",
                "assessed_value": "1000000.00",
                "currency": "KGS",
                "registered_on": "2026-10-30",
                "registrar": "Demir Bank",
            }
        ],
        "whitepaper": {
            "version": "1.0",
            "sha256": "ab" * 32,
            "uri": "https://bakai.example.kg/wp.pdf",
        },
        "decision": {
            "type": "issuer_decision",
            "number": "1",
            "date": "2026-10-28",
            "issued_by": "General meeting",
        },
        "documents_filed_on": "2026-11-02",
        "fee_paid": "100.00",
    }
    filing.update(changes)
    return filing


def registration(on: str = "2026-11-19", **changes: Any) -> dict[str, Any]:
    """A ``registration:`` section: the authority's decision."""
    section: dict[str, Any] = {
        "on": on,
        "document": {
            "type": "authority_decision",
            "number": "ВА-2026/070",
            "date": on,
            "issued_by": "Financial market regulator",
        },
    }
    section.update(changes)
    return section
