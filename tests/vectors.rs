//! Known-answer tests of the library against public vectors.
//!
//! The vectors live in `tests/vectors/` (see `tests/vectors/README.md` for
//! their sources, commits and licences). Every test counts the cases it
//! processed and asserts the expected count, so a test cannot pass on an
//! empty or truncated list.

use std::path::PathBuf;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use serde_json::Value;

use courtseal::checkpoint::{Checkpoint, CheckpointError};
use courtseal::note::{self, NoteError, NoteSigner, Verifier};
use courtseal::tlog::{
    leaf_hash, node_hash, verify_consistency, verify_inclusion, Hash, ProofError, Tree, EMPTY_ROOT,
};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn vector_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(rel)
}

fn read_bytes(rel: &str) -> Vec<u8> {
    let p = vector_path(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}

fn read_text(rel: &str) -> String {
    String::from_utf8(read_bytes(rel)).unwrap_or_else(|e| panic!("{rel} is not UTF-8: {e}"))
}

fn load_json(rel: &str) -> Value {
    serde_json::from_slice(&read_bytes(rel)).unwrap_or_else(|e| panic!("parsing {rel}: {e}"))
}

fn get<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(key)
        .unwrap_or_else(|| panic!("missing field {key:?} in {v}"))
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    get(v, key)
        .as_str()
        .unwrap_or_else(|| panic!("field {key:?} is not a string"))
}

fn u(v: &Value, key: &str) -> u64 {
    get(v, key)
        .as_u64()
        .unwrap_or_else(|| panic!("field {key:?} is not a u64"))
}

fn b(v: &Value, key: &str) -> bool {
    get(v, key)
        .as_bool()
        .unwrap_or_else(|| panic!("field {key:?} is not a bool"))
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    get(v, key)
        .as_array()
        .unwrap_or_else(|| panic!("field {key:?} is not an array"))
}

fn strs(v: &Value, key: &str) -> Vec<String> {
    arr(v, key)
        .iter()
        .map(|x| x.as_str().expect("string").to_owned())
        .collect()
}

fn unhex(h: &str) -> Vec<u8> {
    hex::decode(h).unwrap_or_else(|e| panic!("bad hex {h:?}: {e}"))
}

/// A 32-byte hash from hex; `None` if it is not exactly 32 bytes.
fn try_h32(h: &str) -> Option<Hash> {
    unhex(h).try_into().ok()
}

fn h32(h: &str) -> Hash {
    try_h32(h).unwrap_or_else(|| panic!("{h:?} is not a 32-byte hash"))
}

fn try_hashes(list: &[Value]) -> Option<Vec<Hash>> {
    list.iter()
        .map(|x| try_h32(x.as_str().expect("hex string")))
        .collect()
}

fn hashes(list: &[Value]) -> Vec<Hash> {
    try_hashes(list).expect("all proof hashes are 32 bytes")
}

fn flip_bit(h: &Hash, bit: usize) -> Hash {
    let mut out = *h;
    out[(bit / 8) % 32] ^= 1 << (bit % 8);
    out
}

/// The standard 8-leaf tree's leaf hashes, from its leaf inputs.
fn standard_leaf_hashes(tree: &Value) -> Vec<Hash> {
    arr(tree, "leaf_inputs_hex")
        .iter()
        .map(|x| leaf_hash(&unhex(x.as_str().unwrap())))
        .collect()
}

/// Parses a verifier key with [`Verifier::from_vkey`]. If the library refuses
/// a key, the refusal is recorded in `refused` and the verifier is built by
/// hand instead (name and key ID are cut at the first two `+`, as x/mod's
/// `NewVerifier` does; the base64 key may itself contain `+`), so the rest of
/// the test still runs. Every caller asserts at the end that nothing was
/// refused.
fn parse_vkey(vkey: &str, refused: &mut Vec<String>) -> Verifier {
    match Verifier::from_vkey(vkey) {
        Ok(v) => v,
        Err(e) => {
            refused.push(format!("{vkey}: {e}"));
            let mut parts = vkey.splitn(3, '+');
            let (name, id, key) = (
                parts.next().unwrap(),
                parts.next().unwrap(),
                parts.next().unwrap(),
            );
            let raw = B64.decode(key).unwrap_or_else(|e| panic!("{vkey}: {e}"));
            assert_eq!(raw.len(), 33, "{vkey}");
            assert_eq!(raw[0], 0x01, "{vkey}");
            let pk = VerifyingKey::from_bytes(&raw[1..].try_into().unwrap()).unwrap();
            let v = Verifier::new(name, pk).unwrap();
            assert_eq!(format!("{:08x}", v.key_id()), id, "{vkey}");
            v
        }
    }
}

fn assert_no_vkey_refused(refused: &[String]) {
    assert!(
        refused.is_empty(),
        "Verifier::from_vkey refused {} valid verifier key(s) (their base64 contains '+'):\n{}",
        refused.len(),
        refused.join("\n")
    );
}

fn signing_key(seed_hex: &str) -> SigningKey {
    let seed: [u8; 32] = unhex(seed_hex).try_into().expect("32-byte seed");
    SigningKey::from_bytes(&seed)
}

// ---------------------------------------------------------------------------
// RFC 6962 Merkle trees
// ---------------------------------------------------------------------------

#[test]
fn rfc6962_standard_tree_leaf_node_and_root_hashes() {
    let v = load_json("rfc6962/standard_tree.json");

    // Leaf hashes: SHA-256(0x00 || input).
    let leaves = standard_leaf_hashes(&v);
    let want_leaves = hashes(arr(&v, "leaf_hashes_hex"));
    assert_eq!(leaves.len(), 8);
    assert_eq!(leaves, want_leaves);

    let full = Tree::from_leaf_hashes(leaves.clone());
    assert_eq!(full.size(), 8);
    assert_eq!(full.leaves(), &leaves[..]);

    // Every complete-subtree node, by level.
    let levels = arr(get(&v, "node_hashes_hex_by_level"), "levels");
    assert_eq!(levels.len(), 4);
    let mut nodes = 0;
    for (k, level) in levels.iter().enumerate() {
        let level = hashes(level.as_array().unwrap());
        assert_eq!(level.len(), 8 >> k, "level {k}");
        for (i, want) in level.iter().enumerate() {
            let width = 1usize << k;
            let span = &leaves[i * width..(i + 1) * width];
            // MTH of exactly the leaves the node covers.
            assert_eq!(
                &Tree::from_leaf_hashes(span.to_vec()).root(),
                want,
                "level {k} index {i}"
            );
            if k > 0 {
                // node_hash of the two children one level down.
                let below = hashes(levels[k - 1].as_array().unwrap());
                assert_eq!(
                    &node_hash(&below[2 * i], &below[2 * i + 1]),
                    want,
                    "level {k} index {i}"
                );
            }
            if i == 0 {
                // A left-most complete subtree is the root of a prefix.
                assert_eq!(full.root_at(width as u64).as_ref(), Some(want), "level {k}");
            }
            nodes += 1;
        }
    }
    assert_eq!(nodes, 15);

    // Roots for sizes 0..=8.
    assert_eq!(EMPTY_ROOT, h32(s(&v, "empty_root_hex")));
    let roots = get(&v, "roots_by_tree_size").as_object().unwrap();
    assert_eq!(roots.len(), 9);
    let mut pushed = Tree::new();
    let mut checked = 0;
    for n in 0..=8u64 {
        let want = h32(roots[&n.to_string()].as_str().unwrap());
        let prefix = Tree::from_leaf_hashes(leaves[..n as usize].to_vec());
        assert_eq!(prefix.root(), want, "root() of size {n}");
        assert_eq!(prefix.root_at(n), Some(want), "root_at({n}) of size {n}");
        assert_eq!(full.root_at(n), Some(want), "root_at({n}) of size 8");
        assert_eq!(pushed.root(), want, "pushed root of size {n}");
        if n < 8 {
            pushed.push(leaves[n as usize]);
        }
        checked += 1;
    }
    assert_eq!(checked, 9);
    assert_eq!(Tree::new().root(), EMPTY_ROOT);
    assert_eq!(full.root(), full.root_at(8).unwrap());
    assert_eq!(full.root_at(9), None);
}

#[test]
fn rfc6962_upstream_proofs_of_standard_tree() {
    let v = load_json("rfc6962/standard_tree.json");
    let leaves = standard_leaf_hashes(&v);
    let tree = Tree::from_leaf_hashes(leaves.clone());

    let (mut inclusion, mut degenerate) = (0, 0);
    for c in arr(&v, "inclusion_proofs") {
        let (index, size) = (u(c, "leaf_index"), u(c, "tree_size"));
        let want = hashes(arr(c, "proof_hex"));
        if size == 0 {
            // Upstream's degenerate {0, 0, nil}: no leaf exists in an empty tree.
            assert_eq!(index, 0);
            assert!(want.is_empty());
            assert_eq!(tree.inclusion_proof(0, 0), None);
            assert_eq!(
                verify_inclusion(0, 0, &leaves[0], &[], &EMPTY_ROOT),
                Err(ProofError::IndexOutOfRange { index: 0, size: 0 })
            );
            degenerate += 1;
            continue;
        }
        let got = tree.inclusion_proof(index, size).expect("proof exists");
        assert_eq!(got, want, "inclusion proof ({index}, {size})");
        let root = tree.root_at(size).unwrap();
        verify_inclusion(index, size, &leaves[index as usize], &want, &root)
            .unwrap_or_else(|e| panic!("inclusion ({index}, {size}): {e}"));
        inclusion += 1;
    }
    assert_eq!((inclusion, degenerate), (5, 1));

    let mut consistency = 0;
    for c in arr(&v, "consistency_proofs") {
        let (m, n) = (u(c, "size1"), u(c, "size2"));
        let want = hashes(arr(c, "proof_hex"));
        let got = tree.consistency_proof(m, n).expect("proof exists");
        assert_eq!(got, want, "consistency proof {m} -> {n}");
        verify_consistency(
            m,
            n,
            &tree.root_at(m).unwrap(),
            &tree.root_at(n).unwrap(),
            &want,
        )
        .unwrap_or_else(|e| panic!("consistency {m} -> {n}: {e}"));
        consistency += 1;
    }
    assert_eq!(consistency, 5);
}

#[test]
fn rfc6962_all_derived_proofs_of_8_leaves_and_their_bit_flips() {
    let v = load_json("rfc6962/derived_all_proofs_8_leaves.json");
    let leaves: Vec<Hash> = arr(&v, "leaf_inputs_hex")
        .iter()
        .map(|x| leaf_hash(&unhex(x.as_str().unwrap())))
        .collect();
    let tree = Tree::from_leaf_hashes(leaves.clone());

    let (mut inclusion, mut flips_rejected) = (0, 0);
    for c in arr(&v, "inclusion_proofs") {
        let (i, n) = (u(c, "leaf_index"), u(c, "tree_size"));
        let leaf = h32(s(c, "leaf_hash_hex"));
        let root = h32(s(c, "root_hex"));
        let want = hashes(arr(c, "proof_hex"));
        assert_eq!(leaf, leaves[i as usize]);
        assert_eq!(tree.root_at(n), Some(root));
        assert_eq!(
            tree.inclusion_proof(i, n).as_ref(),
            Some(&want),
            "inclusion ({i}, {n})"
        );
        verify_inclusion(i, n, &leaf, &want, &root)
            .unwrap_or_else(|e| panic!("inclusion ({i}, {n}): {e}"));
        // One flipped bit anywhere (each proof element, the leaf, the root)
        // must break it.
        for j in 0..want.len() {
            let mut bad = want.clone();
            bad[j] = flip_bit(&bad[j], 8 * j + 3);
            assert!(
                verify_inclusion(i, n, &leaf, &bad, &root).is_err(),
                "({i}, {n}) proof[{j}]"
            );
            flips_rejected += 1;
        }
        assert!(verify_inclusion(i, n, &flip_bit(&leaf, 0), &want, &root).is_err());
        assert!(verify_inclusion(i, n, &leaf, &want, &flip_bit(&root, 255)).is_err());
        flips_rejected += 2;
        inclusion += 1;
    }
    assert_eq!(inclusion, 36);

    let mut consistency = 0;
    for c in arr(&v, "consistency_proofs") {
        let (m, n) = (u(c, "size1"), u(c, "size2"));
        let (r1, r2) = (h32(s(c, "root1_hex")), h32(s(c, "root2_hex")));
        let want = hashes(arr(c, "proof_hex"));
        assert_eq!(tree.root_at(m), Some(r1));
        assert_eq!(tree.root_at(n), Some(r2));
        assert_eq!(
            tree.consistency_proof(m, n).as_ref(),
            Some(&want),
            "consistency {m} -> {n}"
        );
        verify_consistency(m, n, &r1, &r2, &want)
            .unwrap_or_else(|e| panic!("consistency {m} -> {n}: {e}"));
        for j in 0..want.len() {
            let mut bad = want.clone();
            bad[j] = flip_bit(&bad[j], 8 * j + 5);
            assert!(
                verify_consistency(m, n, &r1, &r2, &bad).is_err(),
                "{m} -> {n} proof[{j}]"
            );
            flips_rejected += 1;
        }
        assert!(
            verify_consistency(m, n, &flip_bit(&r1, 7), &r2, &want).is_err(),
            "{m} -> {n}"
        );
        assert!(
            verify_consistency(m, n, &r1, &flip_bit(&r2, 100), &want).is_err(),
            "{m} -> {n}"
        );
        flips_rejected += 2;
        consistency += 1;
    }
    assert_eq!(consistency, 36);
    // 36 inclusion proofs hold 88 hashes, 36 consistency proofs 71,
    // plus 2 flipped endpoints per proof.
    assert_eq!(flips_rejected, 88 + 71 + 2 * 72);
}

#[test]
fn rfc6962_transparency_dev_inclusion_probes() {
    let v = load_json("rfc6962/merkle_inclusion_probes.json");
    assert_eq!(u(&v, "count"), 98);
    let (mut total, mut parse_rejected, mut accepted, mut rejected) = (0, 0, 0, 0);
    for p in arr(&v, "probes") {
        total += 1;
        let file = s(p, "file");
        let want_err = b(p, "wantErr");
        let parsed = (|| {
            Some((
                try_h32(s(p, "leafHash_hex"))?,
                try_h32(s(p, "root_hex"))?,
                try_hashes(arr(p, "proof_hex"))?,
            ))
        })();
        // The flag in the file must agree with what [u8; 32] parsing sees.
        assert_eq!(parsed.is_some(), b(p, "all_hashes_32_bytes"), "{file}");
        let Some((leaf, root, proof)) = parsed else {
            // A "hash" that is not 32 bytes cannot even be handed to the
            // verifier: rejected at parse time, which is right for these.
            assert!(want_err, "{file}: non-32-byte probe expected to verify");
            parse_rejected += 1;
            continue;
        };
        let ok = verify_inclusion(u(p, "leafIdx"), u(p, "treeSize"), &leaf, &proof, &root).is_ok();
        assert_eq!(ok, !want_err, "{file} ({})", s(p, "desc"));
        if ok {
            accepted += 1;
        } else {
            rejected += 1;
        }
    }
    assert_eq!(total, 98);
    assert_eq!(parse_rejected, 26);
    assert_eq!(accepted, 6);
    assert_eq!(rejected, 98 - 26 - 6);
}

#[test]
fn rfc6962_transparency_dev_consistency_probes() {
    const SKIPPED: &str =
        "testdata/consistency/additional/sizes-are-equal-one-and-proof-is-empty.json";
    let v = load_json("rfc6962/merkle_consistency_probes.json");
    assert_eq!(u(&v, "count"), 98);
    let (mut total, mut skipped, mut parse_rejected, mut accepted, mut rejected) = (0, 0, 0, 0, 0);
    let mut size1_zero = 0;
    for p in arr(&v, "probes") {
        total += 1;
        let file = s(p, "file");
        let want_err = b(p, "wantErr");
        let (m, n) = (u(p, "size1"), u(p, "size2"));
        if m == 0 {
            // Our contract refuses consistency from the empty tree; upstream
            // (transparency-dev/merkle at HEAD) agrees on every such probe.
            assert!(want_err, "{file}: size1 = 0 expected to verify upstream");
            size1_zero += 1;
        }
        if file == SKIPPED {
            // 1 -> 1 with two equal 12-byte "roots" and an empty proof: upstream
            // compares roots as arbitrary byte strings. With fixed [u8; 32]
            // hashes the case cannot be expressed at all, so it is skipped
            // rather than counted as a (wrong) rejection.
            assert!(!want_err && !b(p, "all_hashes_32_bytes"));
            skipped += 1;
            continue;
        }
        let parsed = (|| {
            Some((
                try_h32(s(p, "root1_hex"))?,
                try_h32(s(p, "root2_hex"))?,
                try_hashes(arr(p, "proof_hex"))?,
            ))
        })();
        assert_eq!(parsed.is_some(), b(p, "all_hashes_32_bytes"), "{file}");
        let Some((r1, r2, proof)) = parsed else {
            assert!(want_err, "{file}: non-32-byte probe expected to verify");
            parse_rejected += 1;
            continue;
        };
        let res = verify_consistency(m, n, &r1, &r2, &proof);
        if m == 0 {
            assert_eq!(res, Err(ProofError::BadSizes { from: 0, to: n }), "{file}");
        }
        assert_eq!(res.is_ok(), !want_err, "{file} ({})", s(p, "desc"));
        if res.is_ok() {
            accepted += 1;
        } else {
            rejected += 1;
        }
    }
    assert_eq!(total, 98);
    assert_eq!(skipped, 1);
    assert_eq!(parse_rejected, 26);
    assert_eq!(accepted, 5);
    assert_eq!(rejected, 98 - 1 - 26 - 5);
    assert_eq!(size1_zero, 9);
}

// ---------------------------------------------------------------------------
// C2SP signed notes
// ---------------------------------------------------------------------------

#[test]
fn signed_note_verifier_keys_parse_and_round_trip() {
    let v = load_json("signed-note/signed_notes.json");
    let keys = get(&v, "verifier_keys").as_object().unwrap();
    let mut refused = Vec::new();
    let mut n = 0;
    for (name, k) in keys {
        let vkey = s(k, "vkey");
        let ver = parse_vkey(vkey, &mut refused);
        assert_eq!(ver.to_vkey(), vkey, "round trip");
        assert_eq!(ver.name(), name);
        assert_eq!(ver.name(), s(k, "key_name"));
        assert_eq!(
            format!("{:08x}", ver.key_id()),
            s(k, "key_id_hex"),
            "{name}"
        );
        assert_eq!(u(k, "signature_type"), 1);
        assert_eq!(
            hex::encode(ver.key().as_bytes()),
            s(k, "public_key_hex"),
            "{name}"
        );
        assert_eq!(note::key_id(name, ver.key()), ver.key_id());
        assert_eq!(Verifier::new(name, *ver.key()).unwrap(), ver);
        n += 1;
    }
    assert_eq!(n, 12);

    // Signer seeds derive the public key of their vkey.
    let mut signers = 0;
    for k in arr(&v, "signer_keys") {
        let name = s(k, "key_name");
        let seed_hex = s(k, "ed25519_seed_hex");
        if let Some(skey) = get(k, "skey").as_str() {
            // x/mod PRIVATE+KEY+name+id+base64(0x01 || seed)
            // (the base64 may itself contain '+', so cut at the first four).
            let raw = B64.decode(skey.splitn(5, '+').nth(4).unwrap()).unwrap();
            assert!(skey.starts_with(&format!("PRIVATE+KEY+{name}+{}+", s(k, "key_id_hex"))));
            assert_eq!(
                (raw[0], hex::encode(&raw[1..])),
                (1, seed_hex.to_owned()),
                "{name}"
            );
        }
        let signer = NoteSigner::new(name, signing_key(seed_hex)).unwrap();
        assert_eq!(signer.name(), name);
        assert_eq!(signer.verifier().to_vkey(), s(k, "matching_vkey"), "{name}");
        assert_eq!(
            format!("{:08x}", signer.verifier().key_id()),
            s(k, "key_id_hex")
        );
        signers += 1;
    }
    assert_eq!(signers, 7);

    let mut bad = 0;
    for k in arr(&v, "bad_verifier_keys") {
        assert_eq!(s(k, "expect"), "reject");
        let vkey = s(k, "vkey");
        assert!(
            matches!(Verifier::from_vkey(vkey), Err(NoteError::BadVerifierKey(_))),
            "{vkey} ({}) was not rejected as a bad verifier key",
            s(k, "reason")
        );
        bad += 1;
    }
    assert_eq!(bad, 4);
    assert_no_vkey_refused(&refused);
}

/// The kind of rejection each reject case must produce.
fn expected_rejection(id: &str) -> fn(&NoteError) -> bool {
    fn malformed(e: &NoteError) -> bool {
        matches!(e, NoteError::Malformed(_))
    }
    fn bad_sig(e: &NoteError) -> bool {
        matches!(e, NoteError::BadSignature { .. })
    }
    fn untrusted(e: &NoteError) -> bool {
        matches!(e, NoteError::NoTrustedSignature)
    }
    match id {
        "c2sp-signed-note-intro-quasimodo"
        | "xmod-no-known-keys"
        | "c2sp-tlog-checkpoint-example"
        | "derived-peter-sig-under-other-name" => untrusted,
        "xmod-invalid-signature"
        | "derived-sumdb-checkpoint-size-tampered"
        | "derived-sumdb-checkpoint-root-tampered"
        | "derived-c2sp-example-text-tampered" => bad_sig,
        id if id.starts_with("xmod-malformed-")
            || id == "xmod-too-many-signatures"
            || id == "derived-key-name-contains-space-with-final-newline" =>
        {
            malformed
        }
        other => panic!("no expected rejection kind for case {other}"),
    }
}

#[test]
fn signed_note_open_cases() {
    let v = load_json("signed-note/signed_notes.json");
    let (mut accepted, mut rejected) = (0, 0);
    let mut refused = Vec::new();
    for c in arr(&v, "open_cases") {
        let id = s(c, "id");
        let trusted: Vec<Verifier> = strs(c, "verifier_keys")
            .iter()
            .map(|k| parse_vkey(k, &mut refused))
            .collect();
        let bytes = unhex(s(c, "note_hex"));
        if let Some(text) = get(c, "note").as_str() {
            assert_eq!(
                text.as_bytes(),
                &bytes[..],
                "{id}: note and note_hex differ"
            );
        }
        let res = note::open(&bytes, &trusted);
        match s(c, "expect") {
            "accept" => {
                let opened = res.unwrap_or_else(|e| panic!("{id}: rejected: {e}"));
                if let Some(text) = c.get("expected_text") {
                    assert_eq!(opened.text, text.as_str().unwrap(), "{id}");
                }
                if c.get("expected_verified").is_some() {
                    let got: Vec<&str> = opened.verified.iter().map(|v| v.name()).collect();
                    assert_eq!(got, strs(c, "expected_verified"), "{id}");
                }
                if c.get("expected_unverified").is_some() {
                    // x/mod drops repeated *identical* unverified lines; our
                    // OpenedNote keeps every line, so compare after the same
                    // de-duplication (see the report: only the duplicate case
                    // differs, 3 EnochRoot lines of which 2 are identical).
                    let mut seen = Vec::new();
                    for sig in &opened.unverified {
                        if !seen.contains(&sig) {
                            seen.push(sig);
                        }
                    }
                    let got: Vec<&str> = seen.iter().map(|sg| sg.name.as_str()).collect();
                    assert_eq!(got, strs(c, "expected_unverified"), "{id}");
                }
                if let Some(cp) = c.get("checkpoint") {
                    check_checkpoint(&opened.text, cp, id);
                }
                accepted += 1;
            }
            "reject" => {
                let err = res.err().unwrap_or_else(|| panic!("{id}: accepted"));
                assert!(
                    expected_rejection(id)(&err),
                    "{id}: unexpected rejection {err:?}"
                );
                // Well-formed rejected notes: the parse-only expectations.
                if let Some(text) = c.get("expected_text") {
                    let (got, _) = note::split(&bytes).unwrap();
                    assert_eq!(got, text.as_str().unwrap(), "{id}");
                }
                if c.get("expected_unverified").is_some() {
                    let (_, sigs) = note::split(&bytes).unwrap();
                    let got: Vec<&str> = sigs.iter().map(|sg| sg.name.as_str()).collect();
                    assert_eq!(got, strs(c, "expected_unverified"), "{id}");
                }
                if let Some(cp) = c.get("checkpoint") {
                    check_checkpoint(&note::split(&bytes).unwrap().0, cp, id);
                }
                rejected += 1;
            }
            other => panic!("{id}: unknown expect {other:?}"),
        }
    }
    assert_eq!((accepted, rejected), (7, 17));
    assert_no_vkey_refused(&refused);
}

fn check_checkpoint(text: &str, cp: &Value, id: &str) {
    let parsed = Checkpoint::parse(text).unwrap_or_else(|e| panic!("{id}: {e}"));
    assert_eq!(parsed.origin, s(cp, "origin"), "{id}");
    assert_eq!(parsed.size, u(cp, "tree_size"), "{id}");
    assert_eq!(parsed.root, h32(s(cp, "root_hash_hex")), "{id}");
    assert_eq!(B64.encode(parsed.root), s(cp, "root_hash_b64"), "{id}");
    assert!(parsed.extensions.is_empty(), "{id}");
    assert_eq!(parsed.to_text(), text, "{id}");
}

#[test]
fn signed_note_signing_reproduces_x_mod_notes() {
    let v = load_json("signed-note/signed_notes.json");
    let cases = arr(&v, "signing_cases");
    assert_eq!(cases.len(), 2);

    // Case 1: PeterNeumann signs the text.
    let c = &cases[0];
    assert_eq!(s(c, "id"), "xmod-sign-peter");
    let text = s(c, "text");
    let peter = NoteSigner::new(s(c, "key_name"), signing_key(s(c, "ed25519_seed_hex"))).unwrap();
    assert_eq!(
        format!("{:08x}", peter.verifier().key_id()),
        s(c, "key_id_hex")
    );
    let peter_note = peter.sign(text).unwrap();
    assert_eq!(peter_note, s(c, "expected_note"));

    // Case 2: EnochRoot's signature line appended after Peter's, as x/mod's
    // Sign emits new signatures after the existing ones.
    let c = &cases[1];
    assert_eq!(s(c, "id"), "xmod-add-signature-enoch");
    assert_eq!(s(c, "text"), text);
    let enoch = NoteSigner::new(s(c, "key_name"), signing_key(s(c, "ed25519_seed_hex"))).unwrap();
    assert_eq!(
        format!("{:08x}", enoch.verifier().key_id()),
        s(c, "key_id_hex")
    );
    let both = format!("{peter_note}{}", enoch.signature_line(text));
    assert_eq!(both, s(c, "expected_note"));

    let opened = note::open(
        both.as_bytes(),
        &[peter.verifier().clone(), enoch.verifier().clone()],
    )
    .unwrap();
    assert_eq!(opened.text, text);
    assert_eq!(opened.verified.len(), 2);
    assert!(opened.unverified.is_empty());
}

#[test]
fn signed_note_raw_files_open() {
    let v = load_json("signed-note/signed_notes.json");
    let case = |id: &str| -> Value {
        arr(&v, "open_cases")
            .iter()
            .find(|c| s(c, "id") == id)
            .cloned()
            .unwrap()
    };

    let mut refused = Vec::new();

    // sum.golang.org checkpoint 6476701.
    let vkey = read_text("signed-note/sumdb_checkpoint_6476701.vkey");
    let sumdb = parse_vkey(vkey.trim_end_matches('\n'), &mut refused);
    assert_eq!(
        sumdb.to_vkey(),
        "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
    );
    let bytes = read_bytes("signed-note/sumdb_checkpoint_6476701.note");
    assert_eq!(bytes, unhex(s(&case("sumdb-checkpoint"), "note_hex")));
    let opened = note::open(&bytes, std::slice::from_ref(&sumdb)).unwrap();
    assert_eq!(opened.verified, vec![sumdb.clone()]);
    let cp = Checkpoint::parse(&opened.text).unwrap();
    assert_eq!(cp.origin, "go.sum database tree");
    assert_eq!(cp.size, 6476701);
    assert_eq!(
        hex::encode(cp.root),
        "99bf102d022cd19d323f90acb6aea0ba3f3ba1759e0bd80433ca158a49a6f569"
    );
    assert!(cp.extensions.is_empty());
    assert_eq!(cp.to_text(), opened.text);

    // C2SP signed-note spec example.
    let vkey = read_text("signed-note/c2sp_signed_note_example.vkey");
    let foo = parse_vkey(vkey.trim_end_matches('\n'), &mut refused);
    assert_eq!(foo.name(), "example.com/foo");
    let bytes = read_bytes("signed-note/c2sp_signed_note_example.note");
    assert_eq!(
        bytes,
        unhex(s(&case("c2sp-signed-note-example"), "note_hex"))
    );
    let opened = note::open(&bytes, std::slice::from_ref(&foo)).unwrap();
    assert_eq!(opened.text, "This is an example message.\n");
    assert_eq!(opened.verified, vec![foo.clone()]);
    // Neither key opens the other's note.
    assert_eq!(
        note::open(&bytes, std::slice::from_ref(&sumdb)).unwrap_err(),
        NoteError::NoTrustedSignature
    );

    // C2SP tlog-checkpoint example: no key is published; its key ID equals
    // sum.golang.org's but the name differs, so it is untrusted. Parse only.
    let bytes = read_bytes("signed-note/c2sp_tlog_checkpoint_example.note");
    assert_eq!(
        bytes,
        unhex(s(&case("c2sp-tlog-checkpoint-example"), "note_hex"))
    );
    assert_eq!(
        note::open(&bytes, &[sumdb, foo]).unwrap_err(),
        NoteError::NoTrustedSignature
    );
    let (text, sigs) = note::split(&bytes).unwrap();
    assert_eq!(sigs.len(), 1);
    assert_eq!(
        (sigs[0].name.as_str(), sigs[0].key_id, sigs[0].sig.len()),
        ("example.com/behind-the-sofa", 0x033de0ae, 64)
    );
    let cp = Checkpoint::parse(&text).unwrap();
    assert_eq!(
        (cp.origin.as_str(), cp.size),
        ("example.com/behind-the-sofa", 20852163)
    );
    assert_eq!(
        hex::encode(cp.root),
        "0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62"
    );

    assert_no_vkey_refused(&refused);
}

// ---------------------------------------------------------------------------
// C2SP tlog-checkpoint bodies
// ---------------------------------------------------------------------------

#[test]
fn checkpoint_bodies_parse_and_format() {
    let v = load_json("signed-note/checkpoints.json");

    // Bodies with known fields: parse to them, and to_text() gives them back.
    let mut known = 0;
    for key in ["c2sp_spec_example", "x_mod_tlog_format_tree"] {
        let c = get(&v, key);
        let body = s(c, "body");
        let cp = Checkpoint::parse(body).unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_eq!(cp.origin, s(c, "origin"), "{key}");
        assert_eq!(cp.size, u(c, "tree_size"), "{key}");
        assert_eq!(cp.root, h32(s(c, "root_hash_hex")), "{key}");
        assert_eq!(B64.encode(cp.root), s(c, "root_hash_b64"), "{key}");
        assert!(cp.extensions.is_empty());
        assert_eq!(cp.to_text(), body, "{key}");
        assert_eq!(
            Checkpoint::new(&cp.origin, cp.size, cp.root).to_text(),
            body,
            "{key}"
        );
        known += 1;
    }
    let spec = get(&v, "c2sp_spec_example");
    let (text, _) = note::split(s(spec, "signed_note").as_bytes()).unwrap();
    assert_eq!(text, s(spec, "body"));
    // x/mod's root is the RFC 6962 leaf hash of "hello world".
    assert_eq!(
        Checkpoint::parse(s(get(&v, "x_mod_tlog_format_tree"), "body"))
            .unwrap()
            .root,
        leaf_hash(b"hello world")
    );
    let sumdb = s(get(&v, "sumdb_real_checkpoint"), "body");
    assert_eq!(Checkpoint::parse(sumdb).unwrap().to_text(), sumdb);
    known += 1;
    assert_eq!(known, 3);

    // transparency-dev/formats TestUnmarshalLogState cases.
    //
    // Every "valid" upstream case uses a root that is not 32 bytes ("bananas",
    // 7 bytes, or "the view from the tree tops is great!", 37 bytes):
    // formats does not check the root length, our parser requires a SHA-256
    // root. So as written every case is rejected here, the valid ones for
    // exactly that reason. The line structure is then checked by putting a
    // 32-byte root in place of a base64 root line and expecting upstream's
    // result, except "valid with trailing newlines": C2SP says extension lines
    // are non-empty, so trailing empty lines must be rejected.
    let root32 = leaf_hash(b"courtseal");
    let root32_b64 = B64.encode(root32);
    let pc = get(&v, "parse_cases");
    let (mut cases, mut root_len_rejected, mut substituted) = (0, 0, 0);
    for c in arr(pc, "cases") {
        let desc = s(c, "desc");
        let body = s(c, "body");
        let want_error = b(c, "want_error");
        let res = Checkpoint::parse(body);
        if want_error {
            assert!(res.is_err(), "{desc}: accepted");
        } else {
            assert_eq!(
                res,
                Err(CheckpointError::Malformed("root hash is not 32 bytes")),
                "{desc}"
            );
            root_len_rejected += 1;
        }
        cases += 1;

        let mut lines: Vec<&str> = body.split('\n').collect();
        let Some(root_line) = lines.get(2) else {
            continue;
        };
        if root_line.is_empty() || !B64.decode(root_line).is_ok_and(|r| r.len() != 32) {
            continue; // no root line, or not base64 at all
        }
        lines[2] = &root32_b64;
        let fixed = lines.join("\n");
        let res = Checkpoint::parse(&fixed);
        substituted += 1;
        if desc == "valid with trailing newlines" {
            assert_eq!(
                res,
                Err(CheckpointError::Malformed("empty extension line")),
                "{desc}"
            );
            continue;
        }
        if want_error {
            assert!(res.is_err(), "{desc} (32-byte root): accepted");
            continue;
        }
        let cp = res.unwrap_or_else(|e| panic!("{desc} (32-byte root): {e}"));
        let want = get(c, "want");
        assert_eq!(cp.origin, s(want, "origin"), "{desc}");
        assert_eq!(cp.size, u(want, "tree_size"), "{desc}");
        assert_eq!(cp.root, root32);
        let rest = c.get("want_rest").and_then(Value::as_str).unwrap_or("");
        let want_ext: Vec<&str> = rest.split_terminator('\n').collect();
        assert_eq!(cp.extensions, want_ext, "{desc}");
        assert_eq!(cp.to_text(), fixed, "{desc}");
    }
    assert_eq!(cases, 12);
    assert_eq!(root_len_rejected, 5);
    assert_eq!(substituted, 10);
}

// ---------------------------------------------------------------------------
// Ed25519
// ---------------------------------------------------------------------------

#[test]
fn ed25519_rfc8032_section_7_1() {
    let v = load_json("ed25519/rfc8032_ed25519.json");
    let mut n = 0;
    for t in arr(&v, "vectors") {
        let name = s(t, "name");
        let sk = signing_key(s(t, "secret_key_hex"));
        let msg = unhex(s(t, "message_hex"));
        assert_eq!(msg.len() as u64, u(t, "message_length"), "{name}");
        let want_sig = unhex(s(t, "signature_hex"));
        assert_eq!(
            hex::encode(sk.verifying_key().as_bytes()),
            s(t, "public_key_hex"),
            "{name}"
        );
        assert_eq!(sk.sign(&msg).to_bytes().to_vec(), want_sig, "{name}");
        let signer = NoteSigner::new("rfc8032", sk.clone()).unwrap();
        assert_eq!(signer.sign_bytes(&msg).to_vec(), want_sig, "{name}");
        let ver = Verifier::new("rfc8032", sk.verifying_key()).unwrap();
        assert!(ver.verify(&msg, &want_sig), "{name}");
        let mut tampered = msg.clone();
        tampered.push(0);
        assert!(!ver.verify(&tampered, &want_sig), "{name}");
        n += 1;
    }
    assert_eq!(n, 5);
}

#[test]
fn ed25519_wycheproof_strict_verification() {
    let v = load_json("ed25519/wycheproof_ed25519_test.json");
    assert_eq!(u(&v, "numberOfTests"), 151);
    let (mut valid, mut invalid, mut acceptable, mut bad_key) = (0, 0, 0, 0);
    let mut acceptable_results = Vec::new();
    for g in arr(&v, "testGroups") {
        let pk = unhex(s(get(g, "publicKey"), "pk"));
        let verifier = <[u8; 32]>::try_from(pk.as_slice())
            .ok()
            .and_then(|pk| VerifyingKey::from_bytes(&pk).ok())
            .map(|k| Verifier::new("wycheproof", k).unwrap());
        for t in arr(g, "tests") {
            let id = u(t, "tcId");
            let (msg, sig) = (unhex(s(t, "msg")), unhex(s(t, "sig")));
            // A public key that does not decode rejects every signature.
            let ok = verifier.as_ref().is_some_and(|ver| ver.verify(&msg, &sig));
            if verifier.is_none() {
                bad_key += 1;
            }
            match s(t, "result") {
                "valid" => {
                    assert!(ok, "tcId {id} ({}) valid but rejected", s(t, "comment"));
                    valid += 1;
                }
                "invalid" => {
                    assert!(!ok, "tcId {id} ({}) invalid but accepted", s(t, "comment"));
                    invalid += 1;
                }
                "acceptable" => {
                    acceptable_results.push((id, ok));
                    acceptable += 1;
                }
                other => panic!("tcId {id}: unknown result {other:?}"),
            }
        }
    }
    assert_eq!(valid + invalid + acceptable, 151);
    assert_eq!(
        (valid, invalid, acceptable),
        (88, 63, 0),
        "acceptable: {acceptable_results:?}"
    );
    assert_eq!(bad_key, 0);
}

// ---------------------------------------------------------------------------
// cosignature/v1 (C2SP tlog-cosignature)
// ---------------------------------------------------------------------------

/// The spec's example: the witness line is read as key ID 0x8d66cf3f, the
/// time of the spec's `time` line and a 64-byte signature; the log's own
/// line (64 bytes of Ed25519) is no cosignature.
#[test]
fn cosignature_c2sp_example() {
    let bytes = read_bytes("cosignature/c2sp_tlog_cosignature_example.note");
    let (text, sigs) = note::split(&bytes).unwrap();
    assert_eq!(
        text,
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    );
    let parsed: Vec<_> = sigs
        .iter()
        .map(note::Cosignature::from_note_signature)
        .collect();
    assert_eq!(parsed.len(), 2);
    assert!(parsed[0].is_none());
    let c = parsed[1].as_ref().unwrap();
    assert_eq!(
        (c.name.as_str(), c.key_id, c.time),
        ("witness.example.com/w1", 0x8d66cf3f, 1679315147)
    );
}

/// The real sum.golang.org checkpoint with its three witness signatures:
/// they are old-style Ed25519 note signatures (type 0x01, no time), so a
/// cosignature/v1 verifier of the same keys and names finds none of them
/// its own, while the log key still opens the note.
#[test]
fn cosignature_sumdb_checkpoint_with_legacy_witness_lines() {
    let v = load_json("signed-note/signed_notes.json");
    let case = arr(&v, "open_cases")
        .iter()
        .find(|c| s(c, "id") == "sumdb-checkpoint-with-3-cosignatures")
        .unwrap();
    let note_text = s(case, "note");
    let (text, sigs) = note::split(note_text.as_bytes()).unwrap();
    assert_eq!(sigs.len(), 4);
    let mut checked = 0;
    for vk in strs(case, "verifier_keys") {
        let nv = Verifier::from_vkey(&vk).unwrap();
        // The same key as a cosignature/v1 key: other key ID, not its line.
        let cv = note::CosignatureVerifier::new(nv.name(), *nv.key()).unwrap();
        assert_ne!(cv.key_id(), nv.key_id());
        for sig in &sigs {
            assert_eq!(cv.check(&text, sig), note::CosignatureCheck::NotOurs);
            assert!(note::Cosignature::from_note_signature(sig).is_none());
        }
        checked += 1;
    }
    assert_eq!(checked, 4);
    let sumdb =
        Verifier::from_vkey(read_text("signed-note/sumdb_checkpoint_6476701.vkey").trim()).unwrap();
    note::open(note_text.as_bytes(), &[sumdb]).unwrap();
}
