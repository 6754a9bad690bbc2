//! Exact delivery accounting for one receiver of one stream (a channel or a user's events).
//!
//! Every event a publisher sends on a stream carries the stream's next sequence number, from 0.
//! A receiving connection keeps one [`StreamTracker`] per stream it listens to and feeds it each
//! sequence it sees; the tracker says whether the delivery was new, a duplicate, or arrived after
//! a higher sequence (out of order). It keeps O(1) state for in-order streams: everything below
//! `next` has been seen, and only sequences seen above a gap are remembered.
//!
//! Loss is not judged per event (a receiver cannot tell a late event from a lost one before the
//! end): the coordinator computes `lost = expected − unique received` once every publisher has
//! reported how many events it really sent ([`crate::report`]).

use std::collections::BTreeSet;

/// What one delivery was, as far as its receiver can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// The next sequence, or one above a gap arriving in increasing order.
    New,
    /// A new sequence that arrived after a higher one.
    OutOfOrder,
    /// A sequence this receiver had already seen.
    Duplicate,
}

/// One receiver's view of one stream.
#[derive(Debug, Default, Clone)]
pub struct StreamTracker {
    /// Every sequence below this was received.
    next: u64,
    /// Sequences received above a gap (so above `next`).
    ahead: BTreeSet<u64>,
    /// The highest sequence received so far.
    max_seen: Option<u64>,
}

impl StreamTracker {
    /// Records a delivery of `seq`.
    pub fn record(&mut self, seq: u64) -> Arrival {
        if seq < self.next || self.ahead.contains(&seq) {
            return Arrival::Duplicate;
        }
        let late = self.max_seen.is_some_and(|max| seq < max);
        self.max_seen = Some(self.max_seen.map_or(seq, |max| max.max(seq)));
        if seq == self.next {
            self.next += 1;
            while self.ahead.remove(&self.next) {
                self.next += 1;
            }
        } else {
            self.ahead.insert(seq);
        }
        if late {
            Arrival::OutOfOrder
        } else {
            Arrival::New
        }
    }

    /// How many distinct sequences were received.
    pub fn unique(&self) -> u64 {
        self.next + self.ahead.len() as u64
    }
}

/// Counters over many receivers; merged across connections and worker processes.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    /// Every delivery carrying a bench sequence, duplicates included.
    pub received: u64,
    pub duplicates: u64,
    pub out_of_order: u64,
}

impl Tally {
    pub fn count(&mut self, arrival: Arrival) {
        self.received += 1;
        match arrival {
            Arrival::New => {}
            Arrival::OutOfOrder => self.out_of_order += 1,
            Arrival::Duplicate => self.duplicates += 1,
        }
    }

    /// Distinct deliveries (what counts against the expected number).
    pub fn unique(&self) -> u64 {
        self.received - self.duplicates
    }

    pub fn merge(&mut self, other: &Tally) {
        self.received += other.received;
        self.duplicates += other.duplicates;
        self.out_of_order += other.out_of_order;
    }
}

/// Deliveries that never arrived: expected minus distinct received (never negative).
pub fn lost(expected: u64, unique_received: u64) -> u64 {
    expected.saturating_sub(unique_received)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(seqs: &[u64]) -> (StreamTracker, Tally) {
        let mut tracker = StreamTracker::default();
        let mut tally = Tally::default();
        for &seq in seqs {
            tally.count(tracker.record(seq));
        }
        (tracker, tally)
    }

    #[test]
    fn in_order_stream_is_clean_and_keeps_no_set() {
        let seqs: Vec<u64> = (0..10_000).collect();
        let (tracker, tally) = feed(&seqs);
        assert_eq!(tally, Tally { received: 10_000, duplicates: 0, out_of_order: 0 });
        assert_eq!(tracker.unique(), 10_000);
        assert!(tracker.ahead.is_empty());
        assert_eq!(lost(10_000, tally.unique()), 0);
    }

    #[test]
    fn gaps_are_loss_not_disorder() {
        let (tracker, tally) = feed(&[0, 1, 3, 4, 7, 9]);
        assert_eq!(tally.out_of_order, 0, "increasing sequences with holes are in order");
        assert_eq!(tally.duplicates, 0);
        assert_eq!(tracker.unique(), 6);
        assert_eq!(lost(10, tally.unique()), 4, "2, 5, 6 and 8 never came");
    }

    #[test]
    fn a_late_event_is_out_of_order_and_fills_its_gap() {
        let (tracker, tally) = feed(&[0, 2, 3, 1, 4]);
        assert_eq!(tally.out_of_order, 1);
        assert_eq!(tally.duplicates, 0);
        assert_eq!(tracker.unique(), 5);
        assert_eq!(tracker.next, 5, "the gap closed");
        assert!(tracker.ahead.is_empty());
    }

    #[test]
    fn duplicates_below_and_above_the_gap() {
        let (tracker, tally) = feed(&[0, 1, 1, 5, 5, 0, 2]);
        assert_eq!(tally.duplicates, 3, "1 again, 5 again (above the gap), 0 again");
        assert_eq!(tally.out_of_order, 1, "2 after 5");
        assert_eq!(tally.received, 7);
        assert_eq!(tally.unique(), 4);
        assert_eq!(tracker.unique(), 4);
        assert_eq!(lost(6, tally.unique()), 2, "3 and 4");
    }

    #[test]
    fn first_delivery_above_zero_is_not_disorder() {
        let (_, tally) = feed(&[3, 4]);
        assert_eq!(tally.out_of_order, 0);
        assert_eq!(lost(5, tally.unique()), 3);
    }

    #[test]
    fn tallies_merge_and_loss_never_goes_negative() {
        let mut a = Tally { received: 10, duplicates: 1, out_of_order: 2 };
        a.merge(&Tally { received: 5, duplicates: 0, out_of_order: 1 });
        assert_eq!(a, Tally { received: 15, duplicates: 1, out_of_order: 3 });
        assert_eq!(a.unique(), 14);
        assert_eq!(lost(10, 14), 0);
    }
}
