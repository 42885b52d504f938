"""The append-only SQL ledger: journal, Merkle nodes, checkpoints and the register projection."""
