"""Domain rules of the register (pure: no database, chain or web code)."""
