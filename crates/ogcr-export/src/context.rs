//! What the derivation of one page needs: the deployment, its ids, the configuration, the
//! PDD facts of the projects on the page, and the warning sink.

use std::{collections::HashMap, sync::Arc};

use ogcr_core::documents::pdd::ProjectType;
use ogcr_store::{Project, export::ExportMeta};

use crate::{
    ExportConfig, Exporter, Result, Warning,
    ids::Ids,
    memo::Memo,
    pdd::{self, Missing, PddFacts},
    spec::spec,
};

/// A project and the facts of its verified PDD, when there is one.
#[derive(Debug, Clone)]
pub(crate) struct ProjectInfo {
    pub(crate) project: Project,
    pub(crate) pdd: Option<Arc<PddFacts>>,
}

impl ProjectInfo {
    pub(crate) fn id(&self) -> &str {
        &self.project.project_id
    }

    pub(crate) fn project_type(&self) -> Option<ProjectType> {
        self.pdd.as_ref().map(|p| p.project_type)
    }
}

/// Where a project is, as exported.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Place {
    /// `locationCountry`.
    pub(crate) country: String,
    /// `locationRegion`.
    pub(crate) region: Option<String>,
    /// `locationGis`: "lat, lon".
    pub(crate) gis: Option<String>,
}

/// The context of one export call.
pub(crate) struct Ctx<'a> {
    pub(crate) ex: &'a Exporter,
    pub(crate) meta: ExportMeta,
    pub(crate) ids: Ids,
    /// The data revision read when the call started.
    revision: i64,
    /// The PDDs of the current page that are not in the exporter's cache (the cache full, or
    /// no verified PDD), so a page reads each document once.
    page: HashMap<String, std::result::Result<Arc<PddFacts>, Missing>>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(ex: &'a Exporter, meta: ExportMeta, revision: i64) -> Self {
        Ctx {
            revision,
            ids: Ids::new(&meta.chain),
            ex,
            meta,
            page: HashMap::new(),
        }
    }

    pub(crate) fn cfg(&self) -> &'a ExportConfig {
        &self.ex.config
    }

    /// Runs `f` on the exporter's values of this call's data revision (`None` if a panic
    /// poisoned them).
    pub(crate) fn memo<T>(&self, f: impl FnOnce(&mut Memo) -> T) -> Option<T> {
        let mut m = self.ex.memo.lock().ok()?;
        Some(f(m.at(self.revision)))
    }

    /// Forgets the current page's documents (between pages of a stream).
    pub(crate) fn clear(&mut self) {
        self.page.clear();
    }

    /// Records a warning; an error in strict mode.
    pub(crate) fn warn(
        &self,
        table: &str,
        subject: &str,
        message: String,
        config_key: Option<String>,
    ) -> Result<()> {
        self.ex.warn(Warning {
            table: table.to_owned(),
            subject: subject.to_owned(),
            message,
            config_key,
        })
    }

    /// Warns (names `key`, the configuration key) when a configured `value` of `subject` is not
    /// in `picklist`.
    pub(crate) fn check_picklist(
        &self,
        table: &str,
        subject: &str,
        picklist: &str,
        value: &str,
        key: &str,
    ) -> Result<()> {
        if spec().allows(picklist, value) {
            return Ok(());
        }
        self.warn(
            table,
            subject,
            format!("configured value {value:?} is not in the {picklist} picklist"),
            Some(key.to_owned()),
        )
    }

    /// The org uid of every record.
    pub(crate) fn org_uid(&self) -> String {
        self.cfg().org_uid.clone().unwrap_or_else(|| self.ids.org())
    }

    /// Block time of the deployment's first event.
    pub(crate) fn deployed_at(&self) -> i64 {
        self.meta.first_event_at.unwrap_or(0)
    }

    /// Reads, in one store query, the verified PDDs of these projects that are neither in the
    /// exporter's cache nor already read for this page.
    pub(crate) async fn prefetch<'p>(
        &mut self,
        projects: impl IntoIterator<Item = &'p Project>,
    ) -> Result<()> {
        let mut wanted: Vec<String> = projects
            .into_iter()
            .map(|p| &p.pdd_hash)
            .filter(|h| !self.page.contains_key(*h) && self.ex.pdds.get(h).is_none())
            .cloned()
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        wanted.sort();
        wanted.dedup();
        let mut docs = self.ex.store.verified_documents(&wanted).await?;
        for hash in wanted {
            let facts = pdd::parse(docs.remove(&hash).and_then(|d| d.body).as_deref());
            if let Ok(f) = &facts {
                self.ex.pdds.insert(&hash, f);
            }
            self.page.insert(hash, facts);
        }
        Ok(())
    }

    /// The facts of the project's verified PDD; `None` (with a warning) when the indexer has
    /// not verified it or it does not parse. Reads it unless [`Ctx::prefetch`] did.
    pub(crate) async fn pdd(
        &mut self,
        table: &str,
        project: &Project,
    ) -> Result<Option<Arc<PddFacts>>> {
        if let Some(f) = self.ex.pdds.get(&project.pdd_hash) {
            return Ok(Some(f));
        }
        if !self.page.contains_key(&project.pdd_hash) {
            self.prefetch([project]).await?;
        }
        let missing = match self.page.get(&project.pdd_hash) {
            Some(Ok(f)) => return Ok(Some(f.clone())),
            Some(Err(m)) => m.clone(),
            None => Missing::NotVerified,
        };
        let message = match missing {
            Missing::NotVerified => format!(
                "PDD {} ({}) is not verified by the indexer: name, description, type, \
                 methodology and location cannot be read (is the document reachable \
                 by `ogcr index`?)",
                project.pdd_hash, project.pdd_uri
            ),
            Missing::Invalid(e) => format!("PDD {} is not an OGCR PDD: {e}", project.pdd_hash),
        };
        self.warn(table, &project.project_id, message, None)?;
        Ok(None)
    }

    pub(crate) async fn info(&mut self, table: &str, project: Project) -> Result<ProjectInfo> {
        let pdd = self.pdd(table, &project).await?;
        Ok(ProjectInfo { project, pdd })
    }

    /// The project's country (config override, else reverse geocoding of the PDD geometry),
    /// region and representative point.
    pub(crate) fn place(&self, table: &str, info: &ProjectInfo) -> Result<Place> {
        let key = format!("countries.\"{}\"", info.id());
        let located = info.pdd.as_ref().and_then(|p| p.located.as_ref());
        let gis = info.pdd.as_ref().and_then(|p| p.gis.clone());
        let region = located.and_then(|l| l.region.clone());
        if let Some(c) = self.cfg().countries.get(info.id()) {
            if !spec().allows("location_country", c) {
                self.warn(
                    table,
                    info.id(),
                    format!("configured country {c:?} is not in the location_country picklist"),
                    Some(key),
                )?;
            }
            return Ok(Place {
                country: c.clone(),
                region,
                gis,
            });
        }
        let country = match located {
            Some(l) => match l.country {
                Some(c) => c.to_owned(),
                None => {
                    let name = crate::country::display_name(&l.alpha2);
                    self.warn(
                        table,
                        info.id(),
                        format!(
                            "the project lies in {} ({name}), which has no location_country \
                             value",
                            l.alpha2
                        ),
                        Some(key),
                    )?;
                    name
                }
            },
            None => {
                let why = if info.pdd.is_some() {
                    "its PDD geometry lies in no known country"
                } else {
                    "its PDD is not verified"
                };
                self.warn(
                    table,
                    info.id(),
                    format!("country unknown: {why}"),
                    Some(key),
                )?;
                "Unknown".to_owned()
            }
        };
        Ok(Place {
            country,
            region,
            gis,
        })
    }

    /// The accredited body of a validator or verifier address (`kind`: `validation` or
    /// `verification`).
    pub(crate) fn body(&self, table: &str, kind: &str, address: &str) -> Result<String> {
        let picklist = format!("{kind}_body");
        let key = format!("bodies.\"{address}\"");
        match self.cfg().bodies.get(address) {
            Some(b) if spec().allows(&picklist, b) => Ok(b.clone()),
            Some(b) => {
                self.warn(
                    table,
                    address,
                    format!("configured body {b:?} is not in the {picklist} picklist"),
                    Some(key),
                )?;
                Ok(b.clone())
            }
            None => {
                self.warn(
                    table,
                    address,
                    format!(
                        "no {picklist} configured for {address}: the address is exported \
                         instead of an accredited body"
                    ),
                    Some(key),
                )?;
                Ok(address.to_owned())
            }
        }
    }

    /// The developer's name: configured, else the PDD's `actor_id`, else the address.
    pub(crate) fn developer_name(&self, info: &ProjectInfo) -> String {
        let dev = &info.project.developer;
        self.cfg()
            .stakeholders
            .get(dev)
            .cloned()
            .or_else(|| info.pdd.as_ref().map(|p| p.actor_id.clone()))
            .unwrap_or_else(|| dev.clone())
    }

    /// `<base_url><path>`.
    pub(crate) fn link(&self, path: &str) -> String {
        format!("{}{path}", self.cfg().base_url)
    }
}
