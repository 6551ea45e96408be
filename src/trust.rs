//! The trust policy: which keys a verifier trusts, in which role, and what
//! each role may sign. This is the one place that says so; every check asks
//! it rather than keeping its own list of keys.
//!
//! | role | may sign | never |
//! |---|---|---|
//! | recorder | session checkpoints | operator events, records, retirements, acts |
//! | operator | operator events, the finalised short-form record and the verdict-in-force date it carries | checkpoints |
//! | archivist | a checkpoint that extends a verified prefix by exactly its own `retire` entry; `retire` entries; audit acts | segments, any other checkpoint, records, verdict dates |
//! | witness | cosignatures of checkpoints | anything else |
//!
//! A key listed under two roles has both; a key may be listed once per role.

use std::fmt;

use crate::note::{CosignatureVerifier, Verifier};

/// What a trusted key is trusted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Signs checkpoints of session logs.
    Recorder,
    /// Signs operator events (and the finalised record) inside the log.
    Operator,
    /// Cosigns checkpoints from outside the court.
    Witness,
    /// Signs audit acts, destruction entries and the checkpoint over one.
    Archivist,
}

impl Role {
    /// Every role, in the order trust files document them.
    pub const ALL: [Role; 4] = [
        Role::Recorder,
        Role::Operator,
        Role::Witness,
        Role::Archivist,
    ];

    /// The role's name as written in trust files.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Recorder => "recorder",
            Role::Operator => "operator",
            Role::Witness => "witness",
            Role::Archivist => "archivist",
        }
    }

    /// The role named `s` in a trust file.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something a key signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Statement {
    /// A checkpoint of a session log: vouches for every entry it covers.
    SessionCheckpoint,
    /// A checkpoint that extends an already verified prefix by exactly one
    /// `retire` entry signed by the same key (and vouches for nothing else).
    RetireCheckpoint,
    /// An operator's event (start, pause, break, failure, ...).
    Event,
    /// The finalised short-form record (a `record` entry).
    Record,
    /// The verdict-in-force date a sealed record carries: the only source of
    /// a retention deadline.
    VerdictDate,
    /// A destruction entry at the end of retention.
    Retire,
    /// An archive audit act.
    AuditAct,
    /// A witness cosignature over a checkpoint.
    Cosignature,
}

impl Statement {
    /// Every statement, for tables and tests.
    pub const ALL: [Statement; 8] = [
        Statement::SessionCheckpoint,
        Statement::RetireCheckpoint,
        Statement::Event,
        Statement::Record,
        Statement::VerdictDate,
        Statement::Retire,
        Statement::AuditAct,
        Statement::Cosignature,
    ];

    /// What the statement is, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Statement::SessionCheckpoint => "session checkpoints",
            Statement::RetireCheckpoint => "the checkpoint over a retirement entry",
            Statement::Event => "operator events",
            Statement::Record => "short-form records",
            Statement::VerdictDate => "verdict-in-force dates (retention deadlines)",
            Statement::Retire => "retirement entries",
            Statement::AuditAct => "audit acts",
            Statement::Cosignature => "witness cosignatures",
        }
    }
}

/// The policy itself: may a key in `role` sign `statement`?
///
/// A verdict-in-force date (and so a retention deadline) is signed only by
/// an operator, the court office that finalises the record: never by the
/// archivist who destroys media when the deadline passes, nor by the
/// recorder.
pub fn may_sign(role: Role, statement: Statement) -> bool {
    use Statement as S;
    match role {
        Role::Recorder => matches!(statement, S::SessionCheckpoint),
        Role::Operator => matches!(statement, S::Event | S::Record | S::VerdictDate),
        Role::Archivist => matches!(statement, S::RetireCheckpoint | S::Retire | S::AuditAct),
        Role::Witness => matches!(statement, S::Cosignature),
    }
}

/// The keys a verifier trusts, each with its role.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    entries: Vec<(Role, Verifier)>,
    tsas: Vec<TrustedTsa>,
    witnesses: Vec<TrustedWitness>,
    quorum: Option<usize>,
    ledgers: Vec<TrustedLedger>,
}

/// A courtroom ledger of the trust file (`ledger VKEY [FOLDER]`): the key
/// that signs its checkpoints (named after its origin), and where its
/// folder is, when the verifier has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedLedger {
    /// The ledger key, named after the ledger's origin. Never a recorder
    /// key: it signs ledger checkpoints only.
    pub key: Verifier,
    /// The ledger folder, to check the session against the whole ledger.
    pub folder: Option<std::path::PathBuf>,
}

/// A witness of the trust file (a `witness VKEY [URL]` line with a
/// `cosignature/v1` key): its key, and where `seal --policy` submits
/// checkpoints to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedWitness {
    /// The witness's cosignature/v1 key under its name.
    pub key: CosignatureVerifier,
    /// The witness's tlog-witness URL prefix (`http://host:port`, before
    /// `/add-checkpoint`), if the court submits to it.
    pub url: Option<String>,
}

impl TrustStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one key in one role.
    pub fn add(&mut self, role: Role, v: Verifier) {
        if !self.entries.iter().any(|(r, e)| *r == role && *e == v) {
            self.entries.push((role, v));
        }
    }

    /// Keys trusted in `role`.
    pub fn in_role(&self, role: Role) -> Vec<Verifier> {
        self.entries
            .iter()
            .filter(|(r, _)| *r == role)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Keys whose role allows them to sign `statement`.
    pub fn signers_of(&self, statement: Statement) -> Vec<Verifier> {
        let mut out: Vec<Verifier> = Vec::new();
        for (r, v) in &self.entries {
            if may_sign(*r, statement) && !out.contains(v) {
                out.push(v.clone());
            }
        }
        out
    }

    /// True if `v` is trusted in a role that may sign `statement`.
    pub fn allows(&self, v: &Verifier, statement: Statement) -> bool {
        self.entries
            .iter()
            .any(|(r, e)| e == v && may_sign(*r, statement))
    }

    /// The roles `v` is trusted in (empty if it is not trusted at all).
    pub fn roles_of(&self, v: &Verifier) -> Vec<Role> {
        self.entries
            .iter()
            .filter(|(_, e)| e == v)
            .map(|(r, _)| *r)
            .collect()
    }

    /// Every key trusted in some role, once each.
    pub fn all_keys(&self) -> Vec<Verifier> {
        let mut out: Vec<Verifier> = Vec::new();
        for (_, v) in &self.entries {
            if !out.contains(v) {
                out.push(v.clone());
            }
        }
        out
    }

    /// Every (role, key) pair.
    pub fn entries(&self) -> &[(Role, Verifier)] {
        &self.entries
    }

    /// True when no key is trusted.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Trusts a timestamping authority (a `tsa` line).
    pub fn add_tsa(&mut self, tsa: TrustedTsa) {
        if !self.tsas.contains(&tsa) {
            self.tsas.push(tsa);
        }
    }

    /// The timestamping authorities trusted, in the order given.
    pub fn tsas(&self) -> &[TrustedTsa] {
        &self.tsas
    }

    /// Trusts a witness (a `witness VKEY [URL]` line of a cosignature key).
    pub fn add_witness(&mut self, w: TrustedWitness) {
        if !self.witnesses.iter().any(|e| e.key == w.key) {
            self.witnesses.push(w);
        }
    }

    /// The witnesses trusted, in the order given.
    pub fn witnesses(&self) -> &[TrustedWitness] {
        &self.witnesses
    }

    /// Requires `n` witnesses to cosign (a `quorum N` line).
    pub fn set_quorum(&mut self, n: usize) {
        self.quorum = Some(n);
    }

    /// Adds a trusted ledger.
    pub fn add_ledger(&mut self, l: TrustedLedger) {
        if !self.ledgers.contains(&l) {
            self.ledgers.push(l);
        }
    }

    /// The trusted ledgers.
    pub fn ledgers(&self) -> &[TrustedLedger] {
        &self.ledgers
    }

    /// The quorum a `quorum N` line requires, if any.
    pub fn quorum(&self) -> Option<usize> {
        self.quorum
    }
}

/// Parses the words after `witness` on a trust-file line when its key is a
/// `cosignature/v1` key: `witness VKEY [URL]`. `None` when the key is not
/// one (an Ed25519 note key: the older `witness VKEY` role line).
pub fn parse_witness_line(words: &[&str]) -> Option<Result<TrustedWitness, String>> {
    let vkey = words.first()?;
    let key = CosignatureVerifier::from_vkey(vkey).ok()?;
    Some(match words {
        [_] => Ok(TrustedWitness { key, url: None }),
        [_, url] if url.starts_with("http://") && url.len() > "http://".len() => {
            Ok(TrustedWitness {
                key,
                url: Some(url.trim_end_matches('/').to_owned()),
            })
        }
        [_, url] => Err(format!(
            "the witness URL {url:?} is not an http:// URL (cosignatures are signed: no TLS is needed)"
        )),
        _ => Err("expected 'witness VERIFIER-KEY' or 'witness VERIFIER-KEY URL'".into()),
    })
}

/// Parses the words after `ledger`: `ledger VKEY [FOLDER]`, a relative
/// folder relative to the trust file's folder `base`.
pub fn parse_ledger_line(words: &[&str], base: &std::path::Path) -> Result<TrustedLedger, String> {
    let (vkey, folder) = match words {
        [v] => (*v, None),
        [v, f] => (*v, Some(base.join(f))),
        _ => return Err("expected 'ledger VERIFIER-KEY' or 'ledger VERIFIER-KEY FOLDER'".into()),
    };
    let key = Verifier::from_vkey(vkey).map_err(|e| format!("the ledger key: {e}"))?;
    Ok(TrustedLedger { key, folder })
}

/// Parses the words after `quorum`: one number from 1.
pub fn parse_quorum_line(words: &[&str]) -> Result<usize, String> {
    match words {
        [n] => n
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| format!("the quorum {n:?} is not a number from 1")),
        _ => Err("expected 'quorum N'".into()),
    }
}

pub use crate::timestamp::TrustedTsa;

/// Parses the words after `tsa` on a trust-file line:
/// `tsa URL ROOT-CERTIFICATES.pem [required]`. A relative PEM path is
/// relative to the trust file's folder `base`.
pub fn parse_tsa_line(words: &[&str], base: &std::path::Path) -> Result<TrustedTsa, String> {
    let (url, pem, required) = match words {
        [url, pem] => (*url, *pem, false),
        [url, pem, "required"] => (*url, *pem, true),
        _ => return Err(
            "expected 'tsa URL ROOT-CERTIFICATES.pem' or 'tsa URL ROOT-CERTIFICATES.pem required'"
                .into(),
        ),
    };
    if !url.starts_with("http://") || url.len() <= "http://".len() {
        return Err(format!(
            "the TSA URL {url:?} is not an http:// URL (tokens are signed: no TLS is needed)"
        ));
    }
    let path = base.join(pem);
    let meta = std::fs::metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.len() > 1 << 20 {
        return Err(format!(
            "{}: larger than any certificate file",
            path.display()
        ));
    }
    let bytes =
        crate::named::read(&path, 1 << 20).map_err(|e| format!("{}: {e}", path.display()))?;
    let roots = crate::timestamp::load_roots(&bytes)
        .map_err(|e| format!("{}: not PEM certificates: {e}", path.display()))?;
    Ok(TrustedTsa {
        url: url.to_owned(),
        roots,
        roots_file: pem.to_owned(),
        required,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole policy as a table: role x statement -> accepted.
    #[test]
    fn policy_table_role_by_statement() {
        use Statement as S;
        let table: &[(Role, &[Statement])] = &[
            (Role::Recorder, &[S::SessionCheckpoint]),
            (Role::Operator, &[S::Event, S::Record, S::VerdictDate]),
            (
                Role::Archivist,
                &[S::RetireCheckpoint, S::Retire, S::AuditAct],
            ),
            (Role::Witness, &[S::Cosignature]),
        ];
        for (role, allowed) in table {
            for st in Statement::ALL {
                assert_eq!(
                    may_sign(*role, st),
                    allowed.contains(&st),
                    "{role} signing {st:?}"
                );
            }
        }
    }

    fn key(name: &str, seed: u8) -> Verifier {
        let sk = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        Verifier::new(name, sk.verifying_key()).unwrap()
    }

    #[test]
    fn archivist_key_is_never_a_session_checkpoint_signer() {
        let mut t = TrustStore::new();
        let rec = key("rec", 1);
        let arch = key("arch", 2);
        t.add(Role::Recorder, rec.clone());
        t.add(Role::Archivist, arch.clone());
        assert_eq!(
            t.signers_of(Statement::SessionCheckpoint),
            vec![rec.clone()]
        );
        assert_eq!(
            t.signers_of(Statement::RetireCheckpoint),
            vec![arch.clone()]
        );
        assert!(!t.allows(&arch, Statement::SessionCheckpoint));
        assert!(!t.allows(&rec, Statement::Event));
    }

    #[test]
    fn a_key_in_two_roles_has_both() {
        let mut t = TrustStore::new();
        let k = key("both", 3);
        t.add(Role::Recorder, k.clone());
        t.add(Role::Operator, k.clone());
        assert!(t.allows(&k, Statement::SessionCheckpoint));
        assert!(t.allows(&k, Statement::Event));
        assert_eq!(t.roles_of(&k), vec![Role::Recorder, Role::Operator]);
        assert_eq!(t.all_keys().len(), 1);
    }
}
