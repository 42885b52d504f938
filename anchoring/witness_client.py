"""Node side of c2sp.org/tlog-witness: sign checkpoint notes, submit them, keep cosignatures."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from anchoring.witness import SIZE_CONTENT_TYPE, encode_add_checkpoint
from node.checkpoint import format_time
from node.clock import Clock
from node.errors import RegistryError, VerificationError
from node.ledger.service import Ledger, signed_from_record
from node.ledger.store import CheckpointRecord
from node.ledger.witness_store import (
    CosignatureRecord,
    cosignatures,
    last_cosigned_size,
    notes,
    save_cosignature,
    save_note,
)
from node.note import (
    Note,
    NoteSigner,
    VerifierKey,
    parse_note,
    parse_signature_line,
    parse_vkey,
    sign_checkpoint_note,
    verify_signature,
)
from node.settings import WitnessSetting

logger = logging.getLogger("tamga.witnesses")
MAX_CONFLICT_RETRIES = 2


@dataclass(frozen=True)
class WitnessOutcome:
    """What one witness did with the latest checkpoint: ``cosigned``, ``had`` or ``failed``."""

    witness: str
    size: int
    status: str
    detail: str = ""


class Cosigner:
    """Signs every checkpoint as a C2SP note and gets the latest one cosigned by each witness.

    Nothing else waits for a witness: failures are logged and retried on the next run.
    """

    def __init__(
        self,
        *,
        ledger: Ledger,
        signer: NoteSigner,
        witnesses: Sequence[WitnessSetting],
        clock: Clock,
        http: httpx.Client,
    ) -> None:
        self.ledger = ledger
        self.signer = signer
        self.witnesses = [(w, parse_vkey(w.vkey)) for w in witnesses]
        self.clock = clock
        self.http = http

    def publish_notes(self) -> dict[int, Note]:
        """Sign (Ed25519, deterministic) and store the note of every checkpoint that has none.

        Returns every checkpoint's note by size.

        Raises:
            StorageError: the database failed.
        """
        engine = self.ledger.store.engine
        stored = notes(engine)
        found: dict[int, Note] = {}
        for row in self.ledger.checkpoints():
            if row.size in stored:
                found[row.size] = parse_note(stored[row.size].note)
                continue
            note = sign_checkpoint_note(signed_from_record(row).checkpoint, self.signer)
            save_note(
                engine,
                size=row.size,
                note=note.encode(),
                key=self.signer.verifier.encode(),
                created_at=format_time(self.clock.now()),
            )
            found[row.size] = note
        return found

    def run(self) -> list[WitnessOutcome]:
        """Publish notes, then submit the latest checkpoint to every witness that has not
        cosigned it. Never raises: every failure is logged and reported in the outcome.
        """
        try:
            all_notes = self.publish_notes()
            rows = self.ledger.checkpoints()
        except RegistryError as exc:
            logger.error("witnesses: cannot publish checkpoint notes: %s", exc)
            return []
        if not rows or not self.witnesses:
            return []
        latest = rows[-1]
        note = all_notes[latest.size]
        have = cosignatures(self.ledger.store.engine).get(latest.size, [])
        outcomes = []
        for setting, key in self.witnesses:
            if any(c.witness == key.name and c.key_id == key.key_id.hex() for c in have):
                outcomes.append(WitnessOutcome(setting.name, latest.size, "had"))
                continue
            outcome = self._submit(setting, key, latest, note)
            level = logging.INFO if outcome.status == "cosigned" else logging.WARNING
            logger.log(
                level,
                "witness %s: checkpoint %d %s %s",
                setting.name,
                latest.size,
                outcome.status,
                outcome.detail,
            )
            outcomes.append(outcome)
        return outcomes

    def _submit(
        self, setting: WitnessSetting, key: VerifierKey, row: CheckpointRecord, note: Note
    ) -> WitnessOutcome:
        try:
            old = last_cosigned_size(
                self.ledger.store.engine, witness=key.name, key_id=key.key_id.hex()
            )
            if old > row.size:
                old = 0
            for _ in range(MAX_CONFLICT_RETRIES + 1):
                proof = (
                    self.ledger.prove_consistency(old, row.size).proof if 0 < old < row.size else ()
                )
                body = encode_add_checkpoint(old=old, proof=proof, note=note)
                response = self.http.post(
                    setting.url.rstrip("/") + "/add-checkpoint",
                    content=body,
                    headers={"Content-Type": "text/plain; charset=utf-8"},
                )
                if response.status_code == 409 and response.headers.get(
                    "content-type", ""
                ).startswith(SIZE_CONTENT_TYPE):
                    theirs = _size(response.text)
                    if theirs is None or theirs > row.size or theirs == old:
                        return WitnessOutcome(
                            setting.name,
                            row.size,
                            "failed",
                            f"409: witness holds size {response.text.strip()!r}",
                        )
                    old = theirs  # c2sp.org/tlog-witness: retry from the witness's size
                    continue
                if response.status_code != 200:
                    return WitnessOutcome(
                        setting.name,
                        row.size,
                        "failed",
                        f"{response.status_code}: {response.text.strip()[:200]}",
                    )
                return self._store(setting, key, row, note, response.text)
        except httpx.HTTPError as exc:
            return WitnessOutcome(setting.name, row.size, "failed", f"unreachable: {exc}")
        except RegistryError as exc:
            return WitnessOutcome(setting.name, row.size, "failed", str(exc))
        return WitnessOutcome(setting.name, row.size, "failed", "too many 409 answers")

    def _store(
        self,
        setting: WitnessSetting,
        key: VerifierKey,
        row: CheckpointRecord,
        note: Note,
        text: str,
    ) -> WitnessOutcome:
        """Keep the cosignature lines by the configured key that verify (others are ignored)."""
        stored = 0
        for line in text.splitlines():
            signature = parse_signature_line(line)
            if not key.matches(signature):
                continue  # c2sp.org/tlog-witness: ignore cosignatures from unknown keys
            timestamp = verify_signature(note.text, signature, key)
            save_cosignature(
                self.ledger.store.engine,
                CosignatureRecord(
                    size=row.size,
                    witness=key.name,
                    key_id=key.key_id.hex(),
                    timestamp=timestamp or 0,
                    line=signature.line().rstrip("\n"),
                    received_at=format_time(self.clock.now()),
                ),
            )
            stored += 1
        if not stored:
            raise VerificationError(
                "the witness answered without a cosignature by its configured key",
                expected=key.encode(),
                where=f"witness {setting.name}",
            )
        return WitnessOutcome(setting.name, row.size, "cosigned")


def _size(text: str) -> int | None:
    stripped = text[:-1] if text.endswith("\n") else text
    return int(stripped) if stripped.isdigit() and str(int(stripped)) == stripped else None
