"""The demo register's chain steps: real OpenZeppelin tokens deployed and used on the node's
local chain (anvil) at the demo's dates, verification runs and a wallet proof in between.

Step kinds (in node/demo_data/demo.yaml, run by node/demo.py when a chain is given):

- ``chain``: transactions signed by a demo actor (keys derived from the actor's name):
  ``deploy`` an artifact (``expect``: the address the register declares), ``call`` a function,
  ``send`` ether;
  arguments ``@actor`` (its address), ``$ref`` (a deployed contract), ``"N VA"`` (N × 10^18
  base units), ``{call: signature, args: […]}`` (calldata), plain values.
- ``verify``: a verification run over some emissions (e.g. at registration: the baseline).
- ``prove``: the issuer signs the EIP-712 wallet-control statement; the proof is recorded.

The chain's clock is set to each step's moment (``anvil_setTime``) so that mints fall into the
registered placement periods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, Literal

from eth_abi.abi import encode as abi_encode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from pydantic import BaseModel, ConfigDict, Field

from node.chain import dev
from node.chain.config import LOCAL_CHAIN_ID, ChainTable
from node.chain.endpoint import chain_for
from node.chain.rpc import RpcClient
from node.domain.entries import WalletStatement
from node.errors import ChainError, ConfigError
from node.ledger.service import Ledger
from node.settings import Settings
from node.verification.proof import accept_proof, signable, statement_for
from node.verification.service import Verifier, VerifyConfig

DECIMALS = 18
FUNDING_WEI = 100 * 10**18


class _Step(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    on: dt.date


class ChainAction(BaseModel):
    """One transaction: deploy an artifact, or call a function of a deployed contract."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    deploy: str | None = None
    call: str | None = None
    send: str | None = None  # a plain transfer of ``value`` wei to "@actor", "$ref" or an address
    value: int = Field(default=0, ge=0)
    to: str | None = None  # "$ref" or an address (for call)
    args: tuple[Any, ...] = ()
    ref: str | None = None  # name of the deployed contract
    expect: str | None = None  # the address the deployment must get


class ChainStep(_Step):
    """Transactions on the demo chain, signed by ``actor``."""

    do: Literal["chain"]
    actor: str
    actions: tuple[ChainAction, ...] = Field(min_length=1)


class VerifyStep(_Step):
    """A verification run over the emissions ``emissions`` (refs)."""

    do: Literal["verify"]
    emissions: tuple[str, ...] = Field(min_length=1)


class ProveStep(_Step):
    """The issuer (``actor``, the declared wallet's key) proves control of its wallet."""

    do: Literal["prove"]
    emission: str
    actor: str
    nonce: int = Field(ge=0)
    valid_days: int = Field(default=30, ge=1)


def demo_account(name: str) -> LocalAccount:
    """The demo actor ``name``'s key (derived from the name: demo keys are public)."""
    account: LocalAccount = Account.from_key(keccak(text=f"tamga demo actor: {name}"))
    return account


class DemoChain:
    """Runs the demo's chain, verify and prove steps against a development chain."""

    def __init__(self, client: RpcClient, *, table: ChainTable | None = None) -> None:
        self.client = client
        self.table = table or ChainTable()
        self.refs: dict[str, str] = {}
        self.steps = 0
        self._funded: set[str] = set()
        dev.install_multicall3(client)

    def run(
        self,
        step: ChainStep | VerifyStep | ProveStep,
        *,
        ledger: Ledger,
        emissions: dict[str, str],
        moment: dt.datetime,
    ) -> None:
        """Run one step at ``moment`` (the chain's clock is set to it).

        Raises:
            ConfigError: the step names an unknown actor, ref or emission, or a deployment does
                not get the address the register declares.
            ChainError: the chain refused a transaction.
            RuleViolation: the register refused a recorded entry.
        """
        dev.set_time(self.client, int(moment.timestamp()))
        if isinstance(step, ChainStep):
            account = self._actor(step.actor)
            for action in step.actions:
                self._action(account, action)
        elif isinstance(step, VerifyStep):
            keys = [_emission(emissions, ref) for ref in step.emissions]
            self._verifier(ledger).run(keys)
        else:
            self._prove(ledger, step, key=_emission(emissions, step.emission), moment=moment)
        self.steps += 1

    def finish(self, *, now: dt.datetime | None, confirmations: int = 2) -> None:
        """Back to ``now`` on the chain's clock, and ``confirmations`` empty blocks on top, so
        a run that reads ``confirmations`` deep sees the demo's last transactions."""
        if now is not None:
            dev.set_time(self.client, int(now.timestamp()))
        for _ in range(confirmations):
            self.client.call("evm_mine", [])

    # ------------------------------------------------------------------------------------
    def _verifier(self, ledger: Ledger) -> Verifier:
        def clients(spec: Any) -> RpcClient | None:
            return self.client if spec.local else None

        return Verifier(
            ledger, table=self.table, clients=clients, config=VerifyConfig(confirmations=1)
        )

    def _actor(self, name: str) -> LocalAccount:
        account = demo_account(name)
        if account.address not in self._funded:
            dev.fund(self.client, account.address, FUNDING_WEI)
            self._funded.add(account.address)
        return account

    def _action(self, account: LocalAccount, action: ChainAction) -> None:
        if sum(x is not None for x in (action.deploy, action.call, action.send)) != 1:
            raise ConfigError("demo chain action: give exactly one of deploy, call and send")
        if action.send is not None:
            target = self._address(action.send)
            dev.send_transaction(self.client, account, to=target, value=action.value, gas=21_000)
            return
        if action.deploy is not None:
            artifact = dev.load_artifact(action.deploy)
            args = self._args(artifact.constructor_types(), action.args)
            data = artifact.bytecode + abi_encode(artifact.constructor_types(), args)
            mined = dev.send_transaction(self.client, account, to=None, data=data)
            address = mined.contract_address
            assert address is not None
            if action.expect is not None and address.lower() != action.expect.lower():
                raise ConfigError(
                    f"demo: {action.deploy} deployed at {address}, the register declares "
                    f"{action.expect} (the actor's nonce is not what the demo expects)"
                )
            if action.ref is not None:
                self.refs[action.ref] = address
            return
        assert action.call is not None
        if action.to is None:
            raise ConfigError(f"demo chain action {action.call}: no 'to'")
        types = dev.split_types(action.call[action.call.index("(") + 1 : -1])
        data = dev.encode_call(action.call, *self._args(types, action.args))
        dev.send_transaction(self.client, account, to=self._address(action.to), data=data)

    def _args(self, types: Sequence[str], args: Sequence[Any]) -> list[Any]:
        if len(types) != len(args):
            raise ConfigError(f"demo: {len(args)} arguments for ({', '.join(types)})")
        return [self._arg(t, a) for t, a in zip(types, args, strict=True)]

    def _arg(self, kind: str, value: Any) -> Any:
        if isinstance(value, dict):
            signature = str(value["call"])
            types = dev.split_types(signature[signature.index("(") + 1 : -1])
            return dev.encode_call(signature, *self._args(types, value.get("args", ())))
        if isinstance(value, str):
            if value.startswith(("@", "$")) or kind == "address":
                return self._address(value)
            if value.endswith(" VA"):
                return int(value[:-3].replace("_", "")) * 10**DECIMALS
            if kind.startswith("bytes") and value.startswith("0x"):
                return bytes.fromhex(value[2:])
        return value

    def _address(self, value: str) -> str:
        if value.startswith("@"):
            return demo_account(value[1:]).address
        if value.startswith("$"):
            try:
                return self.refs[value[1:]]
            except KeyError:
                raise ConfigError(f"demo: unknown contract ref {value!r}") from None
        return to_checksum_address(value)

    def _prove(self, ledger: Ledger, step: ProveStep, *, key: str, moment: dt.datetime) -> None:
        state = ledger.emission(key)
        resolution = self.table.resolve(state.blockchain)
        if resolution.spec is None:
            raise ConfigError(f"demo: {state.blockchain!r} is not an EVM chain")
        expiry = int((moment + dt.timedelta(days=step.valid_days)).timestamp())
        chain_id = resolution.spec.chain_id
        statement: WalletStatement = statement_for(
            ledger, key, chain_id=chain_id, nonce=step.nonce, expiry=expiry
        )
        signed = demo_account(step.actor).sign_message(signable(statement))
        accept_proof(
            ledger,
            key,
            signature=bytes(signed.signature),
            nonce=step.nonce,
            expiry=expiry,
            client=self.client,
            chain_id=chain_id,
        )


def _emission(emissions: dict[str, str], ref: str) -> str:
    try:
        return emissions[ref]
    except KeyError:
        raise ConfigError(f"demo: unknown emission ref {ref!r}") from None


@contextmanager
def open_demo_chain(settings: Settings) -> Iterator[tuple[DemoChain | None, str]]:
    """The node's local chain for the demo (started or attached), and where it answers — or
    None and why not (the demo register then loads without its on-chain part)."""
    with ExitStack() as stack:
        try:
            endpoint = stack.enter_context(chain_for(settings, own=True))
            assert endpoint is not None  # started or attached
            client = RpcClient(
                [endpoint.url], chain_id=LOCAL_CHAIN_ID, timeout=settings.rpc_timeout_seconds
            )
            chain = DemoChain(client)
        except (ConfigError, ChainError) as exc:
            yield None, str(exc)
            return
        yield chain, endpoint.url
