//! The library's modules form layers: no module uses, directly or through
//! others, a module that uses it back. Two cycles ({entry, media, windows}
//! and {verify, retire, audit, timeline}) once made every change to the
//! sealed formats touch behaviour; this test keeps them from coming back.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Re-exported paths kept for older callers, and the module they stand for.
const ALIASES: [(&str, &str); 4] = [
    ("entry", "format"),
    ("checkpoint", "format"),
    ("event", "format"),
    ("session", "seal"),
];

fn top_modules_used(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        if !name.is_empty() {
            let name = ALIASES
                .iter()
                .find(|(a, _)| *a == name)
                .map_or(name.clone(), |(_, m)| (*m).to_owned());
            out.insert(name);
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in walkdir::WalkDir::new(&src) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(&src).unwrap();
        if rel.starts_with("bin") || e.path().extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let top = first.trim_end_matches(".rs").to_owned();
        if top == "lib" {
            continue;
        }
        let used = top_modules_used(&fs::read_to_string(e.path()).unwrap());
        let entry = g.entry(top.clone()).or_default();
        entry.extend(used.into_iter().filter(|m| *m != top));
    }
    g
}

/// A path from `from` back to `to`, if there is one.
fn path_to(
    g: &BTreeMap<String, BTreeSet<String>>,
    from: &str,
    to: &str,
    seen: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if from == to {
        return Some(vec![to.to_owned()]);
    }
    if !seen.insert(from.to_owned()) {
        return None;
    }
    for next in g.get(from).into_iter().flatten() {
        if let Some(mut p) = path_to(g, next, to, seen) {
            p.insert(0, from.to_owned());
            return Some(p);
        }
    }
    None
}

#[test]
fn library_modules_have_no_cycle() {
    let g = graph();
    assert!(
        g.contains_key("verify") && g.contains_key("format"),
        "{g:?}"
    );
    for (m, used) in &g {
        for u in used {
            if let Some(back) = path_to(&g, u, m, &mut BTreeSet::new()) {
                panic!("module cycle: {m} -> {}", back.join(" -> "));
            }
        }
    }
}

#[test]
fn the_sealed_contract_uses_only_primitives() {
    let g = graph();
    let allowed: BTreeSet<&str> = ["digest", "time", "tlog", "note", "format"].into();
    for u in &g["format"] {
        assert!(allowed.contains(u.as_str()), "format/ uses {u}");
    }
}
