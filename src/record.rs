//! The court's short-form record of a session (`record.toml`, or JSON), as
//! a file other tools and courts write to. Every problem is reported with the
//! field and the line it is on. A record sealed into the log by an operator
//! ([`sealed`]) is the one that counts.

pub mod sealed;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use toml::value::Datetime;
use toml::Spanned;

/// A commented template of `record.toml`.
pub const TEMPLATE: &str = r#"# Short-form record of one court session, for `courtseal check`.
# Replace every <...> placeholder: `courtseal record check` refuses the file
# until none is left. Times are YYYY-MM-DDTHH:MM:SS with the offset the court's
# zone has on that date (e.g. 2026-11-20T10:00:00+05:00 in Asia/Almaty);
# dates are YYYY-MM-DD, written without quotes.
court = "<name of the court>"
courtroom = "<courtroom>"
case = "<case number>"
case_title = "<case title>"
judge = "<judge's name>"
secretary = "<secretary's name>"
place = "<town or city>"
time_zone = "<the court's IANA time zone, e.g. Asia/Almaty>"
start = "<session start, e.g. 2026-11-20T10:00:00+05:00; no quotes>"
end = "<session end, e.g. 2026-11-20T11:30:00+05:00; no quotes>"
stenography = false
no_recording_reason = ""              # why no recording was made at all, if so
# finalised = YYYY-MM-DD              # date the record was finalised, once it is
# verdict_in_force = YYYY-MM-DD       # date the verdict entered into force, once known

# One [[appearance]] per person who appeared.
[[appearance]]
role = "<party, representative, witness, expert, specialist, interpreter, ...>"
name = "<name>"

# One [[break]] per declared break, adjournment or deliberation, e.g.:
# [[break]]
# from = 2026-11-20T10:45:00+05:00
# to = 2026-11-20T11:00:00+05:00
# kind = "break"                      # break | adjournment | deliberation

# One [[failure]] per recording failure stated in a signed act, e.g.:
# [[failure]]
# from = 2026-11-20T11:10:00+05:00
# to = 2026-11-20T11:12:00+05:00
# reason = "microphone failure"
# act_signed_by = ["<name>", "<name>"]
"#;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    court: Spanned<String>,
    courtroom: Option<Spanned<String>>,
    case: Spanned<String>,
    case_title: Option<Spanned<String>>,
    judge: Spanned<String>,
    secretary: Spanned<String>,
    place: Option<Spanned<String>>,
    time_zone: Option<Spanned<String>>,
    start: Spanned<Datetime>,
    end: Spanned<Datetime>,
    stenography: Option<Spanned<bool>>,
    no_recording_reason: Option<Spanned<String>>,
    finalised: Option<Spanned<Datetime>>,
    verdict_in_force: Option<Spanned<Datetime>>,
    #[serde(default)]
    appearance: Vec<Spanned<RawAppearance>>,
    #[serde(default, rename = "break")]
    breaks: Vec<Spanned<RawBreak>>,
    #[serde(default, rename = "failure")]
    failures: Vec<Spanned<RawFailure>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAppearance {
    role: Spanned<String>,
    name: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBreak {
    from: Spanned<Datetime>,
    to: Spanned<Datetime>,
    kind: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFailure {
    from: Spanned<Datetime>,
    to: Spanned<Datetime>,
    reason: Spanned<String>,
    #[serde(default)]
    act_signed_by: Option<Spanned<Vec<String>>>,
}

/// One person who appeared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Appearance {
    /// Party, representative, witness, expert, specialist, interpreter, …
    pub role: String,
    /// Name.
    pub name: String,
}

/// What a declared stretch without recording is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakKind {
    /// A break in the hearing.
    Break,
    /// The hearing was adjourned.
    Adjournment,
    /// The bench withdrew to deliberate.
    Deliberation,
}

impl BreakKind {
    /// Its name in the record.
    pub const fn as_str(self) -> &'static str {
        match self {
            BreakKind::Break => "break",
            BreakKind::Adjournment => "adjournment",
            BreakKind::Deliberation => "deliberation",
        }
    }

    /// The kind named `name` exactly; `None` for any other text.
    pub fn parse(name: &str) -> Option<BreakKind> {
        [
            BreakKind::Break,
            BreakKind::Adjournment,
            BreakKind::Deliberation,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

impl std::fmt::Display for BreakKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A declared break, adjournment or deliberation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Break {
    /// Start.
    #[serde(with = "time::serde::rfc3339")]
    pub from: OffsetDateTime,
    /// End.
    #[serde(with = "time::serde::rfc3339")]
    pub to: OffsetDateTime,
    /// Break, adjournment or deliberation.
    pub kind: BreakKind,
    /// Line in the record file (TOML), 0 when not known (JSON).
    pub line: usize,
    /// Position among the record's breaks, from 1.
    pub index: usize,
}

impl Break {
    /// Where it is in the record, for messages.
    pub fn place(&self) -> String {
        place(self.line, "break", self.index)
    }
}

/// `line N` when the line is known (TOML), else `what[index]` (JSON).
fn place(line: usize, what: &str, index: usize) -> String {
    if line > 0 {
        format!("line {line}")
    } else {
        format!("{what}[{index}]")
    }
}

/// A declared recording failure and who signed its act.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    /// Start.
    #[serde(with = "time::serde::rfc3339")]
    pub from: OffsetDateTime,
    /// End.
    #[serde(with = "time::serde::rfc3339")]
    pub to: OffsetDateTime,
    /// Why.
    pub reason: String,
    /// Who signed the act (empty: no act).
    pub act_signed_by: Vec<String>,
    /// Line in the record file (TOML), 0 when not known (JSON).
    pub line: usize,
    /// Position among the record's failures, from 1.
    pub index: usize,
}

impl Failure {
    /// Where it is in the record, for messages.
    pub fn place(&self) -> String {
        place(self.line, "failure", self.index)
    }
}

/// A validated short-form record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShortFormRecord {
    /// Court.
    pub court: String,
    /// Courtroom.
    pub courtroom: Option<String>,
    /// Case number.
    pub case: String,
    /// Case title.
    pub case_title: Option<String>,
    /// Judge.
    pub judge: String,
    /// Secretary.
    pub secretary: String,
    /// Place.
    pub place: Option<String>,
    /// The court's IANA time zone (`Asia/Almaty`), when the record names it;
    /// every offset in the record is then checked against it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Session start.
    #[serde(with = "time::serde::rfc3339")]
    pub start: OffsetDateTime,
    /// Session end.
    #[serde(with = "time::serde::rfc3339")]
    pub end: OffsetDateTime,
    /// Whether stenography was used.
    pub stenography: Option<bool>,
    /// Why no recording was made at all, if so.
    pub no_recording_reason: Option<String>,
    /// Date the record was finalised (YYYY-MM-DD).
    pub finalised: Option<String>,
    /// Date the verdict entered into force (YYYY-MM-DD).
    pub verdict_in_force: Option<String>,
    /// Who appeared.
    pub appearances: Vec<Appearance>,
    /// Declared breaks.
    pub breaks: Vec<Break>,
    /// Declared failures.
    pub failures: Vec<Failure>,
}

/// One problem in a record file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordError {
    /// The field (`start`, `break[2].to`, …), when known.
    pub field: String,
    /// Line number, from 1, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}: {}", self.field, self.message),
            None => write!(f, "{}: {}", self.field, self.message),
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

/// Parses and validates a record: TOML, or JSON when the text starts with `{`.
/// Returns every problem found.
pub fn parse(text: &str) -> Result<ShortFormRecord, Vec<RecordError>> {
    if text.trim_start().starts_with('{') {
        let toml_text = json_to_toml(text).map_err(|e| vec![e])?;
        // Lines refer to the converted text; for JSON only the field is named.
        let mut r = parse_toml(&toml_text).map_err(|errs| {
            errs.into_iter()
                .map(|e| RecordError { line: None, ..e })
                .collect::<Vec<_>>()
        })?;
        // Lines of the internal TOML form mean nothing in the JSON file.
        r.breaks.iter_mut().for_each(|b| b.line = 0);
        r.failures.iter_mut().for_each(|f| f.line = 0);
        return Ok(r);
    }
    parse_toml(text)
}

const TIME_FIELDS: [&str; 6] = [
    "start",
    "end",
    "from",
    "to",
    "finalised",
    "verdict_in_force",
];

fn json_to_toml(text: &str) -> Result<String, RecordError> {
    let bad = |message: String| RecordError {
        field: "(file)".into(),
        line: None,
        message,
    };
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
    fn conv(key: &str, v: &serde_json::Value) -> Result<toml::Value, String> {
        Ok(match v {
            serde_json::Value::Null => {
                return Err(format!("{key}: null is not allowed; leave the field out"))
            }
            serde_json::Value::Bool(b) => toml::Value::Boolean(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => toml::Value::Integer(i),
                None => toml::Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) if TIME_FIELDS.contains(&key) => {
                match s.parse::<Datetime>() {
                    Ok(d) => toml::Value::Datetime(d),
                    Err(_) => toml::Value::String(s.clone()),
                }
            }
            serde_json::Value::String(s) => toml::Value::String(s.clone()),
            serde_json::Value::Array(a) => {
                toml::Value::Array(a.iter().map(|x| conv(key, x)).collect::<Result<_, _>>()?)
            }
            serde_json::Value::Object(o) => toml::Value::Table(
                o.iter()
                    .map(|(k, x)| Ok((k.clone(), conv(k, x)?)))
                    .collect::<Result<_, String>>()?,
            ),
        })
    }
    let t = conv("", &v).map_err(bad)?;
    toml::to_string(&t).map_err(|e| bad(e.to_string()))
}

fn parse_toml(text: &str) -> Result<ShortFormRecord, Vec<RecordError>> {
    let raw: Raw = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        // Some parse errors carry no message of their own (e.g. a NUL byte).
        let msg = match e.message().trim() {
            "" => {
                "not valid TOML here (a control character, or text that is not a key = value line)"
                    .to_owned()
            }
            m => m.to_owned(),
        };
        let field = msg
            .split('`')
            .nth(1)
            .filter(|_| msg.starts_with("unknown field") || msg.starts_with("missing field"))
            .unwrap_or("(file)")
            .to_owned();
        // A key written as '' has an empty name.
        let field = if field.is_empty() {
            "(empty key)".to_owned()
        } else {
            field
        };
        let (field, line, message) = for_a_person(text, field, line, &msg);
        vec![RecordError {
            field,
            line,
            message,
        }]
    })?;
    let mut errs = Vec::new();
    let mut err = |field: &str, span: std::ops::Range<usize>, message: String| {
        errs.push(RecordError {
            field: field.to_owned(),
            line: Some(line_of(text, span.start)),
            message,
        });
    };
    let mut time = |field: &str, v: &Spanned<Datetime>| -> Option<OffsetDateTime> {
        match to_time(v.get_ref()) {
            Ok(t) => Some(t),
            Err(m) => {
                err(field, v.span(), m);
                None
            }
        }
    };
    let start = time("start", &raw.start);
    let end = time("end", &raw.end);
    let mut breaks = Vec::new();
    for (i, b) in raw.breaks.iter().enumerate() {
        let b = b.get_ref();
        let (from, to) = (
            time(&format!("break[{}].from", i + 1), &b.from),
            time(&format!("break[{}].to", i + 1), &b.to),
        );
        if let (Some(from), Some(to)) = (from, to) {
            breaks.push((i, from, to, b));
        }
    }
    let mut failures = Vec::new();
    for (i, f) in raw.failures.iter().enumerate() {
        let fr = f.get_ref();
        let (from, to) = (
            time(&format!("failure[{}].from", i + 1), &fr.from),
            time(&format!("failure[{}].to", i + 1), &fr.to),
        );
        if let (Some(from), Some(to)) = (from, to) {
            failures.push((i, from, to, fr, f.span()));
        }
    }
    let date = |field: &str,
                v: &Option<Spanned<Datetime>>,
                errs: &mut Vec<RecordError>|
     -> Option<String> {
        let v = v.as_ref()?;
        let d = v.get_ref();
        match (d.date, d.time) {
            (Some(date), None) => Some(date.to_string()),
            _ => {
                errs.push(RecordError {
                    field: field.into(),
                    line: Some(line_of(text, v.span().start)),
                    message: "must be a date, YYYY-MM-DD".into(),
                });
                None
            }
        }
    };
    let finalised = date("finalised", &raw.finalised, &mut errs);
    let verdict_in_force = date("verdict_in_force", &raw.verdict_in_force, &mut errs);
    let at = |span: std::ops::Range<usize>| Some(line_of(text, span.start));
    for (name, v) in [
        ("court", &raw.court),
        ("case", &raw.case),
        ("judge", &raw.judge),
        ("secretary", &raw.secretary),
    ] {
        if v.get_ref().trim().is_empty() {
            errs.push(RecordError {
                field: name.into(),
                line: at(v.span()),
                message: "must not be empty".into(),
            });
        }
    }
    if let (Some(s), Some(e)) = (start, end) {
        if e <= s {
            errs.push(RecordError {
                field: "end".into(),
                line: at(raw.end.span()),
                message: format!(
                    "the session ends ({}) before it starts ({})",
                    show(e),
                    show(s)
                ),
            });
        }
        for (i, from, to, b) in &breaks {
            let f = format!("break[{}]", i + 1);
            if to <= from {
                errs.push(RecordError {
                    field: format!("{f}.to"),
                    line: at(b.to.span()),
                    message: "ends before it starts".into(),
                });
            }
            if *from < s || *to > e {
                errs.push(RecordError {
                    field: f.clone(),
                    line: at(b.from.span()),
                    message: format!(
                        "{} to {} is outside the session ({} to {})",
                        show(*from),
                        show(*to),
                        show(s),
                        show(e)
                    ),
                });
            }
            if BreakKind::parse(b.kind.get_ref()).is_none() {
                errs.push(RecordError {
                    field: format!("{f}.kind"),
                    line: at(b.kind.span()),
                    message: format!(
                        "{:?} is not break, adjournment or deliberation",
                        b.kind.get_ref()
                    ),
                });
            }
        }
        for (i, from, to, fr, span) in &failures {
            let f = format!("failure[{}]", i + 1);
            if to <= from {
                errs.push(RecordError {
                    field: format!("{f}.to"),
                    line: at(fr.to.span()),
                    message: "ends before it starts".into(),
                });
            }
            if *from < s || *to > e {
                errs.push(RecordError {
                    field: f.clone(),
                    line: at(span.clone()),
                    message: format!(
                        "{} to {} is outside the session ({} to {})",
                        show(*from),
                        show(*to),
                        show(s),
                        show(e)
                    ),
                });
            }
        }
    }
    // Placeholders left from the template.
    let mut strings: Vec<(String, &Spanned<String>)> = vec![
        ("court".into(), &raw.court),
        ("case".into(), &raw.case),
        ("judge".into(), &raw.judge),
        ("secretary".into(), &raw.secretary),
    ];
    for (name, v) in [
        ("courtroom", &raw.courtroom),
        ("case_title", &raw.case_title),
        ("place", &raw.place),
        ("time_zone", &raw.time_zone),
        ("no_recording_reason", &raw.no_recording_reason),
    ] {
        if let Some(v) = v {
            strings.push((name.into(), v));
        }
    }
    for (i, a) in raw.appearance.iter().enumerate() {
        let a = a.get_ref();
        strings.push((format!("appearance[{}].role", i + 1), &a.role));
        strings.push((format!("appearance[{}].name", i + 1), &a.name));
    }
    for (i, f) in raw.failures.iter().enumerate() {
        strings.push((format!("failure[{}].reason", i + 1), &f.get_ref().reason));
    }
    for (name, v) in strings {
        if is_placeholder(v.get_ref()) {
            errs.push(RecordError {
                field: name,
                line: at(v.span()),
                message: format!(
                    "{:?} is the template's placeholder; replace it with the real value",
                    v.get_ref()
                ),
            });
        }
    }
    for (i, f) in raw.failures.iter().enumerate() {
        if let Some(by) = &f.get_ref().act_signed_by {
            if by.get_ref().iter().any(|n| is_placeholder(n)) {
                errs.push(RecordError {
                    field: format!("failure[{}].act_signed_by", i + 1),
                    line: at(by.span()),
                    message: "holds the template's placeholder <name>; write who signed the act"
                        .into(),
                });
            }
        }
    }
    // The court's zone: every offset must be the zone's on that date.
    let zone = match &raw.time_zone {
        Some(v) if !is_placeholder(v.get_ref()) => match crate::zone::CourtZone::new(v.get_ref()) {
            Ok(z) => Some(z),
            Err(e) => {
                errs.push(RecordError {
                    field: "time_zone".into(),
                    line: at(v.span()),
                    message: e.to_string(),
                });
                None
            }
        },
        _ => None,
    };
    if let Some(z) = &zone {
        let mut timed: Vec<(String, &Spanned<Datetime>)> =
            vec![("start".into(), &raw.start), ("end".into(), &raw.end)];
        for (i, b) in raw.breaks.iter().enumerate() {
            timed.push((format!("break[{}].from", i + 1), &b.get_ref().from));
            timed.push((format!("break[{}].to", i + 1), &b.get_ref().to));
        }
        for (i, f) in raw.failures.iter().enumerate() {
            timed.push((format!("failure[{}].from", i + 1), &f.get_ref().from));
            timed.push((format!("failure[{}].to", i + 1), &f.get_ref().to));
        }
        for (name, v) in timed {
            if let Ok(t) = to_time(v.get_ref()) {
                if let Err(m) = z.check(t) {
                    errs.push(RecordError {
                        field: name,
                        line: at(v.span()),
                        message: m.to_string(),
                    });
                }
            }
        }
    }
    // Dates the record gives cannot be before the hearing.
    if let Some(s) = start {
        for (name, d, v) in [
            ("finalised", &finalised, &raw.finalised),
            ("verdict_in_force", &verdict_in_force, &raw.verdict_in_force),
        ] {
            let (Some(d), Some(v)) = (d, v) else { continue };
            if d.as_str() < s.date().to_string().as_str() {
                errs.push(RecordError {
                    field: name.into(),
                    line: at(v.span()),
                    message: format!(
                        "{d} is before the hearing ({}); a record is finalised, and a verdict enters into force, on or after the day of the session",
                        s.date()
                    ),
                });
            }
        }
    }
    let mut sorted: Vec<_> = breaks.iter().collect();
    sorted.sort_by_key(|b| b.1);
    for w in sorted.windows(2) {
        let (a, b) = (w[0], w[1]);
        if b.1 < a.2 {
            errs.push(RecordError {
                field: format!("break[{}]", b.0 + 1),
                line: at(b.3.from.span()),
                message: format!(
                    "overlaps break[{}] ({} to {})",
                    a.0 + 1,
                    show(a.1),
                    show(a.2)
                ),
            });
        }
    }
    if !errs.is_empty() {
        errs.sort_by_key(|e| e.line);
        return Err(errs);
    }
    let (Some(start), Some(end)) = (start, end) else {
        return Err(errs); // not reached: `time` records why either is missing
    };
    let s = |v: &Option<Spanned<String>>| v.as_ref().map(|x| x.get_ref().clone());
    Ok(ShortFormRecord {
        court: raw.court.into_inner(),
        courtroom: s(&raw.courtroom),
        case: raw.case.into_inner(),
        case_title: s(&raw.case_title),
        judge: raw.judge.into_inner(),
        secretary: raw.secretary.into_inner(),
        place: s(&raw.place),
        time_zone: zone.as_ref().map(|z| z.name().to_owned()),
        start,
        end,
        stenography: raw.stenography.map(Spanned::into_inner),
        no_recording_reason: s(&raw.no_recording_reason),
        finalised,
        verdict_in_force,
        appearances: raw
            .appearance
            .into_iter()
            .map(|a| {
                let a = a.into_inner();
                Appearance {
                    role: a.role.into_inner(),
                    name: a.name.into_inner(),
                }
            })
            .collect(),
        breaks: breaks
            .into_iter()
            .map(|(i, from, to, b)| Break {
                from,
                to,
                // Checked above: a record with any other kind is refused.
                kind: BreakKind::parse(b.kind.get_ref()).unwrap_or(BreakKind::Break),
                line: line_of(text, b.from.span().start),
                index: i + 1,
            })
            .collect(),
        failures: failures
            .into_iter()
            .map(|(i, from, to, f, _)| Failure {
                from,
                to,
                reason: f.reason.get_ref().clone(),
                act_signed_by: f
                    .act_signed_by
                    .as_ref()
                    .map(|a| a.get_ref().clone())
                    .unwrap_or_default(),
                line: line_of(text, f.from.span().start),
                index: i + 1,
            })
            .collect(),
    })
}

/// A value left as the template wrote it: `<...>`.
fn is_placeholder(s: &str) -> bool {
    let t = s.trim();
    t.starts_with('<') && t.ends_with('>')
}

/// The value written on line `line` (1-based) after its `=`, trimmed.
fn value_on_line(text: &str, line: usize) -> Option<(&str, &str)> {
    let l = text.lines().nth(line.checked_sub(1)?)?;
    let (k, v) = l.split_once('=')?;
    let v = v.split(" #").next().unwrap_or(v).trim();
    Some((k.trim(), v))
}

/// `DD.MM.YYYY` or `DD/MM/YYYY` as `YYYY-MM-DD`.
fn day_first_date(v: &str) -> Option<String> {
    let v = v.trim_matches('"');
    let parts: Vec<&str> = v.split(['.', '/']).collect();
    if parts.len() != 3
        || !parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let (d, m, y) = (parts[0], parts[1], parts[2]);
    if y.len() != 4 || d.len() > 2 || m.len() > 2 {
        return None;
    }
    Some(format!("{y}-{m:0>2}-{d:0>2}"))
}

/// Rewords a TOML or type error for the person who wrote the record: what
/// was written, and what to write instead.
fn for_a_person(
    text: &str,
    field: String,
    line: Option<usize>,
    msg: &str,
) -> (String, Option<usize>, String) {
    let plain = msg.replace('`', "'");
    // A missing field: toml points at the enclosing table (line 1 for the
    // top level); say where to add it instead of blaming line 1.
    if let Some(name) = msg
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next())
    {
        let what = if TIME_FIELDS.contains(&name) {
            format!("{name} = 2026-11-20T10:00:00+05:00 (with the court's offset, no quotes)")
        } else {
            format!("{name} = \"...\"")
        };
        let table_line = line.filter(|&l| {
            l > 1
                || text
                    .lines()
                    .next()
                    .is_some_and(|f| f.trim_start().starts_with('['))
        });
        return (
            name.to_owned(),
            table_line,
            match table_line {
                Some(_) => format!("this table has no {name}; add a line {what}"),
                None => format!(
                    "the record has no {name}; add a line {what} before the first [[...]] table"
                ),
            },
        );
    }
    let Some(l) = line else {
        return (field, line, plain);
    };
    let Some((key, value)) = value_on_line(text, l) else {
        return (field, line, plain);
    };
    let key = key.to_owned();
    if let Some(iso) = day_first_date(value) {
        return (
            key,
            line,
            format!(
                "{value} is not a date courtseal reads; write {iso} (YEAR-MONTH-DAY, no quotes)"
            ),
        );
    }
    let quoted = value.len() >= 2 && value.starts_with('"') && value.ends_with('"');
    if quoted && msg.contains("invalid type: string") {
        let inner = &value[1..value.len() - 1];
        if is_placeholder(inner) {
            return (
                key,
                line,
                format!("{value} is the template's placeholder; replace it with the real time, without quotes, e.g. {} = 2026-11-20T10:00:00+05:00", l_key(text, l)),
            );
        }
        if inner.parse::<Datetime>().is_ok() {
            return (
                key,
                line,
                format!("{value} is quoted, so it is text, not a time; write it without the quotes: {inner}"),
            );
        }
        return (
            key,
            line,
            format!("{value} is not a time; write YYYY-MM-DDTHH:MM:SS with the offset, without quotes, e.g. 2026-11-20T10:00:00+05:00"),
        );
    }
    if msg.contains("expected newline") || msg.contains("invalid") {
        return (
            key,
            line,
            format!("{plain} (written: {value}; text goes in \"quotes\", times as 2026-11-20T10:00:00+05:00, dates as 2026-11-21)"),
        );
    }
    (field, line, plain)
}

fn l_key(text: &str, line: usize) -> String {
    value_on_line(text, line).map_or_else(String::new, |(k, _)| k.to_owned())
}

fn show(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A TOML datetime with date, time and offset, as a point in time.
fn to_time(d: &Datetime) -> Result<OffsetDateTime, String> {
    let (Some(date), Some(tm)) = (d.date, d.time) else {
        return Err(format!("{d} is not a date and time"));
    };
    let Some(offset) = d.offset else {
        return Err(format!(
            "{d} has no time zone offset (write e.g. {d}+06:00 or {d}Z)"
        ));
    };
    let minutes = match offset {
        toml::value::Offset::Z => 0i32,
        toml::value::Offset::Custom { minutes } => i32::from(minutes),
    };
    let off = time::UtcOffset::from_whole_seconds(minutes * 60)
        .map_err(|_| format!("{d}: bad time zone offset"))?;
    let month = time::Month::try_from(date.month).map_err(|_| format!("{d}: bad month"))?;
    let date = time::Date::from_calendar_date(i32::from(date.year), month, date.day)
        .map_err(|e| format!("{d}: {e}"))?;
    let t = time::Time::from_hms_nano(tm.hour, tm.minute, tm.second, tm.nanosecond)
        .map_err(|e| format!("{d}: {e}"))?;
    Ok(time::PrimitiveDateTime::new(date, t).assume_offset(off))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Regression (found by the record_parse fuzz target): a parse error
    // with no message of its own must still say what is wrong.
    #[test]
    fn every_error_names_a_field_and_says_something() {
        let errs = parse("# a record\n\0\0 court").unwrap_err();
        assert!(
            errs.iter()
                .all(|e| !e.field.is_empty() && !e.message.is_empty()),
            "{errs:?}"
        );
    }

    #[test]
    fn the_unedited_template_is_refused() {
        let errs = parse(TEMPLATE).unwrap_err();
        assert!(
            errs.iter().all(|e| e.message.contains("placeholder")),
            "{errs:?}"
        );
    }
}

#[cfg(test)]
mod regressions {
    // Regression (second record_parse fuzz finding): a key written as ''
    // is reported by that description, not as an empty field name.
    #[test]
    fn an_empty_key_is_named() {
        let errs = super::parse("''=''''='%''''").unwrap_err();
        assert!(
            errs.iter()
                .all(|e| !e.field.is_empty() && !e.message.is_empty()),
            "{errs:?}"
        );
    }
}
