#!/usr/bin/env python3
"""An independent verifier for courtseal's public formats.

Written from the specifications only (RFC 6962 / RFC 9162, C2SP signed-note,
tlog-checkpoint, tlog-proof, tlog-cosignature), sharing no code with courtseal, so that a party
who does not trust the court's tools can check its files. Needs Python 3 and
the `cryptography` package.

  c2sp_verify.py proof VKEY_FILE PROOF_FILE MEDIA_FILE
      checks one file with its .tlog-proof
  c2sp_verify.py log VKEY_FILE SESSION_DIR
      recomputes the Merkle root of SESSION_DIR/courtseal/log.jsonl and checks
      it against every signed checkpoint in SESSION_DIR/courtseal/, and every
      sealed segment's SHA-256
  c2sp_verify.py cosig WITNESS_VKEY NOTE_FILE
      checks the cosignature/v1 line of the witness (WITNESS_VKEY: its
      verifier key, or a file holding it) over the text of a cosigned
      checkpoint note (courtseal/cosigned/SIZE.note)
  c2sp_verify.py cosig-lines NOTE_FILE
      prints each cosignature/v1 line of a note: name, key ID, time
  c2sp_verify.py ledger LEDGER_VKEY SESSION_DIR EVIDENCE_FILE [WITNESS_VKEY ...]
      checks one ledger evidence file of a session (courtseal/ledger/SIZE.proof
      or SIZE.LEDGER-SIZE.proof, a tlog-proof): its ledger checkpoint is signed
      by the ledger key, its leaf is included in it, the leaf is the session's
      checkpoint of SIZE (origin and the log's root at SIZE), the name's
      LEDGER-SIZE is the checkpoint's size, and each witness given cosigned the
      ledger checkpoint

Exit 0 and "OK ..." when everything holds, 1 with "FAIL: reason" otherwise.
"""
import base64
import hashlib
import json
import os
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def fail(why):
    print("FAIL: " + why)
    sys.exit(1)


def sha256(b):
    return hashlib.sha256(b).digest()


def leaf_hash(b):
    return sha256(b"\x00" + b)


def node_hash(l, r):
    return sha256(b"\x01" + l + r)


def mth(leaves):
    """RFC 6962 section 2.1, literally."""
    n = len(leaves)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def parse_vkey(text):
    name, keyid, key = text.strip().split("+", 2)
    raw = base64.b64decode(key, validate=True)
    if raw[0] != 1 or len(raw) != 33:
        fail("verifier key is not Ed25519")
    if sha256(name.encode() + b"\n" + raw)[:4] != bytes.fromhex(keyid):
        fail("verifier key ID does not match")
    return name, bytes.fromhex(keyid), Ed25519PublicKey.from_public_bytes(raw[1:])


def open_note(note, vkey):
    """C2SP signed-note: text up to the last blank line; signature lines after."""
    name, keyid, pub = vkey
    s = note.decode("utf-8")
    i = s.rfind("\n\n")
    if i < 0:
        fail("note has no signature block")
    text, sigs = s[: i + 1], s[i + 2 :]
    if not sigs.endswith("\n"):
        fail("signature block does not end in a newline")
    good = False
    for line in sigs[:-1].split("\n"):
        if not line.startswith("\u2014 "):
            fail("bad signature line")
        n, b64 = line[2:].split(" ", 1)
        raw = base64.b64decode(b64, validate=True)
        if n == name and raw[:4] == keyid:
            try:
                pub.verify(raw[4:], text.encode())
            except InvalidSignature:
                fail("signature by the trusted key does not verify")
            good = True
    if not good:
        fail("no signature by the trusted key")
    return text


def parse_checkpoint(text):
    lines = text.split("\n")
    origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)
    if not origin or len(root) != 32:
        fail("malformed checkpoint")
    return origin, size, root


def verify_inclusion(index, size, leaf, path, root):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def cmd_proof(vkey_file, proof_file, media_file):
    vkey = parse_vkey(open(vkey_file).read())
    data = open(proof_file, "rb").read()
    head, _, note = data.partition(b"\n\n")
    lines = head.split(b"\n")
    if lines[0] != b"c2sp.org/tlog-proof@v1":
        fail("not a tlog-proof@v1")
    if not lines[1].startswith(b"extra "):
        fail("proof carries no entry")
    entry_line = base64.b64decode(lines[1][6:], validate=True)
    if not lines[2].startswith(b"index "):
        fail("no index line")
    index = int(lines[2][6:])
    path = [base64.b64decode(l, validate=True) for l in lines[3:]]
    origin, size, root = parse_checkpoint(open_note(note, vkey))
    if not verify_inclusion(index, size, leaf_hash(entry_line), path, root):
        fail("entry is not included in the signed tree")
    entry = json.loads(entry_line)
    if entry["kind"] != "segment":
        fail("entry is not a segment")
    media = open(media_file, "rb").read()
    if hashlib.sha256(media).hexdigest() != entry["sha256"] or len(media) != entry["size"]:
        fail("file does not match the sealed entry")
    print(f"OK {entry['name']} is entry {index} of {size} in {origin}")


def cmd_log(vkey_file, session):
    vkey = parse_vkey(open(vkey_file).read())
    cs = os.path.join(session, "courtseal")
    raw = open(os.path.join(cs, "log.jsonl"), "rb").read()
    if not raw.endswith(b"\n"):
        fail("log does not end in a newline")
    lines = raw[:-1].split(b"\n")
    leaves = [leaf_hash(l) for l in lines]
    files = [os.path.join(cs, "checkpoint")] + [
        os.path.join(cs, "checkpoints", f) for f in sorted(os.listdir(os.path.join(cs, "checkpoints")))
    ]
    for f in files:
        origin, size, root = parse_checkpoint(open_note(open(f, "rb").read(), vkey))
        if size > len(leaves) or mth(leaves[:size]) != root:
            fail(f"{f}: the log does not hash to its signed root")
    entries = [json.loads(l) for l in lines]
    if entries[0]["kind"] != "session":
        fail("first entry is not the session header")
    for e in entries:
        if e["kind"] == "segment":
            d = hashlib.sha256(open(os.path.join(session, e["name"]), "rb").read()).hexdigest()
            if d != e["sha256"]:
                fail(f"{e['name']} does not match its sealed SHA-256")
    print(f"OK {len(lines)} entries, {len(files)} checkpoints, origin {entries[0]['origin']}")


def split_note(data):
    s = data.decode("utf-8")
    i = s.rfind("\n\n")
    if i < 0 or not s.endswith("\n"):
        fail("not a signed note")
    lines = []
    for line in s[i + 2 : -1].split("\n"):
        if not line.startswith("\u2014 "):
            fail("bad signature line")
        n, b64 = line[2:].split(" ", 1)
        lines.append((n, base64.b64decode(b64, validate=True)))
    return s[: i + 1], lines


def parse_cosignature_vkey(text):
    """C2SP tlog-cosignature: name+hex(key ID)+base64(0x04 || Ed25519 key);
    the key ID is SHA-256(name || 0x0A || 0x04 || key)[:4]."""
    name, keyid, key = text.strip().split("+", 2)
    raw = base64.b64decode(key, validate=True)
    if len(raw) != 33 or raw[0] != 4:
        fail("not a cosignature/v1 verifier key (type 0x04)")
    if sha256(name.encode() + b"\n" + raw)[:4] != bytes.fromhex(keyid):
        fail("verifier key ID does not match")
    return name, bytes.fromhex(keyid), Ed25519PublicKey.from_public_bytes(raw[1:])


def cmd_cosig(vkey_arg, note_file):
    name, t, origin, size = check_cosig(vkey_arg, open(note_file, "rb").read())
    print(f"OK cosigned by {name} at {t}: {origin} size {size}")


def check_cosig(vkey_arg, note):
    """The witness's first valid cosignature time over the note's text."""
    text = open(vkey_arg).read() if os.path.isfile(vkey_arg) else vkey_arg
    name, keyid, pub = parse_cosignature_vkey(text)
    body, lines = split_note(note)
    times = []
    for n, raw in lines:
        if n != name or raw[:4] != keyid:
            continue
        if len(raw) != 4 + 8 + 64:
            fail("the witness's line is not a cosignature/v1 (8-byte time, 64-byte signature)")
        t = int.from_bytes(raw[4:12], "big")
        if t >= 2**63:
            fail("cosignature time out of range")
        msg = ("cosignature/v1\ntime %d\n" % t).encode() + body.encode()
        try:
            pub.verify(raw[12:], msg)
        except InvalidSignature:
            fail("the cosignature of %s does not verify over the note's text" % name)
        times.append(t)
    if not times:
        fail("no cosignature by %s" % name)
    origin, size, _ = parse_checkpoint(body)
    return name, times[0], origin, size


def cmd_ledger(vkey_file, session, evidence, *witnesses):
    vkey = parse_vkey(open(vkey_file).read())
    base = os.path.basename(evidence)
    if not base.endswith(".proof"):
        fail("not named SIZE.proof or SIZE.LEDGER-SIZE.proof")
    parts = base[: -len(".proof")].split(".")
    if len(parts) not in (1, 2) or not all(p.isascii() and p.isdigit() and (p == "0" or p[0] != "0") for p in parts):
        fail("not named SIZE.proof or SIZE.LEDGER-SIZE.proof")
    want = int(parts[0])
    data = open(evidence, "rb").read()
    head, _, note = data.partition(b"\n\n")
    lines = head.split(b"\n")
    if lines[0] != b"c2sp.org/tlog-proof@v1" or not lines[1].startswith(b"extra "):
        fail("not a tlog-proof@v1 with an entry")
    extra = base64.b64decode(lines[1][6:], validate=True)
    if not lines[2].startswith(b"index "):
        fail("no index line")
    index = int(lines[2][6:])
    path = [base64.b64decode(l, validate=True) for l in lines[3:]]
    origin, size, root = parse_checkpoint(open_note(note, vkey))
    if len(parts) == 2 and int(parts[1]) != size:
        fail("named for another ledger checkpoint than the one it holds")
    if not verify_inclusion(index, size, leaf_hash(extra), path, root):
        fail("the leaf is not included in the signed ledger checkpoint")
    leaf = json.loads(extra)
    raw = open(os.path.join(session, "courtseal", "log.jsonl"), "rb").read()
    log = [leaf_hash(l) for l in raw[:-1].split(b"\n")]
    header = json.loads(raw.split(b"\n", 1)[0])
    if leaf["origin"] != header["origin"] or leaf["size"] != want:
        fail("the leaf is another session's checkpoint")
    if leaf["size"] > len(log) or base64.b64decode(leaf["root"]) != mth(log[: leaf["size"]]):
        fail("the leaf's root is not the session log's root at its size")
    times = [check_cosig(w, note)[1] for w in witnesses]
    print(f"OK session size {want} is leaf {index} of {origin} size {size}; cosigned at {times}")


def cmd_cosig_lines(note_file):
    _, lines = split_note(open(note_file, "rb").read())
    for n, raw in lines:
        if len(raw) == 4 + 8 + 64:
            print(f"{n} {raw[:4].hex()} {int.from_bytes(raw[4:12], 'big')}")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "proof":
        cmd_proof(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "log":
        cmd_log(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "cosig":
        cmd_cosig(*sys.argv[2:])
    elif len(sys.argv) >= 5 and sys.argv[1] == "ledger":
        cmd_ledger(*sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "cosig-lines":
        cmd_cosig_lines(sys.argv[2])
    else:
        print(__doc__)
        sys.exit(2)
