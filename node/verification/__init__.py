"""On-chain verification: declared contracts, wallets, supply and burns against the register."""
