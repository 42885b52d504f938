"""The node's configuration: one Settings object built at the edge from TAMGA_* variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
