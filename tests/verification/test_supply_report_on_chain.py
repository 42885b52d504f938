"""The regulator's burned-supply report against a real anvil (issue 18): after burns and a lock
planted on chain and a verification run, the report's chain figures are the chain's, read at
the run's block, beside what the register holds; its CSV carries the same figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from node.domain.supply import supply_csv
from node.ledger.service import Ledger
from node.services import reports
from node.services.database import Database
from tests.verification.support import DEAD, VA, TestChain, register_token, verifier
from tests.verification.test_tokens import _issued, _sold


def test_the_supply_report_matches_the_chain_after_planted_burns_and_locks(
    chain: TestChain, ledger: Ledger
) -> None:
    owner = chain.account(19)
    token = _issued(chain, owner, 1_000_000)
    _sold(chain, owner, token, 800_000)
    key = register_token(ledger, contract=token, wallet=owner.address, placed=800_000)
    holder = chain.account(90)
    burn = chain.send(holder, token, "burn(uint256)", 1_000 * VA)  # entered in the register
    chain.send(holder, token, "burn(uint256)", 7 * VA)  # never entered
    chain.send(holder, token, "transfer(address,uint256)", DEAD, 500 * VA)  # locked, not burned
    on = dt.date(2026, 11, 16)
    decision = {"type": "issuer_decision", "number": "9", "date": on, "issued_by": "Issuer"}
    ledger.record_event(
        kind="emission.partial_burn",
        emission=key,
        data={"amount": "1000", "tx_hashes": [burn.tx_hash], "basis": decision},
        effective_on=on,
    )
    verifier(ledger, chain.client).run([key])
    head = str(chain.client.call("eth_blockNumber", []))
    size, _ = ledger.head()
    report = reports.supply(Database(ledger=ledger), size=size)
    (row,) = [e for e in report.emissions if e.key == key]
    assert row.partial_burns == 1_000
    assert row.chain is not None
    assert row.chain_burned == Decimal(1_007)  # every Transfer to 0x0, entered or not
    assert row.chain.vas(row.chain.locked) == Decimal(500)  # 0x…dEaD holds, not burned
    assert row.chain.vas(row.chain.total_supply) == Decimal(1_000_000 - 1_007)
    assert row.difference == Decimal(7)
    assert 0 < row.chain.block_number <= int(head, 16)  # the block the run read
    ((line),) = [
        r
        for r in csv.DictReader(io.StringIO(supply_csv(report).decode("utf-8")))
        if r["emission"] == key
    ]
    assert (line["register_burned"], line["chain_burned"], line["chain_locked"]) == (
        "1000",
        "1007",
        "500",
    )
    assert line["difference"] == "7" and line["block_number"] == str(row.chain.block_number)
