//! The broker: a lagging cache of the runtime znode and the V1 freshness / split decision
//! (spec §3.4, RW:176-318, MC:385-437).
//!
//! V1 routing reads only the watermark: every time below it is served from the MV (whatever
//! the bucket's state), everything at or above it from the source table. The MV is
//! eligible when `watermarkMs > 0` and, with a staleness SLO, `now - watermarkMs <=
//! stalenessThresholdMs` (RW:192-214). The cache is fed by ZK watches, so it may lag.
//!
//! With `Config::broker_cache_lag` off (the shipped checker configurations, configs/*.toml) the broker reads the live
//! watermark. That loses no violation of the freshness property: the cached watermark is
//! never above the live one, so a lagging broker calls the MV fresh only if an up-to-date
//! one would too, while the lag would multiply the state space.

use crate::config::Config;
use crate::profile::Mutant;
use crate::world::{Action, World};
use serde::{Deserialize, Serialize};

/// The broker's cached view of the runtime znode (only the watermark is routed on).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BrokerState {
    pub cache_watermark_ms: i64,
}

impl World {
    pub(crate) fn broker_actions(&self, config: &Config, out: &mut Vec<Action>) {
        let stale = if config.profile.has_mutant(Mutant::BrokerCacheLoadsOnce) {
            self.broker.cache_watermark_ms == 0 && self.watermark_ms() != 0
        } else {
            self.broker.cache_watermark_ms != self.watermark_ms()
        };
        if config.broker_cache_lag && stale {
            out.push(Action::BrokerRefreshCache);
        }
    }

    /// The ZK watch delivers the current znode to the cache (MC:385-437).
    pub(crate) fn broker_step(&mut self, _config: &Config) {
        self.broker.cache_watermark_ms = self.watermark_ms();
    }

    /// `isEligible` (RW:192-214) on the cached watermark.
    pub fn broker_calls_mv_fresh(&self, config: &Config) -> bool {
        let watermark_ms = if config.broker_cache_lag {
            self.broker.cache_watermark_ms
        } else {
            self.watermark_ms()
        };
        watermark_ms > 0
            && (config.staleness_threshold_ms <= 0
                || self.now_ms - watermark_ms <= config.staleness_threshold_ms)
    }
}
