//! What a receiver remembers of each sender (protocol §5, receiver rules): the message ids it has
//! seen until they expire, the highest sequence number, and the gaps left by envelopes that have
//! not arrived yet. Delivery is at least once and not in order, so a duplicate is dropped
//! quietly, an older envelope fills its gap, and a new id with a used sequence number is a replay.

use std::collections::BTreeMap;

use thecal_proto::EnvelopeHeader;

use super::AlertsError;

/// How long a gap is shown at most: the longest an envelope can live (the relay's TTL cap), after
/// which the missing envelope can no longer arrive.
pub const GAP_LIFETIME_SECS: u64 = 14 * 86_400;

/// What to do with an envelope that opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// New: show it. `missing` envelopes from this sender are still awaited.
    New {
        /// How many earlier envelopes have not arrived (the gap shown as "N missing").
        missing: u64,
    },
    /// Already received (a retry or a second delivery): drop it quietly.
    Duplicate,
}

/// A run of sequence numbers skipped over, `first..=last`, noticed at `noticed_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Gap {
    first: u64,
    last: u64,
    noticed_at: u64,
}

/// One sender's receive state.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SenderWindow {
    highest: u64,
    /// Message id (b64u) → (sequence number, expiry).
    seen: BTreeMap<String, (u64, u64)>,
    gaps: Vec<Gap>,
}

impl SenderWindow {
    /// Decides what to do with an opened envelope from this sender at `now` (Unix seconds), and
    /// remembers it.
    ///
    /// # Errors
    /// [`AlertsError::Replayed`]: a message id not seen before with a sequence number already
    /// used.
    pub fn accept(&mut self, header: &EnvelopeHeader, now: u64) -> Result<Verdict, AlertsError> {
        self.forget_expired(now);
        let id = thecal_proto::b64u(&header.message_id);
        if self.seen.contains_key(&id) {
            return Ok(Verdict::Duplicate);
        }
        let seq = header.seq;
        if seq > self.highest {
            if seq > self.highest + 1 {
                self.gaps.push(Gap {
                    first: self.highest + 1,
                    last: seq - 1,
                    noticed_at: now,
                });
            }
            self.highest = seq;
        } else if !self.fill(seq) {
            return Err(AlertsError::Replayed);
        }
        self.seen.insert(id, (seq, header.expires_at));
        Ok(Verdict::New {
            missing: self.missing(),
        })
    }

    /// How many envelopes from this sender are missing now.
    #[must_use]
    pub fn missing(&self) -> u64 {
        self.gaps.iter().map(|g| g.last - g.first + 1).sum()
    }

    /// The highest sequence number received.
    #[must_use]
    pub fn highest(&self) -> u64 {
        self.highest
    }

    /// Takes `seq` out of a gap; false if it was in none (already used).
    fn fill(&mut self, seq: u64) -> bool {
        let Some(i) = self
            .gaps
            .iter()
            .position(|g| (g.first..=g.last).contains(&seq))
        else {
            return false;
        };
        let g = self.gaps.remove(i);
        if g.first < seq {
            self.gaps.push(Gap { last: seq - 1, ..g });
        }
        if seq < g.last {
            self.gaps.push(Gap {
                first: seq + 1,
                ..g
            });
        }
        true
    }

    fn forget_expired(&mut self, now: u64) {
        self.seen.retain(|_, (_, expires)| *expires > now);
        self.gaps
            .retain(|g| g.noticed_at.saturating_add(GAP_LIFETIME_SECS) > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use thecal_proto::MailboxId;

    fn header(id: u8, seq: u64) -> EnvelopeHeader {
        EnvelopeHeader {
            kind: 1,
            recipient: MailboxId([1; 16]),
            sender: MailboxId([2; 16]),
            message_id: [id; 16],
            seq,
            expires_at: 10_000,
        }
    }

    #[test]
    fn in_order_envelopes_are_new_and_repeats_are_duplicates() {
        let mut w = SenderWindow::default();
        assert_eq!(w.accept(&header(1, 1), 0), Ok(Verdict::New { missing: 0 }));
        assert_eq!(w.accept(&header(2, 2), 0), Ok(Verdict::New { missing: 0 }));
        assert_eq!(w.accept(&header(1, 1), 5), Ok(Verdict::Duplicate));
        assert_eq!(w.highest(), 2);
    }

    #[test]
    fn a_jump_opens_a_gap_that_late_envelopes_fill() {
        let mut w = SenderWindow::default();
        w.accept(&header(1, 1), 0).unwrap();
        assert_eq!(w.accept(&header(5, 5), 0), Ok(Verdict::New { missing: 3 }));
        assert_eq!(w.accept(&header(3, 3), 1), Ok(Verdict::New { missing: 2 }));
        assert_eq!(w.accept(&header(2, 2), 2), Ok(Verdict::New { missing: 1 }));
        assert_eq!(w.accept(&header(4, 4), 3), Ok(Verdict::New { missing: 0 }));
    }

    #[test]
    fn a_new_id_with_a_used_sequence_number_is_a_replay() {
        let mut w = SenderWindow::default();
        w.accept(&header(1, 1), 0).unwrap();
        w.accept(&header(2, 2), 0).unwrap();
        assert_eq!(w.accept(&header(9, 2), 0), Err(AlertsError::Replayed));
        assert_eq!(w.accept(&header(9, 1), 0), Err(AlertsError::Replayed));
        // Nothing of the replay was kept: the right envelope 3 is still new.
        assert_eq!(w.accept(&header(3, 3), 0), Ok(Verdict::New { missing: 0 }));
    }

    #[test]
    fn a_gap_is_shown_until_its_envelopes_can_no_longer_arrive() {
        let mut w = SenderWindow::default();
        w.accept(&header(3, 3), 100).unwrap();
        assert_eq!(w.missing(), 2);
        let later = 100 + GAP_LIFETIME_SECS;
        let mut h = header(4, 4);
        h.expires_at = later + 10;
        assert_eq!(w.accept(&h, later), Ok(Verdict::New { missing: 0 }));
        // Too late to fill: the number is no longer awaited, so it reads as a replay.
        assert_eq!(w.accept(&header(1, 1), later), Err(AlertsError::Replayed));
    }

    #[test]
    fn a_new_peers_empty_window_reads() {
        let w: SenderWindow = serde_json::from_str("{}").unwrap();
        assert_eq!(w, SenderWindow::default());
    }

    #[test]
    fn the_window_survives_being_stored() {
        let mut w = SenderWindow::default();
        w.accept(&header(4, 4), 0).unwrap();
        let stored = serde_json::to_string(&w).unwrap();
        let mut back: SenderWindow = serde_json::from_str(&stored).unwrap();
        assert_eq!(back, w);
        assert_eq!(back.accept(&header(4, 4), 1), Ok(Verdict::Duplicate));
        assert_eq!(
            back.accept(&header(2, 2), 1),
            Ok(Verdict::New { missing: 2 })
        );
    }
}
