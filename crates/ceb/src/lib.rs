//! China customs CEB messages (pure). Being built.
