//! RFC 3161 trusted timestamps: a time the court does not control.
//!
//! [`request`] asks a Time-Stamping Authority for a token over some bytes
//! (a checkpoint's note text, in a session); [`verify`] checks a token
//! offline: the CMS signature, the TSA's certificate chain up to a root the
//! verifier trusts (signatures, the `timeStamping` extended key usage,
//! validity at the token's time), and that the token's message imprint is
//! the SHA-256 of the bytes. Every ASN.1 structure is read and written by
//! the `x509-tsp`, `cms` and `x509-cert` crates.

use std::io::{Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use const_oid::ObjectIdentifier;
use der::asn1::{Int, OctetString};
use der::{Decode, Encode};
use sha2::Digest as _;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, SubjectKeyIdentifier};
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

use crate::finding::Code;

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const ID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const ID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const ID_RSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const ID_RSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const ID_RSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const ID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ID_ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ID_ECDSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const ID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const ID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const ID_EKU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const ID_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const ID_SKI: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const ID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");

/// Longest certificate chain followed from a TSA certificate to a root.
const MAX_CHAIN: usize = 8;

/// Largest reply read from a TSA, in bytes.
const MAX_REPLY_BYTES: u64 = 1 << 20;

/// How long a TSA may take to connect, and then to answer.
pub const TSA_TIMEOUT: Duration = Duration::from_secs(10);

/// A TSA a verifier trusts: where sealing asks it, and the certificates its
/// tokens must chain to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedTsa {
    /// Where `seal` sends requests (`http://host[:port]/path`).
    pub url: String,
    /// The certificates of the PEM file named in the trust file: trust
    /// anchors (the TSA's root, and any certificate of its chain the court
    /// chose to pin, such as the TSA's own).
    pub roots: Vec<Certificate>,
    /// The PEM file they came from, for messages.
    pub roots_file: String,
    /// A session must carry a valid token from this TSA
    /// (`timestamp.missing` otherwise).
    pub required: bool,
}

/// What a valid token proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The TSA's time (`genTime`): the bytes existed then.
    pub gen_time: time::OffsetDateTime,
    /// The TSA, as its token names it (`tsa`), else its certificate's subject.
    pub tsa_name: String,
    /// The token's serial number, hexadecimal.
    pub serial: String,
    /// The TSA's policy under which it was issued (dotted OID).
    pub policy: String,
    /// The end of the TSA certificate's validity: renew before it
    /// (`docs/formats.md`, "Renewing timestamps").
    pub tsa_cert_not_after: time::OffsetDateTime,
    /// The nonce the token carries, if any.
    pub nonce: Option<Vec<u8>>,
}

/// Why a token proves nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// Not a timestamp token at all, or one this verifier cannot read.
    #[error("not a readable RFC 3161 timestamp token: {0}")]
    Malformed(String),
    /// The token's signature (or a signature of its certificate chain)
    /// does not verify.
    #[error("its signature does not verify: {0}")]
    BadSignature(String),
    /// Its certificates do not chain to any trusted TSA root.
    #[error("its signer does not chain to a trusted TSA root: {0}")]
    UntrustedTsa(String),
    /// The token is over other bytes.
    #[error("it is over other data: {0}")]
    ImprintMismatch(String),
    /// A certificate of its chain was not valid at the token's time.
    #[error("a certificate of its chain was not valid at the token's time: {0}")]
    ExpiredCertificate(String),
    /// The signing certificate is not a timestamping certificate.
    #[error("its signing certificate is not for timestamping: {0}")]
    NotEku(String),
}

impl Problem {
    /// The finding code a problem is reported under.
    pub fn code(&self) -> Code {
        match self {
            Problem::Malformed(_) => Code::TimestampMalformed,
            Problem::BadSignature(_) => Code::TimestampBadSignature,
            Problem::UntrustedTsa(_) => Code::TimestampUntrustedTsa,
            Problem::ImprintMismatch(_) => Code::TimestampImprintMismatch,
            Problem::ExpiredCertificate(_) => Code::TimestampExpiredCertificate,
            Problem::NotEku(_) => Code::TimestampNotEku,
        }
    }
}

/// Why no token came back from a TSA.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The URL is not `http://host[:port]/path`.
    #[error("{0}: not an http:// URL (a token is signed, so it needs no TLS)")]
    BadUrl(String),
    /// The TSA could not be reached or did not answer in time.
    #[error("{url}: {source}")]
    Io {
        /// The TSA.
        url: String,
        /// Why.
        source: std::io::Error,
    },
    /// The TSA answered, but not with a token for this request.
    #[error("{url}: {what}")]
    Refused {
        /// The TSA.
        url: String,
        /// What it answered.
        what: String,
    },
}

/// The DER `TimeStampReq` for the SHA-256 of `message`, with `nonce`, asking
/// the TSA to include its certificate when `cert_req`.
pub fn request_der(message: &[u8], nonce: Option<u64>, cert_req: bool) -> Result<Vec<u8>, String> {
    let req = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: imprint_of(message)?,
        req_policy: None,
        nonce: nonce.map(positive_int).transpose()?,
        cert_req,
        extensions: None,
    };
    req.to_der().map_err(|e| e.to_string())
}

fn positive_int(n: u64) -> Result<Int, String> {
    // Minimal big-endian, with a leading zero byte only where the top bit
    // is set (DER: never negative, never padded).
    let be = n.to_be_bytes();
    let first = be.iter().position(|b| *b != 0).unwrap_or(be.len() - 1);
    let mut bytes = Vec::with_capacity(9);
    if be[first] & 0x80 != 0 {
        bytes.push(0);
    }
    bytes.extend_from_slice(&be[first..]);
    Int::new(&bytes).map_err(|e| e.to_string())
}

fn imprint_of(message: &[u8]) -> Result<MessageImprint, String> {
    let digest = sha2::Sha256::digest(message);
    Ok(MessageImprint {
        hash_algorithm: x509_cert::spki::AlgorithmIdentifier {
            oid: ID_SHA256,
            parameters: Some(der::Any::null()),
        },
        hashed_message: OctetString::new(digest.as_slice()).map_err(|e| e.to_string())?,
    })
}

/// Asks the TSA at `url` for a token over `message`: a fresh nonce, the
/// TSA's certificate requested. Returns the token's DER bytes once the
/// reply is granted and carries the nonce and imprint sent (the token is
/// not checked against any root here: that is [`verify`]'s work).
pub fn request(url: &str, message: &[u8]) -> Result<Vec<u8>, RequestError> {
    let mut nonce = [0u8; 8];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut nonce);
    let nonce = u64::from_be_bytes(nonce);
    let refused = |what: String| RequestError::Refused {
        url: url.to_owned(),
        what,
    };
    let req = request_der(message, Some(nonce), true).map_err(refused)?;
    let reply = http_post(url, &req)?;
    let resp = TimeStampResp::from_der(&reply)
        .map_err(|e| refused(format!("the reply is not an RFC 3161 TimeStampResp ({e})")))?;
    use cmpv2::status::PkiStatus;
    if !matches!(
        resp.status.status,
        PkiStatus::Accepted | PkiStatus::GrantedWithMods
    ) {
        return Err(refused(format!(
            "the TSA refused the request (status {:?})",
            resp.status.status
        )));
    }
    let token = resp
        .time_stamp_token
        .ok_or_else(|| refused("the reply is granted but holds no token".into()))?;
    let token = token.to_der().map_err(|e| refused(e.to_string()))?;
    let (_, info) = open_token(&token).map_err(|p| refused(p.to_string()))?;
    if info.nonce != Some(positive_int(nonce).map_err(refused)?) {
        return Err(refused(
            "the token does not carry the nonce sent: it answers another request".into(),
        ));
    }
    if info.message_imprint != imprint_of(message).map_err(refused)? {
        return Err(refused("the token is over other data than sent".into()));
    }
    Ok(token)
}

/// One HTTP/1.0 POST of an RFC 3161 request; the reply body, bounded.
fn http_post(url: &str, body: &[u8]) -> Result<Vec<u8>, RequestError> {
    let bad = || RequestError::BadUrl(url.to_owned());
    let rest = url.strip_prefix("http://").ok_or_else(bad)?;
    let (host_port, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if host_port.is_empty()
        || !host_port
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        || path.bytes().any(|b| b.is_ascii_control() || b == b' ')
    {
        return Err(bad());
    }
    let addr = if host_port.contains(':') && !host_port.ends_with(']') {
        host_port.to_owned()
    } else {
        format!("{host_port}:80")
    };
    let io = |source: std::io::Error| RequestError::Io {
        url: url.to_owned(),
        source,
    };
    let sock = addr
        .to_socket_addrs()
        .map_err(io)?
        .next()
        .ok_or_else(|| io(std::io::Error::other("the host name has no address")))?;
    let mut s = TcpStream::connect_timeout(&sock, TSA_TIMEOUT).map_err(io)?;
    s.set_read_timeout(Some(TSA_TIMEOUT)).map_err(io)?;
    s.set_write_timeout(Some(TSA_TIMEOUT)).map_err(io)?;
    let head = format!(
        "POST {path} HTTP/1.0\r\nHost: {host_port}\r\nContent-Type: application/timestamp-query\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).map_err(io)?;
    s.write_all(body).map_err(io)?;
    let mut reply = Vec::new();
    s.take(MAX_REPLY_BYTES + 16 * 1024)
        .read_to_end(&mut reply)
        .map_err(io)?;
    let refused = |what: &str| RequestError::Refused {
        url: url.to_owned(),
        what: what.to_owned(),
    };
    let end = reply
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| refused("the reply is not HTTP"))?;
    let head = String::from_utf8_lossy(&reply[..end]).into_owned();
    let status = head.lines().next().unwrap_or_default();
    let code = status.split_whitespace().nth(1).unwrap_or_default();
    if code != "200" {
        return Err(refused(&format!("the TSA answered {status:?}")));
    }
    let body = reply[end + 4..].to_vec();
    if body.len() as u64 > MAX_REPLY_BYTES {
        return Err(refused("the reply is larger than any timestamp reply"));
    }
    Ok(body)
}

/// Reads a token: its signed data and its `TSTInfo`.
fn open_token(token: &[u8]) -> Result<(SignedData, TstInfo), Problem> {
    let bad = |what: &str, e: der::Error| Problem::Malformed(format!("{what} ({e})"));
    let ci = ContentInfo::from_der(token).map_err(|e| bad("not a DER ContentInfo", e))?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err(Problem::Malformed(format!(
            "content type {} is not CMS signed data",
            ci.content_type
        )));
    }
    let sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|e| bad("not CMS signed data", e))?;
    if sd.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err(Problem::Malformed(format!(
            "the signed content is {}, not a TSTInfo",
            sd.encap_content_info.econtent_type
        )));
    }
    let content = econtent(&sd)?;
    let info = TstInfo::from_der(&content).map_err(|e| bad("the TSTInfo does not parse", e))?;
    Ok((sd, info))
}

fn econtent(sd: &SignedData) -> Result<Vec<u8>, Problem> {
    let any = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| Problem::Malformed("the signed data carries no content".into()))?;
    let os: OctetString = any
        .decode_as()
        .map_err(|e| Problem::Malformed(format!("the content is not an OCTET STRING ({e})")))?;
    Ok(os.as_bytes().to_vec())
}

#[derive(Clone, Copy)]
enum HashAlg {
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlg {
    fn from_digest_oid(oid: &ObjectIdentifier) -> Option<HashAlg> {
        match *oid {
            ID_SHA256 => Some(HashAlg::Sha256),
            ID_SHA384 => Some(HashAlg::Sha384),
            ID_SHA512 => Some(HashAlg::Sha512),
            _ => None,
        }
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlg::Sha256 => sha2::Sha256::digest(data).to_vec(),
            HashAlg::Sha384 => sha2::Sha384::digest(data).to_vec(),
            HashAlg::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

/// Checks `sig` over `data` under `spki`, for the signature algorithm
/// `alg` (`digest` names the hash when `alg` names only the key type, as
/// CMS signer infos may).
fn check_signature(
    spki: &SubjectPublicKeyInfoOwned,
    alg: &AlgorithmIdentifierOwned,
    digest: Option<HashAlg>,
    data: &[u8],
    sig: &[u8],
) -> Result<(), String> {
    let (rsa, hash) = match alg.oid {
        ID_RSA_SHA256 => (true, Some(HashAlg::Sha256)),
        ID_RSA_SHA384 => (true, Some(HashAlg::Sha384)),
        ID_RSA_SHA512 => (true, Some(HashAlg::Sha512)),
        ID_RSA => (true, digest),
        ID_ECDSA_SHA256 => (false, Some(HashAlg::Sha256)),
        ID_ECDSA_SHA384 => (false, Some(HashAlg::Sha384)),
        ID_ECDSA_SHA512 => (false, Some(HashAlg::Sha512)),
        ID_EC_PUBLIC_KEY => (false, digest),
        other => return Err(format!("signature algorithm {other} is not supported")),
    };
    let hash = hash.ok_or("the signature's hash algorithm is not supported")?;
    let prehash = hash.digest(data);
    if rsa {
        if spki.algorithm.oid != ID_RSA {
            return Err("an RSA signature by a key that is not RSA".into());
        }
        let der = spki.to_der().map_err(|e| e.to_string())?;
        let key = <rsa::RsaPublicKey as rsa::pkcs8::DecodePublicKey>::from_public_key_der(&der)
            .map_err(|e| format!("the RSA key does not parse ({e})"))?;
        let scheme = match hash {
            HashAlg::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
            HashAlg::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
            HashAlg::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
        };
        return key
            .verify(scheme, &prehash, sig)
            .map_err(|_| "the RSA signature does not verify".to_owned());
    }
    if spki.algorithm.oid != ID_EC_PUBLIC_KEY {
        return Err("an ECDSA signature by a key that is not an EC key".into());
    }
    let curve: Option<ObjectIdentifier> = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as().ok());
    let point = spki.subject_public_key.raw_bytes();
    use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
    let ok = match curve {
        Some(ID_P256) => {
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
                .map_err(|_| "the P-256 key does not parse")?;
            let s = p256::ecdsa::Signature::from_der(sig).map_err(|_| "not an ECDSA signature")?;
            key.verify_prehash(&prehash, &s).is_ok()
        }
        Some(ID_P384) => {
            let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
                .map_err(|_| "the P-384 key does not parse")?;
            let s = p384::ecdsa::Signature::from_der(sig).map_err(|_| "not an ECDSA signature")?;
            key.verify_prehash(&prehash, &s).is_ok()
        }
        _ => return Err("the EC curve is not supported (P-256 and P-384 are)".into()),
    };
    if ok {
        Ok(())
    } else {
        Err("the ECDSA signature does not verify".into())
    }
}

fn subject(c: &Certificate) -> String {
    c.tbs_certificate.subject.to_string()
}

fn instant(d: Duration) -> time::OffsetDateTime {
    let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

fn valid_at(c: &Certificate, at: time::OffsetDateTime) -> Result<(), Problem> {
    let v = &c.tbs_certificate.validity;
    let from = instant(v.not_before.to_unix_duration());
    let to = instant(v.not_after.to_unix_duration());
    if at < from || at > to {
        return Err(Problem::ExpiredCertificate(format!(
            "{} is valid from {} to {}, not at {}",
            subject(c),
            rfc3339(from),
            rfc3339(to),
            rfc3339(at)
        )));
    }
    Ok(())
}

/// RFC 3339 text of an instant.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn extension(c: &Certificate, oid: ObjectIdentifier) -> Option<&x509_cert::ext::Extension> {
    c.tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id == oid)
}

/// The signing certificate's use: timestamping only, critical (RFC 3161
/// section 2.3).
fn check_eku(c: &Certificate) -> Result<(), Problem> {
    let Some(ext) = extension(c, ID_EKU) else {
        return Err(Problem::NotEku(format!(
            "{} has no extended key usage",
            subject(c)
        )));
    };
    let eku = ExtendedKeyUsage::from_der(ext.extn_value.as_bytes())
        .map_err(|e| Problem::Malformed(format!("its extended key usage does not parse ({e})")))?;
    if eku.0 != [ID_KP_TIME_STAMPING] {
        return Err(Problem::NotEku(format!(
            "{} may be used for {}, not for timeStamping alone",
            subject(c),
            eku.0
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if !ext.critical {
        return Err(Problem::NotEku(format!(
            "{}: its timeStamping extended key usage is not marked critical",
            subject(c)
        )));
    }
    Ok(())
}

fn is_ca(c: &Certificate) -> bool {
    extension(c, ID_BASIC_CONSTRAINTS)
        .and_then(|e| BasicConstraints::from_der(e.extn_value.as_bytes()).ok())
        .is_some_and(|b| b.ca)
}

fn signed_by(c: &Certificate, issuer: &Certificate) -> Result<(), String> {
    let tbs = c.tbs_certificate.to_der().map_err(|e| e.to_string())?;
    let sig = c
        .signature
        .as_bytes()
        .ok_or("the certificate's signature is not whole bytes")?;
    check_signature(
        &issuer.tbs_certificate.subject_public_key_info,
        &c.signature_algorithm,
        None,
        &tbs,
        sig,
    )
}

/// From the signing certificate up to a trusted root: every signature, and
/// every certificate valid at `at`. Anchors are trusted as they are.
fn check_chain(
    leaf: &Certificate,
    pool: &[Certificate],
    roots: &[Certificate],
    at: time::OffsetDateTime,
) -> Result<(), Problem> {
    let mut cur = leaf.clone();
    for _ in 0..MAX_CHAIN {
        valid_at(&cur, at)?;
        if roots.contains(&cur) {
            return Ok(());
        }
        let issuer_name = &cur.tbs_certificate.issuer;
        // A root that signed it ends the chain.
        let mut bad_sig = None;
        for r in roots
            .iter()
            .filter(|r| &r.tbs_certificate.subject == issuer_name)
        {
            match signed_by(&cur, r) {
                Ok(()) => return valid_at(r, at),
                Err(e) => bad_sig = Some(e),
            }
        }
        let next = pool.iter().find(|p| {
            &p.tbs_certificate.subject == issuer_name
                && *p != &cur
                && is_ca(p)
                && signed_by(&cur, p).is_ok()
        });
        match next {
            Some(n) => cur = n.clone(),
            None => {
                if let Some(e) = bad_sig {
                    return Err(Problem::BadSignature(format!(
                        "{} names a trusted root as its issuer, but {e}",
                        subject(&cur)
                    )));
                }
                return Err(Problem::UntrustedTsa(format!(
                    "{} is issued by {}, which is not a trusted TSA root",
                    subject(&cur),
                    issuer_name
                )));
            }
        }
    }
    Err(Problem::UntrustedTsa(format!(
        "no trusted root within {MAX_CHAIN} certificates"
    )))
}

fn signer_cert<'a>(sid: &SignerIdentifier, pool: &'a [Certificate]) -> Option<&'a Certificate> {
    pool.iter().find(|c| match sid {
        SignerIdentifier::IssuerAndSerialNumber(iasn) => {
            c.tbs_certificate.issuer == iasn.issuer
                && c.tbs_certificate.serial_number == iasn.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => extension(c, ID_SKI)
            .and_then(|e| SubjectKeyIdentifier::from_der(e.extn_value.as_bytes()).ok())
            .is_some_and(|k| &k == ski),
    })
}

/// Checks a token offline: it is over the SHA-256 of `message`, signed by
/// a certificate for timestamping alone that chains to one of `roots`,
/// every certificate valid at the token's own time. `at` is the time of
/// verification: a token stating a time after it is refused.
pub fn verify(
    token: &[u8],
    message: &[u8],
    roots: &[Certificate],
    at: time::OffsetDateTime,
) -> Result<Verified, Problem> {
    let (sd, info) = open_token(token)?;
    let signer = match sd.signer_infos.0.as_slice() {
        [one] => one,
        _ => {
            return Err(Problem::Malformed(
                "a token has exactly one signer".to_owned(),
            ))
        }
    };
    // Certificates the token carries, and those the verifier pinned.
    let mut pool: Vec<Certificate> = sd
        .certificates
        .iter()
        .flat_map(|s| s.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => Some(c.clone()),
            CertificateChoices::Other(_) => None,
        })
        .collect();
    pool.extend(roots.iter().cloned());
    let leaf = signer_cert(&signer.sid, &pool).ok_or_else(|| {
        Problem::UntrustedTsa(
            "the token does not carry its signing certificate, and no trusted certificate is it"
                .to_owned(),
        )
    })?;
    // The signature: over the signed attributes, which bind the content.
    let digest = HashAlg::from_digest_oid(&signer.digest_alg.oid).ok_or_else(|| {
        Problem::Malformed(format!(
            "digest algorithm {} is not supported",
            signer.digest_alg.oid
        ))
    })?;
    let attrs = signer
        .signed_attrs
        .as_ref()
        .ok_or_else(|| Problem::Malformed("the signer has no signed attributes".to_owned()))?;
    let attr = |oid: ObjectIdentifier| {
        attrs
            .iter()
            .find(|a| a.oid == oid)
            .and_then(|a| a.values.get(0))
    };
    let ct: Option<ObjectIdentifier> = attr(ID_CONTENT_TYPE).and_then(|v| v.decode_as().ok());
    if ct != Some(ID_CT_TST_INFO) {
        return Err(Problem::BadSignature(
            "the signed content type is not a TSTInfo".to_owned(),
        ));
    }
    let md: Option<OctetString> = attr(ID_MESSAGE_DIGEST).and_then(|v| v.decode_as().ok());
    let content = econtent(&sd)?;
    if md.as_ref().map(OctetString::as_bytes) != Some(digest.digest(&content).as_slice()) {
        return Err(Problem::BadSignature(
            "the signed message digest is not that of the TSTInfo (the token's content was changed)"
                .to_owned(),
        ));
    }
    let signed = attrs
        .to_der()
        .map_err(|e| Problem::Malformed(e.to_string()))?;
    check_signature(
        &leaf.tbs_certificate.subject_public_key_info,
        &signer.signature_algorithm,
        Some(digest),
        &signed,
        signer.signature.as_bytes(),
    )
    .map_err(Problem::BadSignature)?;
    let gen_time = instant(info.gen_time.to_unix_duration());
    if gen_time > at + time::Duration::minutes(5) {
        return Err(Problem::Malformed(format!(
            "it states {}, after the time of verification",
            rfc3339(gen_time)
        )));
    }
    check_eku(leaf)?;
    check_chain(leaf, &pool, roots, gen_time)?;
    // Only now, with a trusted signature: what it is over.
    let want = imprint_of(message).map_err(Problem::Malformed)?;
    if info.message_imprint.hash_algorithm.oid != ID_SHA256 {
        return Err(Problem::ImprintMismatch(format!(
            "its imprint uses {}, not SHA-256",
            info.message_imprint.hash_algorithm.oid
        )));
    }
    if info.message_imprint.hashed_message != want.hashed_message {
        return Err(Problem::ImprintMismatch(format!(
            "its imprint {} is not the SHA-256 of the bytes, {}",
            hex::encode(info.message_imprint.hashed_message.as_bytes()),
            hex::encode(want.hashed_message.as_bytes())
        )));
    }
    let tsa_name = match &info.tsa {
        Some(x509_cert::ext::pkix::name::GeneralName::DirectoryName(n)) => n.to_string(),
        _ => subject(leaf),
    };
    Ok(Verified {
        gen_time,
        tsa_name,
        serial: hex::encode(info.serial_number.as_bytes()),
        policy: info.policy.to_string(),
        tsa_cert_not_after: instant(leaf.tbs_certificate.validity.not_after.to_unix_duration()),
        nonce: info.nonce.map(|n| n.as_bytes().to_vec()),
    })
}

/// The SHA-256 imprint a token states, unverified (`None` for another
/// hash or a token that does not parse): what it claims to be over, to
/// name the checkpoint a misfiled token is about.
pub fn claimed_imprint(token: &[u8]) -> Option<Vec<u8>> {
    let (_, info) = open_token(token).ok()?;
    (info.message_imprint.hash_algorithm.oid == ID_SHA256)
        .then(|| info.message_imprint.hashed_message.as_bytes().to_vec())
}

/// The certificates of a PEM file (a TSA's root, and any others pinned).
pub fn load_roots(pem: &[u8]) -> Result<Vec<Certificate>, String> {
    let certs = Certificate::load_pem_chain(pem).map_err(|e| e.to_string())?;
    if certs.is_empty() {
        return Err("it holds no certificate".into());
    }
    Ok(certs)
}

/// What asking one TSA for a token over a checkpoint came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stamp {
    /// A new token was kept in `file`.
    Added {
        /// The TSA.
        url: String,
        /// The token file.
        file: std::path::PathBuf,
        /// The TSA's time.
        gen_time: time::OffsetDateTime,
    },
    /// A valid token of this TSA over this checkpoint is already kept.
    Present {
        /// The TSA.
        url: String,
    },
    /// No token: the TSA is down, refused, or answered with a token that
    /// does not verify. Sealing goes on; the next checkpoint (which
    /// commits to this one) is stamped again.
    Failed {
        /// The TSA.
        url: String,
        /// Why.
        why: String,
    },
}

/// `SESSION/courtseal/timestamps/`.
pub fn tokens_dir(paths: &crate::store::layout::SessionPaths) -> std::path::PathBuf {
    paths.dir.join(crate::format::timestamp::DIR)
}

/// The token files kept for the checkpoint of `size`, by number.
pub fn tokens_at(dir: &std::path::Path, size: u64) -> Vec<std::path::PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return vec![];
    };
    let mut out: Vec<(u32, std::path::PathBuf)> = rd
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let (s, n) = crate::format::timestamp::parse_file_name(&name)?;
            (s == size).then(|| (n, e.path()))
        })
        .collect();
    out.sort();
    out.into_iter().map(|(_, p)| p).collect()
}

/// Reads a regular file of at most `MAX_TOKEN_BYTES`, never following a link.
pub fn read_token(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    crate::store::layout::read_regular(path, crate::format::timestamp::MAX_TOKEN_BYTES)
}

/// Asks every TSA in `tsas` that has no valid token over `cp` kept yet for
/// one, and keeps it as `timestamps/<size>.<n>.tsr` (never overwriting).
/// Never fails: what went wrong is in the outcome, for a visible line.
pub fn stamp_checkpoint(
    paths: &crate::store::layout::SessionPaths,
    cp: &crate::format::checkpoint::Checkpoint,
    tsas: &[TrustedTsa],
) -> Vec<Stamp> {
    let dir = tokens_dir(paths);
    let message = crate::format::timestamp::message(cp);
    let mut out = Vec::new();
    for tsa in tsas {
        let url = tsa.url.clone();
        let now = time::OffsetDateTime::now_utc();
        let present = tokens_at(&dir, cp.size)
            .iter()
            .any(|p| read_token(p).is_ok_and(|t| verify(&t, &message, &tsa.roots, now).is_ok()));
        if present {
            out.push(Stamp::Present { url });
            continue;
        }
        let outcome = request(&tsa.url, &message)
            .map_err(|e| e.to_string())
            .and_then(|token| {
                let v = verify(&token, &message, &tsa.roots, now).map_err(|p| {
                    format!(
                        "its token does not verify against {}: {p}; not kept",
                        tsa.roots_file
                    )
                })?;
                keep(&dir, cp.size, &token).map(|file| (file, v))
            });
        out.push(match outcome {
            Ok((file, v)) => Stamp::Added {
                url,
                file,
                gen_time: v.gen_time,
            },
            Err(why) => Stamp::Failed { url, why },
        });
    }
    out
}

/// Writes `token` as the first free `<size>.<n>.tsr`, durably.
fn keep(dir: &std::path::Path, size: u64, token: &[u8]) -> Result<std::path::PathBuf, String> {
    let shown = |e: &dyn std::fmt::Display| format!("{}: {e}", dir.display());
    match std::fs::symlink_metadata(dir) {
        Ok(m) if !m.is_dir() => return Err(shown(&"not a folder; the token is not kept")),
        Ok(_) => {}
        Err(_) => std::fs::create_dir(dir).map_err(|e| shown(&e))?,
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| shown(&e))?;
    tmp.write_all(token).map_err(|e| shown(&e))?;
    tmp.as_file().sync_all().map_err(|e| shown(&e))?;
    for n in 1..=1000u32 {
        let path = dir.join(crate::format::timestamp::file_name(size, n));
        match tmp.persist_noclobber(&path) {
            Ok(f) => {
                use std::os::unix::fs::PermissionsExt as _;
                let _ = f.set_permissions(std::fs::Permissions::from_mode(0o644));
                let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
                return Ok(path);
            }
            Err(e) => tmp = e.file,
        }
    }
    Err(shown(
        &"a thousand tokens over one checkpoint are kept already",
    ))
}

/// The session's latest checkpoint (`courtseal/checkpoint`), its body
/// checked against the log: the size is in the log and the root is the
/// log's root at that size. Its signature is not checked: a token over it
/// binds the log's own entries, whoever signed the note.
pub fn latest_checkpoint(
    paths: &crate::store::layout::SessionPaths,
) -> Result<crate::format::checkpoint::Checkpoint, String> {
    use crate::format::checkpoint::Checkpoint;
    let shown = |e: &dyn std::fmt::Display| format!("{}: {e}", paths.checkpoint.display());
    let bytes = paths
        .read(crate::store::layout::CHECKPOINT_NAME, 64 << 10)
        .map_err(|e| shown(&e))?;
    let text = std::str::from_utf8(&bytes).map_err(|e| shown(&e))?;
    let body = text
        .split_once("\n\n")
        .map(|(b, _)| format!("{b}\n"))
        .ok_or_else(|| shown(&"not a signed note"))?;
    let cp = Checkpoint::parse(&body).map_err(|e| shown(&e))?;
    let log = crate::log::Log::read_from(&paths.source())
        .map_err(|e| format!("{}: {e}", paths.log.display()))?;
    let tree = log.tree();
    let origin = log.header().map(|h| h.origin.as_str()).unwrap_or_default();
    if cp.origin != origin || tree.root_at(cp.size) != Some(cp.root) || !cp.extensions.is_empty() {
        return Err(shown(
            &"it is not a checkpoint of this session's log as it stands; nothing is timestamped",
        ));
    }
    Ok(cp)
}

/// One line for a person about a [`Stamp`] of the checkpoint of `size`.
pub fn describe(stamp: &Stamp, size: u64) -> String {
    describe_as(stamp, "checkpoint", size, "courtseal/timestamps")
}

/// One line for a person about a [`Stamp`] of the `what` (a checkpoint,
/// or a ledger checkpoint) of `size`, whose token is kept in `folder`.
pub fn describe_as(stamp: &Stamp, what: &str, size: u64, folder: &str) -> String {
    match stamp {
        Stamp::Added {
            url,
            file,
            gen_time,
        } => format!(
            "timestamp: {url} timestamped the {what} of size {size} at {} ({})",
            rfc3339(*gen_time),
            file.file_name()
                .map(|f| format!("{folder}/{}", f.to_string_lossy()))
                .unwrap_or_default()
        ),
        Stamp::Present { url } => {
            format!("timestamp: {url} has already timestamped the {what} of size {size}")
        }
        Stamp::Failed { url, why } => format!(
            "warning: timestamp.unreachable: no timestamp from {url} for the {what} of size {size} ({why}); sealing goes on, and the next checkpoint (or `courtseal timestamp`) asks again"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A nonce is a DER INTEGER: minimal, and never negative, whatever its bits.
    #[test]
    fn nonces_are_minimal_positive_integers() {
        for (n, want) in [
            (0u64, vec![0u8]),
            (1, vec![1]),
            (0x7f, vec![0x7f]),
            (0x80, vec![0, 0x80]),
            (0x0100, vec![1, 0]),
            (
                u64::MAX,
                vec![0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            ),
            (0x00ff_0000_0000_0000, vec![0, 0xff, 0, 0, 0, 0, 0, 0]),
        ] {
            let der = positive_int(n).unwrap().to_der().unwrap();
            assert_eq!(&der[2..], want.as_slice(), "{n:#x}");
            assert_eq!(Int::from_der(&der).unwrap(), positive_int(n).unwrap());
        }
    }
}
