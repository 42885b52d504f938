"""The use cases of the register: one function per write or read that the CLI and the API offer."""
