//! `courtseal event`: an operator's signed event, handed to the session
//! through the inbox protocol ([`courtseal::inbox`]).

use anyhow::{anyhow, bail, Result};
use time::OffsetDateTime;

use courtseal::inbox::{self, Delivered};
use courtseal::{event, keys, session};

use super::Done;
use crate::config::{EventAt, EventConfig};
use crate::exit;

/// Signs the event with the operator's key and delivers it.
pub fn run(c: &EventConfig) -> Result<Done> {
    let operator = keys::load_signer(&c.key)?;
    let recorder = c
        .recorder_key
        .as_deref()
        .map(keys::load_signer)
        .transpose()?;
    let origin = session::origin_of(&c.session)?;
    let at = stated_time(c)?;
    let ev = event::make_event(&operator, &origin, &c.kind, &at, &c.reason)?;
    let out = match inbox::deliver_event(&c.session, ev, recorder.as_ref(), c.wait.duration())? {
        Delivered::Appended { event, checkpoint } => {
            let mut out = format!(
                "event {} by {} at {} appended (sealed at {})\n",
                event.event,
                operator.name(),
                event.at,
                event.sealed_at
            );
            match (&recorder, checkpoint) {
                (Some(_), Some(cp)) => {
                    out.push_str(&format!("checkpoint signed: {} entries\n", cp.size));
                }
                (Some(_), None) => {}
                (None, _) => out.push_str(
                    "no sealing service is running: the next 'courtseal seal' signs a checkpoint over it\n",
                ),
            }
            out
        }
        Delivered::TakenByService { event } => format!(
            "event {} by {} at {} sealed by the running service\n",
            event.event,
            operator.name(),
            event.at
        ),
    };
    Ok(Done::new(out, exit::OK))
}

/// How far from now a stated time may be before `--force` is needed.
const NEAR: time::Duration = time::Duration::minutes(10);

/// The session's record file, parsed, when it has one that parses.
fn session_record(session: &std::path::Path) -> Option<courtseal::record::ShortFormRecord> {
    let (_, text) = courtseal::store::layout::read_record(session).ok()??;
    courtseal::record::parse(&text).ok()
}

/// The time the event states, in the UTC form of log entries: a clock time
/// is read on the session's date in the court's zone. A time far from now
/// or outside the session's record is signed only with `--force`, since an
/// operator's mistaken time, once sealed, is there for good.
fn stated_time(c: &EventConfig) -> Result<String> {
    let record = session_record(&c.session);
    let zone = crate::output::text::named_zone();
    let t = match &c.at {
        EventAt::Now(s) => return Ok(s.clone()),
        EventAt::Utc(s) => courtseal::time::UtcTime::parse(s)?,
        EventAt::Clock(h, m, s) => {
            let z = zone.as_ref().ok_or_else(|| {
                anyhow!(
                    "--at {h:02}:{m:02}: a clock time needs the court's time zone, and neither --tz nor the session's record (time_zone) names one; give --tz ZONE, or the full time with its offset (e.g. 2026-11-20T{h:02}:{m:02}:00+05:00)"
                )
            })?;
            let date = match &record {
                Some(r) => z.local_date(courtseal::time::UtcTime::from(r.start)),
                None => z.local_date(courtseal::time::UtcTime::from(c.now)),
            };
            z.at_clock(date, *h, *m, *s)
                .map_err(|e| anyhow!("--at: {e}"))?
        }
    };
    let shown = |x: courtseal::time::UtcTime| crate::output::text::zone().local(x);
    let ti: OffsetDateTime = t.instant();
    if !c.force {
        let off = (ti - c.now).abs();
        if off > NEAR {
            bail!(
                "--at {} is {} from now ({}); an event states when the action happened, and a wrong time cannot be taken back once sealed: check it, and add --force to sign it anyway",
                shown(t),
                human(off),
                shown(courtseal::time::UtcTime::from(c.now))
            );
        }
        if let Some(r) = &record {
            if ti < r.start || ti > r.end {
                bail!(
                    "--at {} is outside the session in its record ({} to {}): check it, and add --force to sign it anyway",
                    shown(t),
                    shown(courtseal::time::UtcTime::from(r.start)),
                    shown(courtseal::time::UtcTime::from(r.end))
                );
            }
        }
    }
    Ok(t.to_string())
}

/// `3 h 12 min`, `25 min`.
fn human(d: time::Duration) -> String {
    let m = d.whole_minutes();
    if m >= 60 {
        format!("{} h {} min", m / 60, m % 60)
    } else {
        format!("{m} min")
    }
}
