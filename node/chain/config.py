"""The chain table: the register's blockchain names mapped to EVM chain ids and RPC endpoints.

A filing names its blockchain in free text (Reg. §5.5, §9.4, Annex 1 item 10). Names are matched
after normalisation (case, spaces, hyphens and underscores ignored: "BNB Smart Chain" =
"bnb_smart_chain"). A built-in table knows the common EVM chains (ids, no endpoints) and common
chains that are not EVM; ``Settings.chains`` adds chains or gives endpoints to known ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

LOCAL_CHAIN_ID: Final = 31337
"""Chain id of the node's own local chain (anvil)."""


class ChainSetting(BaseModel):
    """One configured EVM chain (an item of ``TAMGA_CHAINS``, a JSON list)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="The register's blockchain name.")
    chain_id: int = Field(ge=1, description="EIP-155 chain id the endpoints must report.")
    rpc_urls: tuple[str, ...] = Field(
        default=(), description="JSON-RPC URLs, tried in order (failover)."
    )
    aliases: tuple[str, ...] = Field(default=(), description="Other names of the chain.")
    local: bool = Field(
        default=False,
        description="Served by the node's own anvil when no rpc_urls are given (dev chains).",
    )
    confirmations: int | None = Field(
        default=None, ge=1, description="Blocks deep a run reads (default: verify_confirmations)."
    )

    @field_validator("rpc_urls")
    @classmethod
    def _http(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        for url in urls:
            if not re.match(r"^https?://\S+$", url):
                raise ValueError(f"not an http(s) URL: {url!r}")
        return urls


@dataclass(frozen=True, slots=True)
class ChainSpec:
    """An EVM chain the node may read: its canonical name, id and endpoints."""

    name: str
    chain_id: int
    rpc_urls: tuple[str, ...] = ()
    local: bool = False
    confirmations: int | None = None  # None: the run's default


class ChainKind(StrEnum):
    """What a declared blockchain name resolves to."""

    EVM = "evm"
    UNSUPPORTED = "unsupported"  # a known chain that is not EVM (TON, Bitcoin, Solana, …)
    UNKNOWN = "unknown"  # a name the table does not know


@dataclass(frozen=True, slots=True)
class Resolution:
    """A declared blockchain name looked up in the table."""

    declared: str
    kind: ChainKind
    spec: ChainSpec | None = None


# Built-in EVM chains: canonical name, chain id, aliases. No endpoints (they come from Settings).
_BUILTIN_EVM: Final[tuple[tuple[str, int, tuple[str, ...]], ...]] = (
    ("ethereum", 1, ("eth", "ethereum-mainnet", "mainnet", "erc20")),
    ("sepolia", 11155111, ("ethereum-sepolia",)),
    ("holesky", 17000, ("ethereum-holesky",)),
    ("bsc", 56, ("bnb", "bnb-chain", "bnb-smart-chain", "binance-smart-chain", "bep20")),
    ("polygon", 137, ("matic", "polygon-pos", "polygon-mainnet")),
    ("arbitrum", 42161, ("arbitrum-one",)),
    ("optimism", 10, ("op", "op-mainnet")),
    ("base", 8453, ("base-mainnet",)),
    ("avalanche", 43114, ("avalanche-c-chain", "avax")),
    ("gnosis", 100, ("xdai",)),
    ("linea", 59144, ()),
    ("zksync", 324, ("zksync-era",)),
)
_BUILTIN_LOCAL: Final = ("tamga-local", LOCAL_CHAIN_ID, ("anvil", "local", "localhost"))
# Known chains whose contracts and wallets an EVM client cannot read.
_BUILTIN_NON_EVM: Final[tuple[str, ...]] = (
    "ton",
    "the-open-network",
    "bitcoin",
    "btc",
    "solana",
    "sol",
    "tron",
    "trc20",
    "cardano",
    "polkadot",
    "near",
    "aptos",
    "sui",
    "stellar",
    "xrp",
    "ripple",
    "algorand",
    "cosmos",
    "litecoin",
    "dogecoin",
    "tezos",
    "hedera",
)


def normalize_name(name: str) -> str:
    """A blockchain name for lookup: lowercase letters and digits only ("ERC-20" = "erc20")."""
    return re.sub(r"[^0-9a-z]+", "", name.casefold())


class ChainTable:
    """Resolves the register's blockchain names (built-in table plus configured chains)."""

    def __init__(
        self,
        configured: Iterable[ChainSetting] = (),
        *,
        non_evm: Iterable[str] = (),
        builtin: bool = True,
    ) -> None:
        self._specs: dict[str, ChainSpec] = {}
        self._names: dict[str, str] = {}  # normalized name or alias -> canonical name
        self._non_evm: set[str] = set()
        if builtin:
            for name, chain_id, aliases in (*_BUILTIN_EVM, _BUILTIN_LOCAL):
                local = chain_id == LOCAL_CHAIN_ID
                # anvil mines final blocks, and a restarted anvil keeps no older states.
                spec = ChainSpec(
                    name=name, chain_id=chain_id, local=local, confirmations=1 if local else None
                )
                self._add(spec, aliases)
            self._non_evm.update(normalize_name(n) for n in _BUILTIN_NON_EVM)
        for setting in configured:
            self._configure(setting)
        self._non_evm.update(normalize_name(n) for n in non_evm)
        self._non_evm.difference_update(self._names)

    def _add(self, spec: ChainSpec, aliases: Iterable[str]) -> None:
        self._specs[spec.name] = spec
        for alias in (spec.name, *aliases):
            self._names[normalize_name(alias)] = spec.name

    def _configure(self, setting: ChainSetting) -> None:
        key = normalize_name(setting.name)
        canonical = self._names.get(key, key)
        known = self._specs.get(canonical)
        spec = ChainSpec(
            name=canonical,
            chain_id=setting.chain_id,
            rpc_urls=setting.rpc_urls,
            local=setting.local or (known.local if known is not None else False),
            confirmations=setting.confirmations
            or (known.confirmations if known is not None else None),
        )
        self._add(spec, setting.aliases)

    def resolve(self, declared: str) -> Resolution:
        """What the declared blockchain name is: an EVM chain, a known non-EVM chain, or unknown."""
        key = normalize_name(declared)
        canonical = self._names.get(key)
        if canonical is not None:
            return Resolution(declared=declared, kind=ChainKind.EVM, spec=self._specs[canonical])
        if key in self._non_evm:
            return Resolution(declared=declared, kind=ChainKind.UNSUPPORTED)
        return Resolution(declared=declared, kind=ChainKind.UNKNOWN)

    def specs(self) -> Mapping[str, ChainSpec]:
        """Every EVM chain by canonical name."""
        return dict(self._specs)
