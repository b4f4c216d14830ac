//! Customs clearance (pure). Being built.
