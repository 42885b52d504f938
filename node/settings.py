"""The node's configuration: one Settings object built at the edge from TAMGA_* variables."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from node.chain.config import ChainSetting
from node.errors import VerificationError
from node.note import COSIGNATURE_V1, parse_vkey


class WitnessSetting(BaseModel):
    """One witness the node submits its checkpoints to (an item of ``TAMGA_WITNESSES``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=255, description="A label for logs and output.")
    url: str = Field(min_length=1, description="Submission prefix (POST <url>/add-checkpoint).")
    vkey: str = Field(
        min_length=1, description="The witness's cosignature/v1 vkey (<name>+<id>+<key>)."
    )

    @field_validator("vkey")
    @classmethod
    def _vkey(cls, value: str) -> str:
        try:
            key = parse_vkey(value)
        except VerificationError as exc:
            raise ValueError(str(exc)) from exc
        if key.sig_type != COSIGNATURE_V1:
            raise ValueError("a witness vkey must be a cosignature/v1 key (type 0x04)")
        return value


class Settings(BaseSettings):
    """Everything configurable, read from ``TAMGA_*`` environment variables.

    Nothing connects when this object is built; the CLI (or ``create_app``) passes it down.
    """

    model_config = SettingsConfigDict(env_prefix="TAMGA_", extra="ignore", frozen=True)

    data_dir: Path = Field(
        default=Path("./data"), description="Directory for the SQLite file and keys."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default: a SQLite file tamga.sqlite under data_dir.",
    )
    database_read_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of a read-only PostgreSQL streaming replica: the API serves "
        "anonymous reads from it while it is reachable and within api_replica_max_lag_seconds "
        "(else from the primary); writes, sign-ins and authenticated reads use database_url.",
    )
    role: Literal["all", "api", "jobs"] = Field(
        default="all",
        description="What `tamga up` runs: all (API and jobs, one machine), api (the HTTP API "
        "only: stateless, no keys, any number of them) or jobs (checkpoints, anchoring, "
        "verification, witnesses: one active at a time through the database lease, the others "
        "stand by).",
    )
    lease_poll_seconds: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="How often a standby job runner tries to take the job lease and the active "
        "one checks it still holds it (failover takes about this long plus start-up).",
    )
    api_replica_max_lag_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Reads go to the primary while the replica is further behind than this.",
    )
    api_read_wait_seconds: float = Field(
        default=2.0,
        ge=0,
        le=30,
        description="How long a read carrying Tamga-Min-Log-Size waits for the replica to reach "
        "that size before it is served by the primary (read-your-write).",
    )
    origin: str = Field(
        default="tamga.kg/va-emission-register",
        description="Log identity written into every signed checkpoint.",
    )
    key_file: Path | None = Field(
        default=None, description="Encrypted keystore (JSON v3) of the checkpoint signing key."
    )
    key_password_file: Path | None = Field(
        default=None, description="File holding the keystore password (never the key itself)."
    )
    checkpoint_interval_seconds: int = Field(
        default=300, ge=1, description="How often the scheduled job cuts a checkpoint."
    )
    # HTTP API and public pages (api/)
    api_host: str = Field(default="127.0.0.1", description="Address the HTTP API listens on.")
    api_port: int = Field(default=8080, ge=0, le=65535, description="Port of the HTTP API.")
    api_public_url: str = Field(
        default="http://127.0.0.1:8080",
        description="Public base URL of the API (the domain and URI of wallet sign-in messages).",
    )
    api_max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest request body accepted (413 beyond)."
    )
    api_rate_limit_per_minute: int = Field(
        default=600, ge=0, description="Requests per minute per client address (0: no limit)."
    )
    api_token_rate_limit_per_minute: int = Field(
        default=1200, ge=0, description="Requests per minute per API token (0: no limit)."
    )
    api_session_ttl_seconds: int = Field(
        default=3600, ge=60, description="Lifetime of a session from a wallet sign-in."
    )
    api_staff_idle_seconds: int = Field(
        default=1800,
        ge=60,
        description="A workbench session ends after this long without a page view (idle timeout).",
    )
    api_challenge_ttl_seconds: int = Field(
        default=300, ge=30, description="Lifetime of a wallet sign-in challenge (EIP-4361)."
    )
    vasp_min_charter_capital_som: Decimal = Field(
        default=Decimal("10000000"),
        gt=0,
        description="The minimum charter capital of a service provider, in som, as the Cabinet "
        "of Ministers sets it (Law art. 25.2): recorded with each licence application. The "
        "default is a placeholder, not the Cabinet's figure: set it.",
    )
    api_idempotency_ttl_seconds: int = Field(
        default=86_400,
        ge=60,
        description="How long an Idempotency-Key is remembered (its answer replayed, its "
        "request never written twice); then it may be used again.",
    )
    api_idempotency_lease_seconds: int = Field(
        default=60,
        ge=1,
        le=3600,
        description="How long a request holds its Idempotency-Key: a retry meanwhile answers 409 "
        "(Retry-After); after it (the server died), the retry completes the request.",
    )
    # Anchoring checkpoints on an EVM chain (anchoring/)
    rpc_url: str | None = Field(
        default=None,
        description="JSON-RPC URL of the chain; unset: `tamga up` runs its own local anvil.",
    )
    chain_id: int | None = Field(
        default=None, ge=1, description="Chain id the RPC URL must report (needed with rpc_url)."
    )
    contract_address: str | None = Field(
        default=None, description="RegistryAnchor contract address (needed with rpc_url)."
    )
    contract_deploy_block: int = Field(
        default=0, ge=0, description="Block the contract was deployed in (event scans start here)."
    )
    anchor_key_file: Path | None = Field(
        default=None, description="Encrypted keystore (JSON v3) of the anchoring key."
    )
    anchor_key_password: SecretStr | None = Field(
        default=None, description="Password of the anchoring keystore (else the password file)."
    )
    anchor_key_password_file: Path | None = Field(
        default=None, description="File holding the anchoring keystore's password."
    )
    anchor_interval_seconds: int = Field(
        default=600, ge=1, description="How often the scheduled job anchors the latest checkpoint."
    )
    anchor_confirmations: int = Field(
        default=2, ge=1, description="Blocks (the anchor's own included) before it is final."
    )
    anchor_resend_after_seconds: float = Field(
        default=30.0, gt=0, description="Wait for inclusion before re-sending with higher fees."
    )
    anchor_fee_bump_percent: int = Field(
        default=25, ge=10, le=1000, description="Fee increase of each re-sent transaction."
    )
    anchor_max_fee_per_gas_wei: int | None = Field(
        default=None, ge=1, description="Cap on maxFeePerGas (EIP-1559); unset: no cap."
    )
    anchor_timeout_seconds: float = Field(
        default=300.0, gt=0, description="How long one run waits for confirmation before yielding."
    )
    anchor_log_chunk_blocks: int = Field(
        default=5000, ge=1, description="Block range of each eth_getLogs request."
    )
    rpc_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Timeout of one JSON-RPC request."
    )
    rpc_retries: int = Field(
        default=2,
        ge=0,
        le=10,
        description="Further tries of a JSON-RPC request after a timeout, HTTP 429 or 5xx.",
    )
    rpc_backoff_seconds: float = Field(
        default=0.5, ge=0, description="First wait before a retry (doubled, Retry-After honoured)."
    )
    rpc_max_backoff_seconds: float = Field(
        default=8.0, ge=0, description="Longest single wait before a JSON-RPC retry."
    )
    anvil_block_time_seconds: int = Field(
        default=1, ge=1, description="Interval mining of the local anvil (besides automine)."
    )
    # Witnesses (c2sp.org/tlog-witness) cosigning the node's checkpoints
    witnesses: tuple[WitnessSetting, ...] = Field(
        default=(),
        description='Witnesses as JSON: [{"name": …, "url": …, "vkey": …}]; every new checkpoint '
        "is submitted to each and their cosignatures stored.",
    )
    local_witnesses: int = Field(
        default=0,
        ge=0,
        le=9,
        description="Without TAMGA_WITNESSES, `tamga up` runs this many local witnesses under "
        "<data dir>/witnesses (make run: 2).",
    )
    witness_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Timeout of one add-checkpoint request."
    )
    # On-chain verification of declared tokens (node/verification, node/chain)
    chains: tuple[ChainSetting, ...] = Field(
        default=(),
        description="EVM chains as JSON: register blockchain names -> chain ids and JSON-RPC "
        'URLs tried in order, e.g. [{"name": "ethereum", "chain_id": 1, "rpc_urls": [...]}].',
    )
    non_evm_chains: tuple[str, ...] = Field(
        default=(), description="More blockchain names that are not EVM (reported unsupported)."
    )
    verify_confirmations: int = Field(
        default=2, ge=1, description="Blocks (the read one included) below the head a run reads."
    )
    verify_sinks: tuple[str, ...] = Field(
        default=(), description="Addresses holding locked (not burned) tokens, besides 0x…dEaD."
    )
    verify_log_range_blocks: int = Field(
        default=10_000, ge=1, description="Block range of each eth_getLogs (halved if refused)."
    )
    verify_scan_from_block: int = Field(
        default=0, ge=0, description="Block where Transfer log scans of new tokens start."
    )
    verify_batch_size: int = Field(
        default=500, ge=1, description="Requests per JSON-RPC batch of a verification run."
    )
    verify_multicall_chunk: int = Field(
        default=300, ge=1, description="Calls per Multicall3 aggregate3 of a verification run."
    )
    verify_interval_seconds: int = Field(
        default=86_400, ge=60, description="How often the scheduled job verifies every emission."
    )
    verify_solc_download: bool = Field(
        default=False, description="Let py-solc-x download compilers a filed source names."
    )

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``sqlite:///<data_dir>/tamga.sqlite``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tamga.sqlite').resolve()}"

    @property
    def resolved_key_file(self) -> Path:
        """The checkpoint key's keystore path."""
        return self.key_file or self.data_dir / "keys" / "checkpoint-key.json"

    @property
    def resolved_key_password_file(self) -> Path:
        """The file with the keystore password."""
        return self.key_password_file or self.data_dir / "keys" / "checkpoint-key.password"
