"""Every check against real OpenZeppelin tokens on a real anvil: passing and failing."""

from __future__ import annotations

import datetime as dt

import pytest
from eth_account.signers.local import LocalAccount

from node.chain.config import ChainSetting, ChainTable
from node.domain.entries import (
    VerificationFinding,
    VerificationFindingResolved,
    VerificationObserved,
)
from node.domain.verification import ChainOutcome, Severity
from node.ledger.service import Ledger
from node.verification.findings import Check
from tests.verification.support import (
    AFTER_PLACEMENT,
    DEAD,
    IN_PLACEMENT,
    VA,
    TestChain,
    finding_ids,
    register_token,
    verifier,
)


def _issued(chain: TestChain, owner: LocalAccount, amount: int, **names: str) -> str:
    """A TestToken with ``amount`` VAs minted to the owner within the placement period."""
    token = chain.token(owner, **names)
    chain.at(IN_PLACEMENT)
    chain.send(owner, token, "mint(address,uint256)", owner.address, amount * VA)
    return token


def _sold(chain: TestChain, owner: LocalAccount, token: str, amount: int) -> None:
    chain.send(owner, token, "transfer(address,uint256)", chain.account(90).address, amount * VA)


def test_a_clean_token_has_no_findings_and_records_its_baseline(
    chain: TestChain, ledger: Ledger
) -> None:
    owner = chain.account(10)
    token = _issued(chain, owner, 1_000_000)
    _sold(chain, owner, token, 800_000)
    key = register_token(ledger, contract=token, wallet=owner.address, placed=800_000)
    report = verifier(ledger, chain.client).run()
    (result,) = report.results
    assert result.outcome is ChainOutcome.CHECKED
    assert result.findings == ()
    assert result.block is not None and result.block.chain_id == 31337
    state = ledger.emission(key).verification
    assert state is not None and state.chain_id == 31337 and state.implementation is None
    assert state.code_hash is not None and state.baseline_block == result.block.number
    observed = [e for _, e in ledger.history(key) if isinstance(e, VerificationObserved)]
    assert observed[-1].readings.total_supply == 1_000_000 * VA
    assert observed[-1].readings.treasury_balance == 200_000 * VA
    assert observed[-1].readings.minted == 1_000_000 * VA
    assert observed[-1].block is not None
    assert observed[-1].block.block_hash == result.block.hash_hex  # pinned: chain id, number, hash
    again = verifier(ledger, chain.client).run()
    assert again.entries == 1  # only the observation: nothing new to record


def test_an_eoa_and_an_empty_address_have_no_code(chain: TestChain, ledger: Ledger) -> None:
    eoa = chain.account(11)
    chain.send(eoa, eoa.address, "ping()")  # a transaction: nonce 1
    empty = "0x00000000000000000000000000000000000c0de1"
    first = register_token(ledger, contract=eoa.address, wallet=eoa.address)
    second = register_token(ledger, contract=empty, wallet=eoa.address)
    report = verifier(ledger, chain.client).run()
    for key, text in ((first, "externally owned account (1 transaction(s)"), (second, "empty")):
        (result,) = [r for r in report.results if r.key == key]
        assert [f.id for f in result.findings] == ["code.missing"]
        assert result.findings[0].severity is Severity.CRITICAL
        assert text in result.findings[0].observed


def test_code_change_is_reported_against_the_baseline(chain: TestChain, ledger: Ledger) -> None:
    owner = chain.account(12)
    token = _issued(chain, owner, 1_000_000)
    _sold(chain, owner, token, 800_000)
    key = register_token(ledger, contract=token, wallet=owner.address, placed=800_000)
    run = verifier(ledger, chain.client)
    assert finding_ids(run.run(), key) == set()
    other = chain.deploy(owner, "TestToken", "Other", "OTH", 6, owner.address)
    code = chain.client.call("eth_getCode", [other, "latest"])  # another immutable `decimals`
    chain.client.call("anvil_setCode", [token, code])  # same storage, different code
    chain.client.call("evm_mine", [])
    report = run.run()
    assert Check.CODE_CHANGED.value in finding_ids(report, key)


def test_proxy_detected_implementation_recorded_and_upgrade_reported(
    chain: TestChain, ledger: Ledger
) -> None:
    owner = chain.account(13)
    impl = chain.deploy(owner, "ProxiedToken")
    init = ("initialize(string,string,address)", "Ala-Too Real Estate Token", "ATRE", owner.address)
    from node.chain.dev import encode_call

    proxy = chain.deploy(owner, "TokenProxy", impl, encode_call(*init))
    chain.at(IN_PLACEMENT)
    chain.send(owner, proxy, "mint(address,uint256)", owner.address, 1_000_000 * VA)
    _sold(chain, owner, proxy, 800_000)
    key = register_token(ledger, contract=proxy, wallet=owner.address, placed=800_000)
    run = verifier(ledger, chain.client)
    assert finding_ids(run.run(), key) == {"proxy.upgradeable"}
    state = ledger.emission(key).verification
    assert state is not None and state.implementation == impl.lower()
    v2 = chain.deploy(owner, "ProxiedTokenV2")
    chain.send(owner, proxy, "upgradeToAndCall(address,bytes)", v2, b"")
    report = run.run()
    assert finding_ids(report, key) == {"proxy.upgradeable", "proxy.implementation-changed"}
    (changed,) = [
        e
        for _, e in ledger.history(key)
        if isinstance(e, VerificationFinding) and e.check == "proxy.implementation-changed"
    ]
    assert changed.evidence.addresses == (impl.lower(), v2.lower())
    assert ledger.emission(key).verification.implementation == impl.lower()  # type: ignore[union-attr]


def test_metadata_name_rule_and_symbol(chain: TestChain, ledger: Ledger) -> None:
    owner = chain.account(14)
    manas = _issued(chain, owner, 1_000_000, name="Manas Real Estate", symbol="KYRGYZ")
    _sold(chain, owner, manas, 800_000)
    wallet = chain.deploy(owner, "SmartWallet", owner.address)  # a contract, not an ERC-20
    first = register_token(ledger, contract=manas, wallet=owner.address, placed=800_000)
    second = register_token(ledger, contract=wallet, wallet=owner.address, until="registered")
    report = verifier(ledger, chain.client).run()
    assert finding_ids(report, first) == {
        "names.forbidden-word:name",
        "names.forbidden-word:symbol",
        "erc20.symbol-mismatch",
        "erc20.name-mismatch",  # registered under another name
    }
    (result,) = [r for r in report.results if r.key == first]
    name = next(f for f in result.findings if f.id == "names.forbidden-word:name")
    assert name.severity is Severity.CRITICAL and "Манас" in name.observed
    assert finding_ids(report, second) == {"erc20.metadata-unreadable"}


def test_supply_beyond_below_and_circulating(chain: TestChain, ledger: Ledger) -> None:
    owner = chain.account(15)
    beyond = _issued(chain, owner, 1_000_100)
    _sold(chain, owner, beyond, 800_000)
    below = _issued(chain, owner, 1_000_000)
    _sold(chain, owner, below, 800_000)
    chain.send(owner, below, "burn(uint256)", 5 * VA)
    locked = _issued(chain, owner, 1_000_000)
    _sold(chain, owner, locked, 800_000)
    holder = chain.account(90)
    chain.send(holder, locked, "transfer(address,uint256)", DEAD, 3 * VA)
    keys = [
        register_token(ledger, contract=t, wallet=owner.address, placed=800_000)
        for t in (beyond, below, locked)
    ]
    report = verifier(ledger, chain.client).run()
    assert finding_ids(report, keys[0]) == {"supply.exceeds-register", "mint.beyond-quantity"}
    (result,) = [r for r in report.results if r.key == keys[0]]
    assert {f.severity for f in result.findings} == {Severity.CRITICAL}
    assert finding_ids(report, keys[1]) >= {"supply.below-register"}
    # 3 VAs sent to 0x…dEaD are locked: supply unchanged, circulating 3 less than placed.
    assert finding_ids(report, keys[2]) == {"supply.circulating-mismatch"}
    (result,) = [r for r in report.results if r.key == keys[2]]
    assert "locked 3 VAs" in result.findings[0].observed


def test_supply_below_is_not_reported_during_placement(chain: TestChain, ledger: Ledger) -> None:
    owner = chain.account(16)
    token = _issued(chain, owner, 300_000)  # minted as it sells
    key = register_token(ledger, contract=token, wallet=owner.address, until="placement_started")
    assert finding_ids(verifier(ledger, chain.client).run(), key) == set()


def test_burns_matched_unregistered_locked_and_mismatched(chain: TestChain, ledger: Ledger) -> None:
    owner = chain.account(17)
    token = _issued(chain, owner, 1_000_000)
    _sold(chain, owner, token, 800_000)
    key = register_token(ledger, contract=token, wallet=owner.address, placed=800_000)
    run = verifier(ledger, chain.client)
    assert finding_ids(run.run(), key) == set()
    holder = chain.account(90)
    burn = chain.send(holder, token, "burn(uint256)", 1_000 * VA)  # a buyback burned by a holder
    lock = chain.send(holder, token, "transfer(address,uint256)", DEAD, 500 * VA)
    stray = chain.send(holder, token, "burn(uint256)", 7 * VA)
    on = dt.date(2026, 11, 16)
    decision = {"type": "issuer_decision", "number": "9", "date": on, "issued_by": "Issuer"}
    entries = []
    for amount, tx in ((1_000, burn.tx_hash), (500, lock.tx_hash), (8, stray.tx_hash)):
        entries.append(
            ledger.record_event(
                kind="emission.partial_burn",
                emission=key,
                data={"amount": str(amount), "tx_hashes": [tx], "basis": decision},
                effective_on=on,
            ).first_index
        )
    report = run.run()
    assert finding_ids(report, key) == {
        f"burn.locked-not-burned:{lock.tx_hash}",  # 0x…dEaD: locked, not burned
        f"burn.amount-mismatch:entry-{entries[2]}",  # 8 registered, 7 burned
        "supply.exceeds-register",  # the register burned 1,508, the chain 1,007
        "supply.circulating-mismatch",  # and 500 are locked
    }


def test_unregistered_and_unmatched_burns_by_amount(chain: TestChain, ledger: Ledger) -> None:
    owner = chain.account(18)
    token = _issued(chain, owner, 1_000_000)
    _sold(chain, owner, token, 800_000)
    key = register_token(ledger, contract=token, wallet=owner.address, placed=800_000)
    holder = chain.account(90)
    chain.send(holder, token, "burn(uint256)", 100 * VA)
    unreported = chain.send(holder, token, "burn(uint256)", 40 * VA)
    on = dt.date(2026, 11, 16)
    decision = {"type": "issuer_decision", "number": "9", "date": on, "issued_by": "Issuer"}
    entries = [
        ledger.record_event(
            kind="emission.partial_burn",
            emission=key,
            data={"amount": str(amount), "basis": decision},
            effective_on=on,
        ).first_index
        for amount in (100, 60)  # the 100 matches by amount, the 60 matches nothing
    ]
    report = verifier(ledger, chain.client).run()
    assert finding_ids(report, key) == {
        f"burn.unregistered:{unreported.tx_hash}",
        f"burn.unmatched-entry:entry-{entries[1]}",
        "supply.exceeds-register",  # 160 burned in the register, 140 on chain
        "supply.circulating-mismatch",
    }


def test_mints_outside_the_placement_period(chain: TestChain, ledger: Ledger) -> None:
    owner = chain.account(19)
    token = _issued(chain, owner, 900_000)
    chain.at(AFTER_PLACEMENT)
    late = chain.send(owner, token, "mint(address,uint256)", owner.address, 100_000 * VA)
    _sold(chain, owner, token, 800_000)
    key = register_token(ledger, contract=token, wallet=owner.address, placed=800_000)
    report = verifier(ledger, chain.client).run()
    assert finding_ids(report, key) == {"mint.outside-placement"}
    (finding,) = [e for _, e in ledger.history(key) if isinstance(e, VerificationFinding)]
    assert finding.evidence.tx_hashes == (late.tx_hash,)
    assert "2026-09-01" in finding.observed


def test_owner_and_admin_against_the_declared_wallet(chain: TestChain, ledger: Ledger) -> None:
    owner = chain.account(20)
    other = chain.account(21)
    owned = _issued(chain, owner, 1_000_000)
    _sold(chain, owner, owned, 800_000)
    roles = chain.deploy(owner, "RoleToken", "Ala-Too Real Estate Token", "ATRE", other.address)
    chain.at(IN_PLACEMENT)
    chain.send(other, roles, "mint(address,uint256)", owner.address, 1_000_000 * VA)
    _sold(chain, owner, roles, 800_000)
    first = register_token(ledger, contract=owned, wallet=other.address, placed=800_000)
    second = register_token(ledger, contract=roles, wallet=owner.address, placed=800_000)
    run = verifier(ledger, chain.client)
    report = run.run()
    # the wallet holds the issuer's tokens too, so the owner check is the only one on `first`
    assert "admin.owner-mismatch" in finding_ids(report, first)
    assert finding_ids(report, second) == {"admin.wallet-not-admin"}
    # the admin role granted to the declared wallet resolves the finding
    role = bytes(32)
    chain.send(other, roles, "grantRole(bytes32,address)", role, owner.address)
    again = run.run()
    assert finding_ids(again, second) == set()
    resolved = [e for _, e in ledger.history(second) if isinstance(e, VerificationFindingResolved)]
    assert [e.finding for e in resolved] == ["admin.wallet-not-admin"]
    state = ledger.emission(second).verification
    assert state is not None and state.open_findings == ()


def test_renounced_ownership_is_not_a_finding(chain: TestChain, ledger: Ledger) -> None:
    owner = chain.account(22)
    token = _issued(chain, owner, 1_000_000)
    _sold(chain, owner, token, 800_000)
    chain.send(owner, token, "renounceOwnership()")
    key = register_token(ledger, contract=token, wallet=owner.address, placed=800_000)
    assert finding_ids(verifier(ledger, chain.client).run(), key) == set()


def test_chains_that_cannot_be_read_are_reported_never_skipped(
    chain: TestChain, ledger: Ledger
) -> None:
    owner = chain.account(23)
    ton = register_token(
        ledger,
        contract="EQCiO1R0nFcmt9-CF-y1zEsQ7ancQHxmxafy7t67kdQ03ZTE",
        wallet="EQCqZuTamrizM0Eq2BInNiljldRBuJVUNJHXgO20xRLRh4mr",
        blockchain="TON",
        until="registered",
    )
    unknown = register_token(
        ledger, contract=owner.address, wallet=owner.address, blockchain="Kyrgyzchain"
    )
    bad = register_token(ledger, contract="0x1234", wallet=owner.address, until="registered")
    mainnet = register_token(ledger, contract=owner.address, wallet=owner.address, blockchain="ETH")
    dead = register_token(ledger, contract=owner.address, wallet=owner.address, blockchain="dead")
    table = ChainTable([ChainSetting(name="dead", chain_id=999, rpc_urls=("http://127.0.0.1:9",))])

    def clients(spec: object) -> object:
        from node.chain.rpc import RpcClient

        assert hasattr(spec, "rpc_urls")
        urls = spec.rpc_urls  # type: ignore[attr-defined]
        return RpcClient(urls, chain_id=999, timeout=2) if urls else None

    run = verifier(ledger, chain.client, table=table)
    run.clients = clients  # type: ignore[assignment]
    report = run.run()
    outcome = {r.key: r.outcome for r in report.results}
    assert outcome == {
        ton: ChainOutcome.UNSUPPORTED_CHAIN,
        unknown: ChainOutcome.UNKNOWN_CHAIN,
        bad: ChainOutcome.INVALID_ADDRESS,
        mainnet: ChainOutcome.NO_ENDPOINT,
        dead: ChainOutcome.UNREACHABLE,
    }
    assert finding_ids(report, ton) == {"chain.unsupported"}
    assert finding_ids(report, unknown) == {"chain.unknown"}
    assert finding_ids(report, bad) == {"address.invalid"}
    assert finding_ids(report, mainnet) == finding_ids(report, dead) == set()
    observed = {
        e.emission: e
        for _, e in [x for k in outcome for x in ledger.history(k)]
        if isinstance(e, VerificationObserved)
    }
    assert set(observed) == set(outcome)  # every emission is recorded, none skipped
    assert "127.0.0.1:9" in observed[dead].detail
    assert observed[ton].block is None


@pytest.mark.parametrize("dry_run", [True, False])
def test_dry_run_records_nothing(chain: TestChain, ledger: Ledger, dry_run: bool) -> None:
    owner = chain.account(24)
    key = register_token(ledger, contract=owner.address, wallet=owner.address)
    before = ledger.head()[0]
    report = verifier(ledger, chain.client).run(record=not dry_run)
    assert finding_ids(report, key) == {"code.missing"}
    assert (ledger.head()[0] == before) is dry_run
