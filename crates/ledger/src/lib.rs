//! The ledger (pure). Being built.
