//! A real TSA for the tests: `openssl ts -reply` with test CAs made by
//! openssl, behind a tiny HTTP server (`tests/interop/tsa_server.py`), and
//! `openssl ts -verify` as the independent check.

use std::fs;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use courtseal::timestamp;

pub fn openssl(dir: &Path, args: &[&str]) {
    let o = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A CA (root) and a TSA certificate it issues, in `dir/NAME/`.
pub struct Tsa {
    /// Its folder: root.pem, tsa.pem, tsa.key, ts.cnf.
    pub dir: PathBuf,
}

impl Tsa {
    pub fn root_pem(&self) -> PathBuf {
        self.dir.join("root.pem")
    }
    pub fn roots(&self) -> Vec<x509_cert::Certificate> {
        timestamp::load_roots(&fs::read(self.root_pem()).unwrap()).unwrap()
    }
}

/// Makes a root CA and a TSA certificate with extension lines `ext` valid
/// for `days` (negative: already expired).
pub fn make_tsa(base: &Path, name: &str, ext: &str, days: i32) -> Tsa {
    let dir = base.join(name);
    fs::create_dir_all(&dir).unwrap();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut a = vec!["req", "-x509"];
    a.extend(ec);
    a.extend([
        "-keyout", "root.key", "-out", "root.pem", "-days", "3650", "-subj",
    ]);
    let subj = format!("/CN={name} Root CA");
    a.push(&subj);
    a.extend([
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(&dir, &a);
    let mut a = vec!["req", "-new"];
    a.extend(ec);
    let subj = format!("/CN={name} TSA");
    a.extend(["-keyout", "tsa.key", "-out", "tsa.csr", "-subj", &subj]);
    openssl(&dir, &a);
    fs::write(dir.join("ext.cnf"), ext).unwrap();
    let days = days.to_string();
    openssl(
        &dir,
        &[
            "x509", "-req", "-in", "tsa.csr", "-CA", "root.pem", "-CAkey", "root.key", "-days",
            &days, "-out", "tsa.pem", "-extfile", "ext.cnf",
        ],
    );
    fs::copy(dir.join("root.pem"), dir.join("chain.pem")).unwrap();
    fs::write(
        dir.join("ts.cnf"),
        format!(
            "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\ndir = {d}\nserial = {d}/serial\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\nother_policies = 1.2.3.4.5\ndigests = sha256, sha384, sha512\naccuracy = secs:1\nordering = yes\ntsa_name = yes\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n",
            d = dir.display()
        ),
    )
    .unwrap();
    fs::write(dir.join("serial"), "01\n").unwrap();
    Tsa { dir }
}

pub const GOOD_EXT: &str = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n";

/// A token from `tsa` over `data`, made by `openssl ts -query` and
/// `openssl ts -reply` (`with_cert`: the request asks for the TSA's
/// certificate in the reply).
pub fn token(tsa: &Tsa, data: &[u8], with_cert: bool) -> Vec<u8> {
    let d = &tsa.dir;
    fs::write(d.join("data"), data).unwrap();
    let mut q = vec!["ts", "-query", "-data", "data", "-sha256", "-out", "q.tsq"];
    if with_cert {
        q.push("-cert");
    }
    openssl(d, &q);
    openssl(
        d,
        &[
            "ts",
            "-reply",
            "-config",
            "ts.cnf",
            "-queryfile",
            "q.tsq",
            "-signer",
            "tsa.pem",
            "-inkey",
            "tsa.key",
            "-chain",
            "chain.pem",
            "-token_out",
            "-out",
            "t.tsr",
        ],
    );
    fs::read(d.join("t.tsr")).unwrap()
}

/// `openssl ts -verify` of `token` over `data` with `roots` (the TSA's own
/// certificate given as untrusted, for tokens that do not carry it).
pub fn openssl_verifies(
    dir: &Path,
    token: &[u8],
    data: &[u8],
    roots: &Path,
    tsa_cert: &Path,
) -> bool {
    fs::write(dir.join("check.tsr"), token).unwrap();
    fs::write(dir.join("check.data"), data).unwrap();
    Command::new("openssl")
        .current_dir(dir)
        .args([
            "ts",
            "-verify",
            "-token_in",
            "-in",
            "check.tsr",
            "-data",
            "check.data",
        ])
        .arg("-CAfile")
        .arg(roots)
        .arg("-untrusted")
        .arg(tsa_cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success()
}

/// The TSA behind HTTP, as `seal` reaches it.
pub struct Server {
    child: Child,
    /// Where `seal` reaches it.
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn serve(tsa: &Tsa) -> Server {
    let mut child = Command::new("python3")
        .arg(super::repo("tests/interop/tsa_server.py"))
        .arg(&tsa.dir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    Server {
        child,
        url: format!("http://127.0.0.1:{}/tsa", line.trim()),
    }
}
