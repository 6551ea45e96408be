//! `courtseal close`, through the inbox protocol ([`courtseal::inbox`]).

use anyhow::{bail, Result};

use courtseal::inbox::{self, Closed};
use courtseal::keys;

use super::Done;
use crate::config::CloseConfig;
use crate::exit;

/// Asks the running service to close the session, or closes it with the
/// recorder key when none runs.
pub fn run(c: &CloseConfig) -> Result<Done> {
    let recorder = c.key.as_deref().map(keys::load_signer).transpose()?;
    let shown = c.session.display();
    let out = match inbox::close(&c.session, recorder.as_ref(), c.wait.duration())? {
        Closed::ByService => format!("{shown}: closed by the sealing service\n"),
        Closed::Directly(size) => format!("{shown}: closed ({size} entries)\n"),
        Closed::NoService => bail!(
            "{shown}: no sealing service is running; give --key RECORDER_KEY to close it yourself"
        ),
    };
    Ok(Done::new(out, exit::OK))
}
