//! Politeness per host: at most N requests at once and a minimum spacing between
//! request starts, so that a portal with many configured columns is not hammered.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use url::Url;

struct Host {
    slots: Arc<Semaphore>,
    next_start: tokio::sync::Mutex<Instant>,
}

#[derive(Clone)]
pub struct HostGate {
    hosts: Arc<Mutex<HashMap<String, Arc<Host>>>>,
    per_host: usize,
    spacing: Duration,
}

impl HostGate {
    pub fn new(per_host: usize, spacing: Duration) -> HostGate {
        HostGate {
            hosts: Arc::default(),
            per_host: per_host.max(1),
            spacing,
        }
    }

    /// Wait until `url`'s host has a free slot and its spacing has passed; the returned
    /// permit holds the slot until dropped.
    pub async fn wait_turn(&self, url: &Url) -> Option<OwnedSemaphorePermit> {
        let key = format!(
            "{}:{}",
            url.host_str().unwrap_or(""),
            url.port_or_known_default().unwrap_or(0)
        );
        let host = {
            let mut map = self.hosts.lock().ok()?;
            map.entry(key)
                .or_insert_with(|| {
                    Arc::new(Host {
                        slots: Arc::new(Semaphore::new(self.per_host)),
                        next_start: tokio::sync::Mutex::new(Instant::now()),
                    })
                })
                .clone()
        };
        let permit = host.slots.clone().acquire_owned().await.ok()?;
        if !self.spacing.is_zero() {
            let mut next = host.next_start.lock().await;
            let now = Instant::now();
            let start = (*next).max(now);
            *next = start + self.spacing;
            drop(next);
            tokio::time::sleep_until(start).await;
        }
        Some(permit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_to_one_host_are_spaced() -> Result<(), Box<dyn std::error::Error>> {
        let gate = HostGate::new(4, Duration::from_millis(500));
        let url = Url::parse("http://portal.test/a")?;
        let other = Url::parse("http://other.test/a")?;
        let t0 = Instant::now();
        for _ in 0..3 {
            let _p = gate.wait_turn(&url).await;
        }
        assert_eq!(t0.elapsed(), Duration::from_millis(1000));
        let t1 = Instant::now();
        let _p = gate.wait_turn(&other).await;
        assert_eq!(t1.elapsed(), Duration::ZERO, "other hosts do not wait");
        Ok(())
    }
}
