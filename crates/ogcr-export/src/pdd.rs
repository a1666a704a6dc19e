//! What the export reads from a verified PDD, extracted once per document and kept in a
//! bounded cache shared by every export call of an [`Exporter`](crate::Exporter).
//!
//! A PDD is named by the SHA-256 of its body, which the indexer checks before it marks the
//! document verified: the facts of a hash never change, so they are cached across calls (and
//! across the tables of one export, which read the same projects up to seven times) without
//! any invalidation. Only successes are cached; a document that is not verified yet, or does
//! not parse, is looked up again by the next page that needs it.

use std::{collections::HashMap, sync::Mutex};

use std::sync::Arc;

use ogcr_core::{
    Pdd,
    documents::pdd::{MethodologyReference, ProjectType},
};

use crate::country::{self, Located};

/// Bytes of facts the cache holds at most (about 100 000 typical PDDs). When it is full new
/// documents are parsed for the page that needs them and not kept: a full scan then costs a
/// parse per row, linear still, and the cache never grows past this.
pub(crate) const CACHE_BYTES: usize = 32 << 20;

/// The fields of a verified PDD the CAD Trust and AEF records use, and where it lies.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PddFacts {
    /// `properties.name`.
    pub(crate) name: String,
    /// `properties.description`.
    pub(crate) description: Option<String>,
    /// `properties.project_type`.
    pub(crate) project_type: ProjectType,
    /// `properties.actor_id`.
    pub(crate) actor_id: String,
    /// `properties.methodology`.
    pub(crate) methodology: Option<MethodologyReference>,
    /// `properties.expected_annual_benefit`.
    pub(crate) expected_annual_benefit: Option<f64>,
    /// `properties.project_duration`, unix seconds.
    pub(crate) duration: Option<(i64, i64)>,
    /// The area of the geometry (reverse geocoding).
    pub(crate) located: Option<Located>,
    /// `locationGis`: the representative point, "lat, lon".
    pub(crate) gis: Option<String>,
}

impl PddFacts {
    /// The facts of a parsed PDD (geocodes its geometry).
    pub(crate) fn of(pdd: &Pdd) -> Self {
        let p = &pdd.properties;
        PddFacts {
            name: p.name.clone(),
            description: p.description.clone(),
            project_type: p.project_type,
            actor_id: p.actor_id.clone(),
            methodology: p.methodology.clone(),
            expected_annual_benefit: p.expected_annual_benefit,
            duration: p
                .project_duration
                .as_ref()
                .map(|d| (d.start.timestamp(), d.end.timestamp())),
            located: country::locate(&pdd.geometry),
            gis: country::representative_point(&pdd.geometry)
                .map(|(lon, lat)| format!("{lat:.6}, {lon:.6}")),
        }
    }

    /// Roughly the heap and inline bytes the facts take.
    fn weight(&self) -> usize {
        let s = |o: &Option<String>| o.as_ref().map_or(0, String::len);
        let m = self.methodology.as_ref().map_or(0, |m| {
            m.id.len() + m.version.len() + s(&m.name) + s(&m.category)
        });
        let l = self
            .located
            .as_ref()
            .map_or(0, |l| l.alpha2.len() + s(&l.region));
        std::mem::size_of::<Self>()
            + self.name.len()
            + s(&self.description)
            + self.actor_id.len()
            + m
            + l
            + s(&self.gis)
    }
}

/// Why a project has no PDD facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Missing {
    /// The indexer has not verified the document.
    NotVerified,
    /// The verified body is not an OGCR PDD (the parse error).
    Invalid(String),
}

/// The facts of a verified body, or why there are none.
pub(crate) fn parse(body: Option<&str>) -> Result<Arc<PddFacts>, Missing> {
    let body = body.ok_or(Missing::NotVerified)?;
    serde_json::from_str::<Pdd>(body)
        .map(|p| Arc::new(PddFacts::of(&p)))
        .map_err(|e| Missing::Invalid(e.to_string()))
}

/// Facts by PDD hash, at most [`CACHE_BYTES`] of them.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    facts: HashMap<String, Arc<PddFacts>>,
    bytes: usize,
}

impl Cache {
    /// The cached facts of `hash`.
    pub(crate) fn get(&self, hash: &str) -> Option<Arc<PddFacts>> {
        self.inner.lock().ok()?.facts.get(hash).cloned()
    }

    /// Keeps the facts of `hash` unless the cache is full.
    pub(crate) fn insert(&self, hash: &str, facts: &Arc<PddFacts>) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let weight = facts.weight() + hash.len() + 64;
        if inner.bytes + weight > CACHE_BYTES || inner.facts.contains_key(hash) {
            return;
        }
        inner.bytes += weight;
        inner.facts.insert(hash.to_owned(), facts.clone());
    }

    /// Documents cached.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.inner.lock().map(|i| i.facts.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_that_are_not_pdds_say_why() {
        assert_eq!(parse(None), Err(Missing::NotVerified));
        assert!(matches!(parse(Some("{}")), Err(Missing::Invalid(_))));
    }

    #[test]
    fn the_cache_stops_growing_at_its_budget() {
        let cache = Cache::default();
        let facts = Arc::new(PddFacts {
            name: "x".repeat(1 << 20),
            description: None,
            project_type: ProjectType::Biochar,
            actor_id: String::new(),
            methodology: None,
            expected_annual_benefit: None,
            duration: None,
            located: None,
            gis: None,
        });
        for i in 0..100 {
            cache.insert(&format!("0x{i}"), &facts);
        }
        assert_eq!(cache.len(), 31);
        assert!(cache.get("0x0").is_some());
        assert!(cache.get("0x99").is_none());
    }
}
