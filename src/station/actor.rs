//! Who is recorded as doing things can change while the window is open (Settings).

use super::Station;
use crate::store::Actor;

impl Station {
    /// The same station (same journal, ship locks and courier lists) recording a new station
    /// name and operator from now on.
    pub fn with_actor(mut self, actor: Actor) -> Station {
        self.actor = actor;
        self
    }
}
