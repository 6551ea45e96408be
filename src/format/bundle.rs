//! The proof bundle: everything needed to check one downloaded recording,
//! or one excerpt of it, in one file (`NAME.courtseal-proof`).
//!
//! A bundle is one JSON object on one line, then a newline:
//!
//! ```text
//! {"bundle":"courtseal.proof-bundle/v1","tlog_proof":"…","windows":"…","excerpt":{…}}
//! ```
//!
//! `tlog_proof` is the text of the segment's `c2sp.org/tlog-proof@v1`
//! (entry, inclusion proof and signed checkpoint) verbatim; `windows`, when
//! present, the segment's sealed packet-window sidecar verbatim (whole-file
//! bundles only); `excerpt`, when present, the proof that a file is one
//! stretch of the segment (see [`ExcerptPart`]); `ledger` (version 2 and
//! 3) the session's ledger evidence; `record` (version 3) the sealed
//! record entry with its inclusion proof. Unknown fields are refused.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// The value of the `bundle` field of a bundle without ledger evidence.
pub const BUNDLE: &str = "courtseal.proof-bundle/v1";
/// The value of the `bundle` field of a bundle with a `ledger` member.
pub const BUNDLE_V2: &str = "courtseal.proof-bundle/v2";
/// The value of the `bundle` field of a bundle with a `record` member
/// (and maybe a `ledger` member).
pub const BUNDLE_V3: &str = "courtseal.proof-bundle/v3";
/// The value of an excerpt part's `v`.
pub const EXCERPT_V1: u32 = 1;

/// A parsed bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// Always [`BUNDLE`].
    pub bundle: String,
    /// The segment's tlog-proof, verbatim.
    pub tlog_proof: String,
    /// The segment's packet-window sidecar, verbatim (whole-file bundles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows: Option<String>,
    /// The excerpt proof (excerpt bundles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<ExcerptPart>,
    /// Version 2: the session's ledger evidence for the checkpoint of
    /// `tlog_proof`, verbatim (`courtseal/ledger/<size>.proof`: the
    /// inclusion of that checkpoint in a signed ledger checkpoint, and the
    /// witnesses' cosignatures over it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger: Option<String>,
    /// Version 3: the session's sealed `record` entry in force, as a
    /// `c2sp.org/tlog-proof@v1` whose `extra` is the entry line verbatim,
    /// with its inclusion proof under the same signed checkpoint as
    /// `tlog_proof` (byte for byte): the court's time zone, signed by an
    /// operator and sealed by the recorder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
}

/// The proof that a file holds packets `first .. first+count` of each of
/// some streams of a sealed segment, and nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExcerptPart {
    /// Always [`EXCERPT_V1`].
    pub v: u32,
    /// The sidecar's header (line 0) with its inclusion proof: the sidecar
    /// version and each stream's units (packets as demuxed, packets without
    /// their framing, or content-defined chunks of PCM samples), which say
    /// how the excerpt's own units are hashed.
    pub header: ProvenLine,
    /// The streams of the excerpt, in the excerpt file's stream order.
    pub streams: Vec<ExcerptStream>,
}

/// One stream of an excerpt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExcerptStream {
    /// The stream's index in the sealed segment.
    pub s: usize,
    /// The sealed stream's packet number of the excerpt's first packet (from 0).
    pub first: u64,
    /// Number of packets in the excerpt.
    pub count: u64,
    /// The sealed window lines the excerpt's packets fall in, in order, each
    /// with its inclusion proof in the sidecar's tree.
    pub windows: Vec<ProvenLine>,
    /// Hex SHA-256 of each packet of the first window that comes before
    /// the excerpt, in order.
    pub before: Vec<String>,
    /// Hex SHA-256 of each packet of the last window that comes after the
    /// excerpt, in order.
    pub after: Vec<String>,
}

/// One sidecar line with its RFC 6962 inclusion proof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvenLine {
    /// The line's index in the sidecar (the header is 0).
    pub n: u64,
    /// The line, verbatim, without its newline.
    pub line: String,
    /// The inclusion proof, base64 hashes from the leaf's sibling upward.
    pub proof: Vec<String>,
}

impl ProvenLine {
    /// The proof's hashes, or `None` when one is not base64 of 32 bytes.
    pub fn hashes(&self) -> Option<Vec<crate::tlog::Hash>> {
        self.proof
            .iter()
            .map(|h| {
                base64::engine::general_purpose::STANDARD
                    .decode(h)
                    .ok()?
                    .try_into()
                    .ok()
            })
            .collect()
    }
}

/// A bundle that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed proof bundle: {0}")]
pub struct BundleError(pub String);

impl Bundle {
    /// Whether `data` looks like a bundle rather than a bare tlog-proof.
    pub fn is_bundle(data: &[u8]) -> bool {
        data.first() == Some(&b'{')
    }

    /// The bytes: the JSON object and a newline.
    #[expect(
        clippy::expect_used,
        reason = "a bundle holds only strings and numbers, which always serialise"
    )]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec(self).expect("JSON");
        out.push(b'\n');
        out
    }

    /// Parses a bundle, strictly.
    pub fn parse(data: &[u8]) -> Result<Self, BundleError> {
        let body = data
            .strip_suffix(b"\n")
            .ok_or_else(|| BundleError("does not end with a newline".into()))?;
        if body.contains(&b'\n') {
            return Err(BundleError("is not one line of JSON".into()));
        }
        let b: Bundle = serde_json::from_slice(body).map_err(|e| BundleError(e.to_string()))?;
        match (b.bundle.as_str(), &b.ledger, &b.record) {
            (BUNDLE, None, None) | (BUNDLE_V2, Some(_), None) | (BUNDLE_V3, _, Some(_)) => {}
            (BUNDLE | BUNDLE_V2, _, Some(_)) => {
                return Err(BundleError(format!(
                    "a {} bundle carries no record member (that is {BUNDLE_V3})",
                    b.bundle
                )))
            }
            (BUNDLE, Some(_), None) => {
                return Err(BundleError(format!(
                    "a {BUNDLE} bundle carries no ledger member (that is {BUNDLE_V2})"
                )))
            }
            (BUNDLE_V2, None, None) => {
                return Err(BundleError(format!(
                    "a {BUNDLE_V2} bundle must carry its ledger member"
                )))
            }
            (BUNDLE_V3, _, None) => {
                return Err(BundleError(format!(
                    "a {BUNDLE_V3} bundle must carry its record member"
                )))
            }
            _ => {
                return Err(BundleError(format!(
                    "the bundle field is {:?}, not {BUNDLE:?}, {BUNDLE_V2:?} or {BUNDLE_V3:?}",
                    b.bundle
                )))
            }
        }
        if let Some(x) = &b.excerpt {
            if x.v != EXCERPT_V1 {
                return Err(BundleError(format!(
                    "excerpt version {} is not known (only {EXCERPT_V1})",
                    x.v
                )));
            }
            if x.streams.is_empty() {
                return Err(BundleError("the excerpt names no stream".into()));
            }
            if b.windows.is_some() {
                return Err(BundleError(
                    "an excerpt bundle carries no full packet-window file".into(),
                ));
            }
        }
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_strictness() {
        let b = Bundle {
            bundle: BUNDLE.into(),
            tlog_proof: "c2sp.org/tlog-proof@v1\nindex 0\n\nx\n".into(),
            windows: Some("{}\n".into()),
            excerpt: None,
            ledger: None,
            record: None,
        };
        let bytes = b.to_bytes();
        assert!(Bundle::is_bundle(&bytes));
        assert_eq!(Bundle::parse(&bytes).unwrap(), b);
        assert!(Bundle::parse(&bytes[..bytes.len() - 1]).is_err());
        let extra = String::from_utf8(bytes)
            .unwrap()
            .replace("{\"bundle\"", "{\"x\":1,\"bundle\"");
        assert!(Bundle::parse(extra.as_bytes()).is_err());
        let v2 = Bundle {
            bundle: BUNDLE_V2.into(),
            ledger: Some("c2sp.org/tlog-proof@v1\n".into()),
            ..b.clone()
        };
        assert_eq!(Bundle::parse(&v2.to_bytes()).unwrap(), v2);
        let v1_with_ledger = Bundle {
            bundle: BUNDLE.into(),
            ..v2.clone()
        };
        assert!(Bundle::parse(&v1_with_ledger.to_bytes()).is_err());
        let v2_without = Bundle {
            ledger: None,
            ..v2.clone()
        };
        assert!(Bundle::parse(&v2_without.to_bytes()).is_err());
        // Version 3: a record member, with or without a ledger member.
        let v3 = Bundle {
            bundle: BUNDLE_V3.into(),
            record: Some("c2sp.org/tlog-proof@v1\n".into()),
            ..v2.clone()
        };
        assert_eq!(Bundle::parse(&v3.to_bytes()).unwrap(), v3);
        let v3_alone = Bundle {
            ledger: None,
            ..v3.clone()
        };
        assert_eq!(Bundle::parse(&v3_alone.to_bytes()).unwrap(), v3_alone);
        assert!(Bundle::parse(&Bundle { record: None, ..v3 }.to_bytes()).is_err());
        for old in [BUNDLE, BUNDLE_V2] {
            let with_record = Bundle {
                bundle: old.into(),
                ..v3_alone.clone()
            };
            assert!(Bundle::parse(&with_record.to_bytes()).is_err());
        }
    }
}
