"""Tamga node: the register's domain rules, ledger, Merkle log and CLI."""
