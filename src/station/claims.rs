//! How a station uses claims (see `store/claims.rs`): before it creates a waybill, prints or
//! ships an order it claims it; an order another station holds is skipped (a batch comes back
//! to it, and reports it done there when that station finished it); a lease is renewed by a
//! heartbeat while the work runs and released when it is done. A station that dies stops
//! renewing, and its orders are free for the others when the lease ends.

use std::time::Duration;

use super::{Station, StationError};
use crate::store::{lease_ms, Claim, ClaimOutcome, ClaimPurpose};
use crate::wechat::OrderId;

/// Renews this process's claims every third of the lease while it lives; dropped, it stops
/// (the claims it renewed are released by their owners, or lapse with the lease).
pub(crate) struct Heartbeat {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// How often a station asks again for orders another station holds.
pub(crate) fn poll_interval() -> Duration {
    Duration::from_millis((lease_ms() / 4).clamp(100, 1_000))
}

impl Station {
    /// Starts renewing this process's claims (every lease / 3). A renewal that fails (the
    /// database is away) is logged and tried again at the next beat; a lease that lapses
    /// meanwhile lets another station take the order, which then re-reads the journal before
    /// doing anything.
    pub(crate) fn heartbeat(&self) -> Heartbeat {
        let journal = self.journal.clone();
        let holder = self.holder.clone();
        let lease = lease_ms();
        let task = tokio::spawn(async move {
            let beat = Duration::from_millis((lease / 3).max(100));
            loop {
                tokio::time::sleep(beat).await;
                if let Err(e) = journal.renew_claims(&holder, lease).await {
                    tracing::warn!(error = %e, "claims not renewed; trying again at the next beat");
                }
            }
        });
        Heartbeat { task }
    }

    /// Claims `orders` for `purpose` (at most `limit` of the free ones).
    pub(crate) async fn claim(
        &self,
        purpose: ClaimPurpose,
        orders: &[OrderId],
        limit: Option<usize>,
    ) -> Result<ClaimOutcome, StationError> {
        Ok(self
            .journal
            .claim_orders(&self.holder, purpose, orders, limit, lease_ms())
            .await?)
    }

    /// Gives up this process's claims on `orders`. A failure is logged only: the claims lapse
    /// with the lease.
    pub(crate) async fn release(&self, orders: &[OrderId]) {
        if orders.is_empty() {
            return;
        }
        if let Err(e) = self
            .journal
            .release_claims(&self.holder, Some(orders))
            .await
        {
            tracing::warn!(error = %e, orders = orders.len(), "claims not released; they lapse with the lease");
        }
    }

    /// Claims one order, waiting while another station holds it: up to the end of its lease
    /// plus one lease more (a station that works on it renews; one that died lets it lapse).
    /// Still held then: [`StationError::HeldElsewhere`].
    pub(crate) async fn claim_one_waiting(
        &self,
        purpose: ClaimPurpose,
        order_id: OrderId,
    ) -> Result<(), StationError> {
        let started = std::time::Instant::now();
        let give_up = Duration::from_millis(lease_ms().saturating_mul(2));
        let mut told = false;
        loop {
            let outcome = self.claim(purpose, &[order_id], None).await?;
            if !outcome.claimed.is_empty() {
                return Ok(());
            }
            let Some(claim) = outcome.held.into_iter().next() else {
                // Neither claimed nor held: the other's claim ended between the two reads.
                continue;
            };
            if started.elapsed() >= give_up {
                return Err(StationError::HeldElsewhere(Box::new(claim)));
            }
            if !told {
                tracing::info!(%order_id, "{}; waiting for it", claim.held_by());
                told = true;
            }
            tokio::time::sleep(poll_interval()).await;
        }
    }
}

/// The claim's words for a held order, in the session's language.
pub fn held_text(claim: &Claim, lang: crate::wechat::Lang) -> String {
    match lang {
        crate::wechat::Lang::ZhCn => claim.held_by_zh(),
        crate::wechat::Lang::En => claim.held_by(),
    }
}
