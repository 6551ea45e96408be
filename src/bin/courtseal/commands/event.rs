//! `courtseal event`: an operator's signed event, handed to the session
//! through the inbox protocol ([`courtseal::inbox`]).

use anyhow::Result;

use courtseal::inbox::{self, Delivered};
use courtseal::{event, keys, session};

use super::Done;
use crate::config::EventConfig;
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
    let ev = event::make_event(&operator, &origin, &c.kind, &c.at, &c.reason)?;
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
