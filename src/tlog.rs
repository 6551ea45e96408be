//! The RFC 6962 Merkle tree over log entries, with inclusion and consistency
//! proofs generated and verified as RFC 9162 §2.1.3–2.1.4 specify.
//!
//! Notation follows the RFCs: `MTH(D[n])` is the Merkle Tree Hash of the list
//! of `n` entries `D[0:n]`; a leaf hash is `SHA-256(0x00 || d)`, an interior
//! node `SHA-256(0x01 || left || right)`; the tree over `n > 1` entries splits at
//! `k`, the largest power of two smaller than `n` (RFC 6962 §2.1).
//!
//! Roots and inclusion proofs come from `rs_merkle` with [`Rfc6962Hasher`]:
//! promoting a lone left node unchanged is exactly the RFC 6962 shape. `rs_merkle`
//! has no consistency proofs, so those are built here from the tree's complete
//! subtree hashes (RFC 6962 §2.1.2 SUBPROOF), which this module keeps by level.

use sha2::{Digest as _, Sha256};

/// A node or leaf hash in the tree.
pub type Hash = [u8; 32];

/// `MTH({})`, the hash of the empty tree: `SHA-256("")`.
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// `SHA-256(0x00 || data)`: the hash of one leaf (RFC 6962 §2.1).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`: an interior node (RFC 6962 §2.1).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The `rs_merkle` hasher for RFC 6962 trees. Leaves are handed to `rs_merkle`
/// already hashed with [`leaf_hash`]; `hash` is only ever applied by
/// `rs_merkle` to the concatenation of two children, so it adds the `0x01`
/// prefix, and a node without a right sibling is promoted unchanged.
#[derive(Clone, Copy, Debug)]
pub struct Rfc6962Hasher;

impl rs_merkle::Hasher for Rfc6962Hasher {
    type Hash = Hash;

    fn hash(data: &[u8]) -> Hash {
        let mut h = Sha256::new();
        h.update([0x01]);
        h.update(data);
        h.finalize().into()
    }

    fn concat_and_hash(left: &Hash, right: Option<&Hash>) -> Hash {
        match right {
            Some(right) => node_hash(left, right),
            None => *left,
        }
    }
}

/// The largest power of two strictly smaller than `n` (`n > 1`).
fn split_point(n: u64) -> u64 {
    debug_assert!(n > 1);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// An RFC 6962 tree over a list of leaf hashes.
///
/// Besides the leaves it keeps the hash of every complete, aligned subtree
/// (level `j`, index `i` covers leaves `[i·2^j, (i+1)·2^j)`), so `MTH` of any
/// prefix and every proof node is found in O(log n) hashes.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    /// An empty tree.
    pub fn new() -> Self {
        Tree {
            levels: vec![Vec::new()],
        }
    }

    /// A tree over the given leaf hashes.
    pub fn from_leaf_hashes(leaves: Vec<Hash>) -> Self {
        let mut levels = vec![leaves];
        while let Some(below) = levels.last().filter(|l| l.len() > 1) {
            let up: Vec<Hash> = below
                .chunks_exact(2)
                .map(|pair| node_hash(&pair[0], &pair[1]))
                .collect();
            levels.push(up);
        }
        Tree { levels }
    }

    /// Appends one leaf hash, updating the complete subtrees it closes.
    pub fn push(&mut self, leaf: Hash) {
        self.levels[0].push(leaf);
        let mut level = 0;
        while self.levels[level].len().is_multiple_of(2) {
            let n = self.levels[level].len();
            let parent = node_hash(&self.levels[level][n - 2], &self.levels[level][n - 1]);
            if self.levels.len() == level + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[level + 1].push(parent);
            level += 1;
        }
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// The leaf hashes.
    pub fn leaves(&self) -> &[Hash] {
        &self.levels[0]
    }

    /// `MTH(D[0:n])` for the whole tree, computed by `rs_merkle`.
    #[expect(
        clippy::expect_used,
        reason = "rs_merkle gives a root for every tree with a leaf, and the empty tree is handled first"
    )]
    pub fn root(&self) -> Hash {
        if self.levels[0].is_empty() {
            return EMPTY_ROOT;
        }
        rs_merkle::MerkleTree::<Rfc6962Hasher>::from_leaves(&self.levels[0])
            .root()
            .expect("a non-empty rs_merkle tree has a root")
    }

    /// `MTH(D[0:size])`: the root the tree had when it held `size` leaves.
    pub fn root_at(&self, size: u64) -> Option<Hash> {
        if size > self.size() {
            return None;
        }
        Some(self.subtree(0, size))
    }

    /// `MTH(D[lo:hi])` for the ranges that occur in RFC 6962 proofs: `lo` is a
    /// multiple of the largest power of two not exceeding `hi - lo`.
    fn subtree(&self, lo: u64, hi: u64) -> Hash {
        let n = hi - lo;
        if n == 0 {
            return EMPTY_ROOT;
        }
        if n.is_power_of_two() && lo.is_multiple_of(n) {
            let level = n.trailing_zeros() as usize;
            return self.levels[level][(lo >> level) as usize];
        }
        let k = split_point(n);
        node_hash(&self.subtree(lo, lo + k), &self.subtree(lo + k, hi))
    }

    /// The inclusion proof (audit path, RFC 6962 §2.1.1) of leaf `index` in the
    /// tree of the first `size` leaves, from the leaf's sibling up to a child
    /// of the root. `None` if `index >= size` or `size` exceeds the tree.
    /// O(log² n) hashes from the kept subtrees (an append to a long ledger
    /// proves its new leaf without rebuilding the tree).
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Option<Vec<Hash>> {
        if size > self.size() || index >= size {
            return None;
        }
        let mut proof = Vec::new();
        self.path(index, 0, size, &mut proof);
        Some(proof)
    }

    /// RFC 6962 §2.1.1 `PATH(m, D[lo:hi])`, the deepest node first.
    fn path(&self, m: u64, lo: u64, hi: u64, out: &mut Vec<Hash>) {
        let n = hi - lo;
        if n <= 1 {
            return;
        }
        let k = split_point(n);
        if m < k {
            self.path(m, lo, lo + k, out);
            out.push(self.subtree(lo + k, hi));
        } else {
            self.path(m - k, lo + k, hi, out);
            out.push(self.subtree(lo, lo + k));
        }
    }

    /// The inclusion proofs of several leaves in the tree of the first
    /// `size` leaves, in the order given, from one tree built once (many
    /// windows of one large sidecar). `None` if any index is `>= size` or
    /// `size` exceeds the tree.
    pub fn inclusion_proofs(&self, indices: &[u64], size: u64) -> Option<Vec<Vec<Hash>>> {
        if size > self.size() || indices.iter().any(|&i| i >= size) {
            return None;
        }
        let leaves = &self.levels[0][..size as usize];
        let tree = rs_merkle::MerkleTree::<Rfc6962Hasher>::from_leaves(leaves);
        Some(
            indices
                .iter()
                .map(|&i| tree.proof(&[i as usize]).proof_hashes().to_vec())
                .collect(),
        )
    }

    /// The consistency proof (RFC 6962 §2.1.2 PROOF(m, D\[n\])) from size `m` to
    /// size `n`. `None` unless `0 < m <= n <= self.size()`: a proof from the
    /// empty tree proves nothing and is refused.
    pub fn consistency_proof(&self, m: u64, n: u64) -> Option<Vec<Hash>> {
        if m == 0 || m > n || n > self.size() {
            return None;
        }
        let mut proof = Vec::new();
        self.subproof(m, 0, n, true, &mut proof);
        Some(proof)
    }

    /// SUBPROOF(m, D[lo:hi], b), RFC 6962 §2.1.2, with `m` relative to `lo`.
    fn subproof(&self, m: u64, lo: u64, hi: u64, b: bool, out: &mut Vec<Hash>) {
        let n = hi - lo;
        if m == n {
            if !b {
                out.push(self.subtree(lo, hi));
            }
            return;
        }
        let k = split_point(n);
        if m <= k {
            self.subproof(m, lo, lo + k, b, out);
            out.push(self.subtree(lo + k, hi));
        } else {
            self.subproof(m - k, lo + k, hi, false, out);
            out.push(self.subtree(lo, lo + k));
        }
    }
}

/// Why a proof did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The index is not inside the tree.
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// The sizes cannot be related by a consistency proof.
    #[error("no consistency proof exists from size {from} to size {to}")]
    BadSizes {
        /// The earlier size.
        from: u64,
        /// The later size.
        to: u64,
    },
    /// The proof has the wrong number of hashes for the sizes.
    #[error("the proof has the wrong number of hashes")]
    WrongLength,
    /// The proof leads to a different root.
    #[error("the proof does not lead to the expected root")]
    RootMismatch,
}

/// Verifies an inclusion proof: RFC 9162 §2.1.3.2.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if &r != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies a consistency proof between the tree of size `m` with root
/// `root1` and the tree of size `n` with root `root2`: RFC 9162 §2.1.4.2.
///
/// `m == 0` is refused (a proof from the empty tree is meaningless);
/// `m == n` needs an empty proof and equal roots.
pub fn verify_consistency(
    m: u64,
    n: u64,
    root1: &Hash,
    root2: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if m == 0 || m > n {
        return Err(ProofError::BadSizes { from: m, to: n });
    }
    if m == n {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if root1 == root2 {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    // Step 1: an empty path cannot prove m < n.
    if proof.is_empty() {
        return Err(ProofError::WrongLength);
    }
    // Step 2: if m is a power of two, the first tree is a complete subtree
    // and its root is implicitly the first element of the path.
    let mut path: Vec<&Hash> = Vec::with_capacity(proof.len() + 1);
    if m.is_power_of_two() {
        path.push(root1);
    }
    path.extend(proof.iter());
    // Steps 3–4.
    let (mut fn_, mut sn) = (m - 1, n - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 5.
    let (mut fr, mut sr) = (*path[0], *path[0]);
    // Step 6.
    for c in &path[1..] {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 7.
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if &fr != root1 || &sr != root2 {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {

    /// The inclusion proof from the kept subtrees is the one `rs_merkle`
    /// gives over the whole tree, for every leaf of every size up to 70.
    #[test]
    fn inclusion_proofs_from_the_kept_subtrees_are_rs_merkles() {
        let t = Tree::from_leaf_hashes((0..70u8).map(|i| leaf_hash(&[i])).collect());
        for size in 1..=70u64 {
            for index in 0..size {
                let fast = t.inclusion_proof(index, size).unwrap();
                let slow = t.inclusion_proofs(&[index], size).unwrap().pop().unwrap();
                assert_eq!(fast, slow, "leaf {index} of {size}");
                let leaf = t.leaves()[index as usize];
                let root = t.root_at(size).unwrap();
                verify_inclusion(index, size, &leaf, &fast, &root).unwrap();
            }
        }
        assert!(t.inclusion_proof(5, 5).is_none());
        assert!(t.inclusion_proof(0, 71).is_none());
    }

    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("entry {i}").as_bytes()))
            .collect()
    }

    #[test]
    fn empty_tree_root_is_sha256_of_nothing() {
        assert_eq!(Tree::new().root(), EMPTY_ROOT);
        assert_eq!(EMPTY_ROOT, *crate::digest::Sha256Digest::of(b"").as_bytes());
    }

    #[test]
    fn push_builds_the_same_levels_as_bulk_construction() {
        for n in 0..40 {
            let l = leaves(n);
            let mut t = Tree::new();
            for h in &l {
                t.push(*h);
            }
            let bulk = Tree::from_leaf_hashes(l);
            assert_eq!(t.root(), bulk.root(), "n = {n}");
            assert_eq!(t.root_at(n as u64), Some(bulk.root()), "n = {n}");
        }
    }

    #[test]
    fn every_proof_up_to_33_leaves_round_trips() {
        let t = Tree::from_leaf_hashes(leaves(33));
        for n in 1..=33u64 {
            let root = t.root_at(n).unwrap();
            for i in 0..n {
                let p = t.inclusion_proof(i, n).unwrap();
                verify_inclusion(i, n, &t.leaves()[i as usize], &p, &root).unwrap();
            }
            for m in 1..=n {
                let p = t.consistency_proof(m, n).unwrap();
                verify_consistency(m, n, &t.root_at(m).unwrap(), &root, &p).unwrap();
            }
        }
    }

    #[test]
    fn consistency_from_the_empty_tree_is_refused() {
        let t = Tree::from_leaf_hashes(leaves(4));
        assert!(t.consistency_proof(0, 4).is_none());
        assert_eq!(
            verify_consistency(0, 4, &EMPTY_ROOT, &t.root(), &[]),
            Err(ProofError::BadSizes { from: 0, to: 4 })
        );
    }
}
