//! Pinot's string codecs of fingerprints, exactly as Java runs them: `PartitionFingerprint`
//! `encode` / `decode` (PF:98-114) and the partition map's `encodeMap` / `decodeMap`
//! (PF:116-156), which carry fingerprints in task configurations.
//!
//! Decoding parses with `Integer.parseInt` / `Long.parseLong` (so a `+` sign and any BMP
//! Unicode decimal digit are accepted, [`crate::jackson::java_parse_long`]) and splits with
//! `String.split(";")`, which drops trailing empty pieces but keeps leading and inner ones.

use crate::jackson::{java_parse_int, java_parse_long, java_string, java_string_lossy};
use crate::partition::PartitionFingerprint;
use std::collections::BTreeMap;

/// The exception a Java decoder throws.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// `IllegalArgumentException` thrown by the decoder itself (no separator).
    IllegalArgument(String),
    /// `NumberFormatException` from `Integer.parseInt` / `Long.parseLong`.
    NumberFormat(String),
}

/// `PartitionFingerprint.encode()`: `"segmentCount,crcChecksum"` (PF:98-101).
pub fn fingerprint_encode(fingerprint: &PartitionFingerprint) -> String {
    format!("{},{}", fingerprint.segment_count, fingerprint.crc)
}

/// `PartitionFingerprint.decode(encoded)` (PF:106-114): split at the first `,`.
pub fn fingerprint_decode(encoded: &str) -> Result<PartitionFingerprint, DecodeError> {
    fingerprint_decode_units(&java_string(encoded))
}

fn fingerprint_decode_units(encoded: &[u16]) -> Result<PartitionFingerprint, DecodeError> {
    let Some(separator) = encoded.iter().position(|&unit| unit == u16::from(b',')) else {
        return Err(DecodeError::IllegalArgument(format!(
            "Invalid PartitionFingerprint encoding: {}",
            java_string_lossy(encoded)
        )));
    };
    let count_text = &encoded[..separator];
    let segment_count = java_parse_int(count_text).ok_or_else(|| number_format(count_text))?;
    let crc_text = &encoded[separator + 1..];
    let crc = java_parse_long(crc_text).ok_or_else(|| number_format(crc_text))?;
    Ok(PartitionFingerprint { segment_count, crc })
}

fn number_format(text: &[u16]) -> DecodeError {
    DecodeError::NumberFormat(format!("For input string: \"{}\"", java_string_lossy(text)))
}

/// `PartitionFingerprint.encodeMap(map)` (PF:121-135): entries in key order, `k=count,crc`
/// joined by `;`; the empty map is `""`.
pub fn fingerprint_map_encode(map: &BTreeMap<i64, PartitionFingerprint>) -> String {
    let entries: Vec<String> = map
        .iter()
        .map(|(start_ms, fingerprint)| format!("{start_ms}={}", fingerprint_encode(fingerprint)))
        .collect();
    entries.join(";")
}

/// `PartitionFingerprint.decodeMap(encoded)` (PF:141-156): `""` is the empty map; each piece
/// of `encoded.split(";")` must hold `=`; a repeated key keeps the later fingerprint.
pub fn fingerprint_map_decode(
    encoded: &str,
) -> Result<BTreeMap<i64, PartitionFingerprint>, DecodeError> {
    let mut map = BTreeMap::new();
    if encoded.is_empty() {
        return Ok(map);
    }
    for entry in java_split_semicolons(encoded) {
        let units = java_string(entry);
        let Some(equals) = units.iter().position(|&unit| unit == u16::from(b'=')) else {
            return Err(DecodeError::IllegalArgument(format!(
                "Invalid partition fingerprint map entry: {entry}"
            )));
        };
        let key = &units[..equals];
        let start_ms = java_parse_long(key).ok_or_else(|| number_format(key))?;
        map.insert(start_ms, fingerprint_decode_units(&units[equals + 1..])?);
    }
    Ok(map)
}

/// `text.split(";")`: trailing empty pieces removed (all of them, so `";;"` splits into
/// nothing), leading and inner empty pieces kept.
fn java_split_semicolons(text: &str) -> Vec<&str> {
    let mut pieces: Vec<&str> = text.split(';').collect();
    while pieces.last() == Some(&"") {
        pieces.pop();
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint(segment_count: i32, crc: i64) -> PartitionFingerprint {
        PartitionFingerprint { segment_count, crc }
    }

    #[test]
    fn decode_follows_java() {
        assert_eq!(fingerprint_decode("3,-7"), Ok(fingerprint(3, -7)));
        assert_eq!(fingerprint_decode("+3,\u{ff17}"), Ok(fingerprint(3, 7)));
        assert!(matches!(
            fingerprint_decode("3"),
            Err(DecodeError::IllegalArgument(_))
        ));
        assert!(matches!(
            fingerprint_decode("3,1,2"),
            Err(DecodeError::NumberFormat(_))
        ));
        assert!(matches!(
            fingerprint_decode(",1"),
            Err(DecodeError::NumberFormat(_))
        ));
        assert!(matches!(
            fingerprint_decode("2147483648,1"),
            Err(DecodeError::NumberFormat(_))
        ));
    }

    #[test]
    fn map_codec_follows_java() {
        let map = BTreeMap::from([(86_400_000, fingerprint(1, 2)), (-5, fingerprint(0, -1))]);
        let encoded = fingerprint_map_encode(&map);
        assert_eq!(encoded, "-5=0,-1;86400000=1,2");
        assert_eq!(fingerprint_map_decode(&encoded), Ok(map));
        assert_eq!(fingerprint_map_encode(&BTreeMap::new()), "");
        assert_eq!(fingerprint_map_decode(""), Ok(BTreeMap::new()));
        assert_eq!(fingerprint_map_decode(";;"), Ok(BTreeMap::new()));
        assert_eq!(
            fingerprint_map_decode("1=1,1;"),
            Ok(BTreeMap::from([(1, fingerprint(1, 1))]))
        );
        assert_eq!(
            fingerprint_map_decode("1=1,1;+1=2,2"),
            Ok(BTreeMap::from([(1, fingerprint(2, 2))]))
        );
        assert!(matches!(
            fingerprint_map_decode(";1=1,1"),
            Err(DecodeError::IllegalArgument(_))
        ));
        assert!(matches!(
            fingerprint_map_decode("x=1,1"),
            Err(DecodeError::NumberFormat(_))
        ));
    }
}
