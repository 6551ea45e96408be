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
//! record entry with its inclusion proof; `timestamps` (version 4) RFC 3161
//! tokens over the session's checkpoints or the ledger part's checkpoint
//! (see [`BundledToken`]). Unknown fields are refused.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// The value of the `bundle` field of a bundle without ledger evidence.
pub const BUNDLE: &str = "courtseal.proof-bundle/v1";
/// The value of the `bundle` field of a bundle with a `ledger` member.
pub const BUNDLE_V2: &str = "courtseal.proof-bundle/v2";
/// The value of the `bundle` field of a bundle with a `record` member
/// (and maybe a `ledger` member).
pub const BUNDLE_V3: &str = "courtseal.proof-bundle/v3";
/// The value of the `bundle` field of a bundle with a `timestamps` member
/// (and maybe `ledger` and `record` members).
pub const BUNDLE_V4: &str = "courtseal.proof-bundle/v4";
/// Most tokens a version 4 bundle carries.
pub const MAX_TOKENS: usize = 32;
/// What a bundled token is over: the session checkpoint of the token's
/// `size`, shown to be a prefix of the proof's checkpoint.
pub const OVER_CHECKPOINT: &str = "checkpoint";
/// What a bundled token is over: the ledger checkpoint of the `ledger` part.
pub const OVER_LEDGER: &str = "ledger";
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
    /// Version 4: RFC 3161 tokens the session keeps, each over a checkpoint
    /// that includes the segment (not empty, at most [`MAX_TOKENS`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timestamps: Vec<BundledToken>,
}

/// One RFC 3161 token of a version 4 bundle, as the session keeps it.
///
/// `over` is [`OVER_CHECKPOINT`]: the token is over the note text of the
/// session checkpoint (origin of the proof's checkpoint, `size`, `root`),
/// and `consistency` is the RFC 6962 consistency proof from that tree to the
/// proof's checkpoint (empty when `size` is its size); or [`OVER_LEDGER`]:
/// the token is over the note text of the `ledger` part's checkpoint, and
/// `size`, `root` and `consistency` are absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundledToken {
    /// [`OVER_CHECKPOINT`] or [`OVER_LEDGER`].
    pub over: String,
    /// Where the session keeps it (`courtseal/timestamps/SIZE.N.tsr` or
    /// `courtseal/ledger/EVIDENCE.N.tsr`): named in findings and times.
    pub file: String,
    /// The session checkpoint's size (`over` = checkpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Its root, base64 (`over` = checkpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    /// Base64 hashes of the consistency proof from `size` to the proof's
    /// checkpoint (`over` = checkpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consistency: Option<Vec<String>>,
    /// The token (a DER `TimeStampToken`), base64.
    pub token: String,
}

impl BundledToken {
    /// The token's bytes, or why not: not base64, or larger than a token
    /// may be.
    pub fn token_bytes(&self) -> Result<Vec<u8>, String> {
        let b = base64::engine::general_purpose::STANDARD
            .decode(&self.token)
            .map_err(|e| format!("its token is not base64: {e}"))?;
        if b.len() as u64 > crate::format::timestamp::MAX_TOKEN_BYTES {
            return Err(format!(
                "its token is larger than {} bytes",
                crate::format::timestamp::MAX_TOKEN_BYTES
            ));
        }
        Ok(b)
    }

    /// The root and consistency proof of a token over a session
    /// checkpoint, decoded; `None` when one is not base64 of 32 bytes.
    pub fn tree(&self) -> Option<(u64, crate::tlog::Hash, Vec<crate::tlog::Hash>)> {
        let hash = |h: &str| -> Option<crate::tlog::Hash> {
            base64::engine::general_purpose::STANDARD
                .decode(h)
                .ok()?
                .try_into()
                .ok()
        };
        let proof = self
            .consistency
            .as_ref()?
            .iter()
            .map(|h| hash(h))
            .collect::<Option<Vec<_>>>()?;
        Some((self.size?, hash(self.root.as_deref()?)?, proof))
    }

    /// Checks the shape: `over` known, its members present or absent as it
    /// says, `file` named as the session names such a token.
    fn check(&self) -> Result<(), String> {
        let shaped = match self.over.as_str() {
            OVER_CHECKPOINT => {
                self.size.is_some()
                    && self.root.is_some()
                    && self.consistency.as_ref().is_some_and(|c| c.len() <= 64)
                    && self
                        .file
                        .strip_prefix("courtseal/timestamps/")
                        .and_then(crate::format::timestamp::parse_file_name)
                        .is_some_and(|(size, _)| Some(size) == self.size)
            }
            OVER_LEDGER => {
                self.size.is_none()
                    && self.root.is_none()
                    && self.consistency.is_none()
                    && self
                        .file
                        .strip_prefix("courtseal/ledger/")
                        .and_then(crate::format::ledger::parse_listed)
                        .is_some_and(|n| matches!(n, crate::format::ledger::Named::Token(..)))
            }
            other => {
                return Err(format!(
                    "a timestamp is over {other:?}, not {OVER_CHECKPOINT:?} or {OVER_LEDGER:?}"
                ))
            }
        };
        if shaped {
            Ok(())
        } else {
            Err(format!(
                "the timestamp {:?} over the {} does not have the members and file name that says",
                self.file.chars().take(120).collect::<String>(),
                self.over
            ))
        }
    }
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
        if b.bundle == BUNDLE_V4 {
            if b.timestamps.is_empty() {
                return Err(BundleError(format!(
                    "a {BUNDLE_V4} bundle must carry its timestamps member"
                )));
            }
            if b.timestamps.len() > MAX_TOKENS {
                return Err(BundleError(format!(
                    "carries {} timestamps, more than the {MAX_TOKENS} a bundle may",
                    b.timestamps.len()
                )));
            }
            for t in &b.timestamps {
                t.check().map_err(BundleError)?;
            }
        } else if !b.timestamps.is_empty() {
            return Err(BundleError(format!(
                "a {} bundle carries no timestamps member (that is {BUNDLE_V4})",
                b.bundle
            )));
        }
        match (b.bundle.as_str(), &b.ledger, &b.record) {
            (BUNDLE, None, None)
            | (BUNDLE_V2, Some(_), None)
            | (BUNDLE_V3, _, Some(_))
            | (BUNDLE_V4, _, _) => {}
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
                    "the bundle field is {:?}, not {BUNDLE:?}, {BUNDLE_V2:?}, {BUNDLE_V3:?} or {BUNDLE_V4:?}",
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
            timestamps: vec![],
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

    #[test]
    fn version_4_carries_timestamps_of_the_shape_it_says_and_only_it() {
        let over_cp = BundledToken {
            over: OVER_CHECKPOINT.into(),
            file: "courtseal/timestamps/5.1.tsr".into(),
            size: Some(5),
            root: Some("AAAA".into()),
            consistency: Some(vec![]),
            token: "MAA=".into(),
        };
        let over_ledger = BundledToken {
            over: OVER_LEDGER.into(),
            file: "courtseal/ledger/5.proof.1.tsr".into(),
            size: None,
            root: None,
            consistency: None,
            token: "MAA=".into(),
        };
        let v4 = Bundle {
            bundle: BUNDLE_V4.into(),
            tlog_proof: "c2sp.org/tlog-proof@v1\nindex 0\n\nx\n".into(),
            windows: None,
            excerpt: None,
            ledger: None,
            record: None,
            timestamps: vec![over_cp.clone(), over_ledger.clone()],
        };
        assert_eq!(Bundle::parse(&v4.to_bytes()).unwrap(), v4);
        assert_eq!(over_ledger.token_bytes().unwrap(), [0x30, 0]);
        // Without timestamps, or with too many.
        let empty = Bundle {
            timestamps: vec![],
            ..v4.clone()
        };
        assert!(Bundle::parse(&empty.to_bytes()).is_err());
        let many = Bundle {
            timestamps: vec![over_ledger.clone(); MAX_TOKENS + 1],
            ..v4.clone()
        };
        assert!(Bundle::parse(&many.to_bytes()).is_err());
        // Older versions carry none.
        for old in [BUNDLE, BUNDLE_V2, BUNDLE_V3] {
            let b = Bundle {
                bundle: old.into(),
                ledger: Some("x".into()),
                record: Some("x".into()),
                ..v4.clone()
            };
            assert!(Bundle::parse(&b.to_bytes()).is_err(), "{old}");
        }
        // Each token's members as its `over` says, its file named so.
        let bad = [
            BundledToken {
                over: "session".into(),
                ..over_cp.clone()
            },
            BundledToken {
                size: Some(6),
                ..over_cp.clone()
            },
            BundledToken {
                consistency: None,
                ..over_cp.clone()
            },
            BundledToken {
                file: "courtseal/ledger/5.proof.1.tsr".into(),
                ..over_cp.clone()
            },
            BundledToken {
                size: Some(5),
                ..over_ledger.clone()
            },
            BundledToken {
                file: "courtseal/ledger/5.proof".into(),
                ..over_ledger.clone()
            },
            BundledToken {
                file: "../../etc/5.proof.1.tsr".into(),
                ..over_ledger.clone()
            },
        ];
        for t in bad {
            let b = Bundle {
                timestamps: vec![t.clone()],
                ..v4.clone()
            };
            assert!(Bundle::parse(&b.to_bytes()).is_err(), "{t:?}");
        }
        let not_base64 = BundledToken {
            token: "not base64!".into(),
            ..over_ledger
        };
        assert!(not_base64.token_bytes().is_err());
    }
}
