//! Type-prefixed, time-ordered identifiers: `ord_01JD…` (prefix, `_`, 26 characters of
//! Crockford base32 encoding 48 bits of milliseconds and 80 bits of entropy, as in ULID).

/// The kinds of record that carry an id, with their prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdKind {
    Party,
    ApiKey,
    Product,
    Order,
    Payment,
    Waybill,
    Declaration,
    RiskRule,
    Account,
    Transfer,
    Payout,
    Message,
}

impl IdKind {
    pub fn prefix(self) -> &'static str {
        match self {
            IdKind::Party => "pty",
            IdKind::ApiKey => "key",
            IdKind::Product => "prd",
            IdKind::Order => "ord",
            IdKind::Payment => "pay",
            IdKind::Waybill => "wb",
            IdKind::Declaration => "dec",
            IdKind::RiskRule => "rsk",
            IdKind::Account => "acc",
            IdKind::Transfer => "trf",
            IdKind::Payout => "pyo",
            IdKind::Message => "msg",
        }
    }
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const BODY_LEN: usize = 26;
const ENTROPY_MASK: u128 = (1u128 << 80) - 1;

/// The state a monotonic generator carries: the last timestamp and entropy it issued.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IdClock {
    last_ms: u64,
    last_entropy: u128,
}

impl IdClock {
    /// Whether [`IdClock::next`] at `now_ms` takes fresh entropy; otherwise it increments the
    /// last one and ignores what it is given (so the caller may skip drawing it).
    pub fn takes_entropy(&self, now_ms: u64) -> bool {
        now_ms > self.last_ms
    }

    /// Next (ms, entropy) pair, strictly greater than the previous one, so ids issued by one
    /// process sort in issue order even within a millisecond or if the wall clock steps back.
    pub fn next(&mut self, now_ms: u64, fresh_entropy: u128) -> (u64, u128) {
        let fresh_entropy = fresh_entropy & ENTROPY_MASK;
        if now_ms > self.last_ms {
            self.last_ms = now_ms;
            self.last_entropy = fresh_entropy;
        } else if self.last_entropy < ENTROPY_MASK {
            self.last_entropy += 1;
        } else {
            self.last_ms += 1;
            self.last_entropy = 0;
        }
        (self.last_ms, self.last_entropy)
    }
}

/// Encodes an id from its parts.
pub fn encode(kind: IdKind, ms: u64, entropy: u128) -> String {
    let value: u128 = ((ms as u128 & ((1 << 48) - 1)) << 80) | (entropy & ENTROPY_MASK);
    let mut body = [0u8; BODY_LEN];
    for (i, slot) in body.iter_mut().enumerate() {
        let shift = 5 * (BODY_LEN - 1 - i);
        *slot = CROCKFORD[((value >> shift) & 31) as usize];
    }
    let mut out = String::with_capacity(4 + BODY_LEN);
    out.push_str(kind.prefix());
    out.push('_');
    out.push_str(std::str::from_utf8(&body).expect("ascii"));
    out
}

/// True when `text` is a well-formed id of `kind`. Used to answer 404 early for ids that cannot exist.
pub fn is_valid(kind: IdKind, text: &str) -> bool {
    let Some(body) = text
        .strip_prefix(kind.prefix())
        .and_then(|r| r.strip_prefix('_'))
    else {
        return false;
    };
    body.len() == BODY_LEN
        && body.bytes().all(|b| CROCKFORD.contains(&b))
        && body.as_bytes()[0] <= b'7'
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encodes_with_prefix_and_validates() {
        let id = encode(IdKind::Order, 1_700_000_000_000, 42);
        assert!(id.starts_with("ord_"));
        assert_eq!(id.len(), 30);
        assert!(is_valid(IdKind::Order, &id));
        assert!(!is_valid(IdKind::Party, &id));
        assert!(!is_valid(IdKind::Order, "ord_123"));
        assert!(!is_valid(IdKind::Order, "ord_0000000000000000000000000I"));
    }

    #[test]
    fn clock_is_strictly_monotonic_even_when_time_steps_back() {
        let mut clock = IdClock::default();
        let a = clock.next(100, 5);
        let b = clock.next(100, 1);
        let c = clock.next(90, 0);
        let d = clock.next(101, 0);
        assert!(a < b && b < c && c < d, "{a:?} {b:?} {c:?} {d:?}");
        let mut full = IdClock::default();
        let x = full.next(7, ENTROPY_MASK);
        let y = full.next(7, 0);
        assert_eq!(y, (8, 0));
        assert!(x < y);
    }

    proptest! {
        /// The entropy given is used exactly when `takes_entropy` says so, so a caller may skip
        /// drawing it otherwise.
        #[test]
        fn entropy_is_taken_only_when_the_millisecond_moves_on(steps in proptest::collection::vec((0u64..3, any::<u128>()), 1..50)) {
            let mut clock = IdClock::default();
            let mut now = 1_600_000_000_000u64;
            for (i, (advance, entropy)) in steps.into_iter().enumerate() {
                now = if i % 7 == 6 { now.saturating_sub(1) } else { now + advance };
                let takes = clock.takes_entropy(now);
                let mut twin = clock;
                let with_other_entropy = twin.next(now, !entropy);
                let given = clock.next(now, entropy);
                prop_assert_eq!(given == with_other_entropy, !takes);
            }
        }

        #[test]
        fn string_order_follows_issue_order(steps in proptest::collection::vec((0u64..3, any::<u128>()), 1..50)) {
            let mut clock = IdClock::default();
            let mut now = 1_600_000_000_000u64;
            let mut prev: Option<String> = None;
            for (advance, entropy) in steps {
                now += advance;
                let (ms, e) = clock.next(now, entropy);
                let id = encode(IdKind::Product, ms, e);
                if let Some(p) = &prev { prop_assert!(p < &id); }
                prev = Some(id);
            }
        }
    }
}
