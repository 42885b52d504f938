"""Reading EVM chains: chain table, JSON-RPC with failover and batching, pinned reads, logs."""
