//! End-to-end latency: one HdrHistogram (µs, 3 significant digits, 1 µs .. 60 s) per worker,
//! shipped to the coordinator serialized and merged there.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use hdrhistogram::Histogram;
use serde::Serialize;

pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

pub fn encode(h: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    V2Serializer::new().serialize(h, &mut bytes).expect("serializing into memory");
    STANDARD.encode(bytes)
}

pub fn decode(text: &str) -> anyhow::Result<Histogram<u64>> {
    let bytes = STANDARD.decode(text)?;
    Ok(Deserializer::new().deserialize(&mut bytes.as_slice())?)
}

/// Latency percentiles in milliseconds (the JSON report's `latency_ms`).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
}

pub fn percentiles(h: &Histogram<u64>) -> Percentiles {
    if h.is_empty() {
        return Percentiles::default();
    }
    let ms = |us: u64| us as f64 / 1000.0;
    Percentiles {
        p50: ms(h.value_at_quantile(0.5)),
        p90: ms(h.value_at_quantile(0.9)),
        p99: ms(h.value_at_quantile(0.99)),
        p999: ms(h.value_at_quantile(0.999)),
        max: ms(h.max()),
        mean: h.mean() / 1000.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_the_trip_and_merges() {
        let mut a = new_histogram();
        for us in 1..=1000 {
            a.record(us).unwrap();
        }
        let mut b = decode(&encode(&a)).unwrap();
        assert_eq!(b.len(), 1000);
        b.add(&a).unwrap();
        let p = percentiles(&b);
        assert_eq!(b.len(), 2000);
        assert!((p.p50 - 0.5).abs() < 0.01, "{p:?}");
        assert!((p.max - 1.0).abs() < 0.01, "{p:?}");
    }
}
