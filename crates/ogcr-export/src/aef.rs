//! The Article 6 AEF tables for a host Party and a reporting year (see `CADT.md`).
//!
//! In scope: CRU tokens carrying the Article 6 label and an ITMO reference whose project lies
//! in the Party (the project's `locationCountry`). T2 lists every authorisation (issued
//! Article 6 serial block) granted up to the end of the year, so the actions and holdings of
//! the year always find theirs; T3 the actions of the year; T4 the holdings on 31 December
//! 23:59:59 UTC; T5 one authorised entity per project (its developer); T1 the submission.

use std::{collections::BTreeMap, sync::Arc};

use ogcr_store::{
    Token,
    export::{ActionWindow, Article6Scope, Seek, SplitCut, SplitTree, UnitAction},
};
use serde_json::{Value, json};

use crate::{
    AefOptions, Error, Result,
    cadt::{int_seek, scan_projects, seek, slice, unit::labels_since, unit::projects_of},
    context::{Ctx, ProjectInfo},
    country,
    exporter::{Cursor, Pos, Rows},
    mapping,
    record::{Record, date, timestamp, year_start},
    spec::{TableSpec, spec},
};

/// `aef_t2_authorizations_metric`: the picklist spells the GHG metric "GHC".
const METRIC: &str = "GHC";

/// A resolved Article 6 request.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    /// The Party as spelled in `location_country`.
    party: String,
    /// Its ISO alpha-2 code (the Party id of T2–T4).
    code: &'static str,
    year: i32,
    /// First and last second of the year.
    from: i64,
    to: i64,
    units: Article6Scope,
    coop: String,
    acquiring: String,
    itmo_registry: String,
}

impl Scope {
    /// The scope of a Party and year, resolved once per data revision (it geocodes every
    /// project).
    pub(crate) async fn get(ctx: &mut Ctx<'_>, opts: &AefOptions) -> Result<Arc<Self>> {
        let key = country::party_code(opts.party.trim()).map(|code| (code, opts.year));
        if let Some(key) = key
            && let Some(Some(scope)) = ctx.memo(|m| m.scopes.get(&key).cloned())
        {
            return Ok(scope);
        }
        let scope = Arc::new(Self::new(ctx, opts).await?);
        if let Some(key) = key {
            ctx.memo(|m| m.scopes.insert(key, scope.clone()));
        }
        Ok(scope)
    }

    /// Resolves the Party and finds its projects.
    async fn new(ctx: &mut Ctx<'_>, opts: &AefOptions) -> Result<Self> {
        let code = country::party_code(opts.party.trim()).ok_or_else(|| {
            Error::Aef(format!(
                "unknown Party {:?}: give a location_country name (\"Brazil\") or an ISO \
                 3166-1 alpha-2 code (\"BR\")",
                opts.party
            ))
        })?;
        if !(1900..=2100).contains(&opts.year) {
            return Err(Error::Aef(format!("year {} is out of range", opts.year)));
        }
        let party = country::picklist_name(code).unwrap_or(code).to_owned();
        let mut keys = Vec::new();
        scan_projects(ctx, "aef", |ctx, row, info| {
            if ctx.place("aef", info)?.country == party {
                keys.push(row.project.project_key.clone());
            }
            Ok(())
        })
        .await?;
        let cfg = &ctx.cfg().aef;
        let registry = &ctx.cfg().registry_name;
        Ok(Scope {
            coop: cfg
                .cooperative_approach_id
                .clone()
                .unwrap_or_else(|| format!("{registry}-A6-{code}")),
            acquiring: cfg
                .acquiring_party
                .clone()
                .unwrap_or_else(|| code.to_owned()),
            itmo_registry: cfg
                .party_itmo_registry_id
                .clone()
                .unwrap_or_else(|| code.to_owned()),
            party,
            code,
            year: opts.year,
            from: year_start(opts.year),
            to: year_start(opts.year + 1) - 1,
            units: Article6Scope { project_keys: keys },
        })
    }

    fn window(&self, ctx: &Ctx<'_>) -> ActionWindow {
        let def = ctx.cfg().aef.first_transfer_definition.as_str();
        ActionWindow {
            from: self.from,
            to: self.to,
            first_transfer_at_issuance: matches!(def, "Issuance" | "Authorization"),
        }
    }

    fn submission_id(&self, ctx: &Ctx<'_>) -> String {
        ctx.ids
            .aef_submission(self.code, self.year, ctx.cfg().aef.version)
    }

    /// Unix time of the submission date.
    fn submitted_at(&self, ctx: &Ctx<'_>) -> i64 {
        ctx.cfg()
            .aef
            .submission_date
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map_or(self.to, |d| d.and_utc().timestamp())
    }
}

/// Records in an AEF table (kept for the data revision).
pub(crate) async fn count(ctx: &mut Ctx<'_>, scope: &Scope, t: &TableSpec) -> Result<u64> {
    let key = format!("aef:{}:{}:{}", scope.code, scope.year, t.name);
    if let Some(Some(n)) = ctx.memo(|m| m.counts.get(&key).copied()) {
        return Ok(n);
    }
    let n = count_now(ctx, scope, t).await?;
    ctx.memo(|m| m.counts.insert(key, n));
    Ok(n)
}

async fn count_now(ctx: &mut Ctx<'_>, scope: &Scope, t: &TableSpec) -> Result<u64> {
    let s = &ctx.ex.store;
    Ok(match t.name.as_str() {
        "aef_t1_submission" => 1,
        "aef_t5_authorized_entities" => s
            .export_article6_projects(&scope.units, scope.to)
            .await?
            .len() as u64,
        "aef_t2_authorizations" => {
            s.export_count_article6_roots(&scope.units, scope.to)
                .await?
        }
        "aef_t3_actions" => {
            s.export_count_article6_actions(&scope.units, &scope.window(ctx))
                .await?
        }
        "aef_t4_holdings" => {
            s.export_count_article6_holdings(&scope.units, scope.to)
                .await?
        }
        _ => 0,
    })
}

/// Up to `limit` records of an AEF table from `pos`.
pub(crate) async fn rows(
    ctx: &mut Ctx<'_>,
    scope: &Scope,
    t: &TableSpec,
    pos: &Pos,
    limit: u64,
) -> Result<Rows> {
    match t.name.as_str() {
        "aef_t1_submission" => Ok(slice(&[submission(ctx, scope)], pos, limit)),
        "aef_t5_authorized_entities" => {
            let all = entities(ctx, scope).await?;
            Ok(slice(&all, pos, limit))
        }
        "aef_t2_authorizations" => authorizations(ctx, scope, pos, limit).await,
        "aef_t3_actions" => actions(ctx, scope, pos, limit).await,
        "aef_t4_holdings" => holdings(ctx, scope, pos, limit).await,
        _ => Ok((Vec::new(), None)),
    }
}

fn submission(ctx: &Ctx<'_>, scope: &Scope) -> Value {
    let cfg = &ctx.cfg().aef;
    let at = scope.submitted_at(ctx);
    Record::new("aef_t1_submission")
        .set("cadTrustAefT1SubmissionId", scope.submission_id(ctx))
        .set("aefT1SubmissionParty", scope.party.clone())
        .set("aefT1SubmissionVersion", json!(cfg.version))
        .set("aefT1SubmissionReportYear", json!(scope.year))
        .set("aefT1SubmissionSubmissionDate", date(at))
        .opt("aefT1SubmissionNdcFirstYear", cfg.ndc_first_year)
        .opt("aefT1SubmissionNdcLastYear", cfg.ndc_last_year)
        .times(at, at)
        .done()
}

async fn entities(ctx: &mut Ctx<'_>, scope: &Scope) -> Result<Vec<Value>> {
    let projects = ctx
        .ex
        .store
        .export_article6_projects(&scope.units, scope.to)
        .await?;
    let keys: Vec<String> = projects.iter().map(|p| p.0.clone()).collect();
    let first: BTreeMap<String, i64> = projects.into_iter().collect();
    let cfg = &ctx.cfg().aef;
    let country = cfg
        .entity_country
        .clone()
        .unwrap_or_else(|| scope.party.clone());
    if !spec().allows("aef_t5_authorized_entities_incorporation_country", &country) {
        ctx.warn(
            "aef_t5_authorized_entities",
            &country,
            "not in the aef_t5_authorized_entities_incorporation_country picklist".into(),
            Some("aef.entity_country".into()),
        )?;
    }
    let mut out = Vec::new();
    let projects = ctx.ex.store.export_projects_by_key(&keys).await?;
    ctx.prefetch(&projects).await?;
    for p in projects {
        let at = first
            .get(&p.project_key)
            .copied()
            .unwrap_or(p.registered_at);
        let info = ctx.info("aef_t5_authorized_entities", p).await?;
        let pid = info.id().to_owned();
        out.push(
            Record::new("aef_t5_authorized_entities")
                .set(
                    "cadTrustAefT5AuthorizedEntitiesId",
                    ctx.ids.aef_entity(&pid),
                )
                .set("aefT5AuthorizedEntitiesAuthorizationDate", date(at))
                .set("aefT5AuthorizedEntitiesName", ctx.developer_name(&info))
                .set(
                    "aefT5AuthorizedEntitiesIncorporationCountry",
                    country.clone(),
                )
                .set("aefT5AuthorizedEntitiesId", info.project.developer.clone())
                .set(
                    "aefT5AuthorizedEntitiesCooperativeApproachId",
                    scope.coop.clone(),
                )
                .opt(
                    "aefT5AuthorizedEntitiesConditions",
                    cfg.entity_conditions.clone(),
                )
                .set(
                    "aefT5AuthorizedEntitiesAdditionalInformation",
                    format!("Developer of project {pid}"),
                )
                .times(at, at)
                .set("cadTrustAefT1SubmissionId", scope.submission_id(ctx))
                .set("cadTrustProjectId", ctx.ids.project(&pid))
                .done(),
        );
    }
    Ok(out)
}

async fn authorizations(ctx: &mut Ctx<'_>, scope: &Scope, pos: &Pos, limit: u64) -> Result<Rows> {
    const T: &str = "aef_t2_authorizations";
    let seek = int_seek(pos);
    let ex = ctx.ex;
    let roots = ex
        .store
        .export_article6_roots(&scope.units, scope.to, &seek, limit)
        .await?;
    let cursor = roots.last().map(|t| Cursor::Int(t.token_id));
    let ids: Vec<i64> = roots.iter().map(|t| t.token_id).collect();
    let split = ex
        .store
        .export_split_off_after(&ids, SplitCut::Block(-1))
        .await?;
    let since = labels_since(ctx, &roots).await?;
    let projects = projects_of(ctx, T, &roots).await?;
    let cfg = &ctx.cfg().aef;
    ctx.check_picklist(
        T,
        &cfg.purposes_for_authorization,
        "aef_t2_authorizations_purposes_for_authorization",
        &cfg.purposes_for_authorization,
        "aef.purposes_for_authorization",
    )?;
    ctx.check_picklist(
        T,
        &cfg.first_transfer_definition,
        "aef_t2_authorizations_first_transfer_definition_oimp",
        &cfg.first_transfer_definition,
        "aef.first_transfer_definition",
    )?;
    let mut out = Vec::with_capacity(roots.len());
    for t in &roots {
        let info = projects.get(&t.project_key);
        let pid = info.map_or(t.project_key.as_str(), ProjectInfo::id);
        let total = t.amount + split.get(&t.token_id).copied().unwrap_or(0);
        let at = since.get(&t.token_id).copied().unwrap_or(t.minted_at);
        let ptype = info.and_then(ProjectInfo::project_type);
        let (sector, activity) = match ptype {
            Some(p) => (mapping::aef_sector(p), mapping::aef_activity_type(p)),
            None => {
                ctx.warn(
                    T,
                    pid,
                    "project type unknown (no verified PDD): sector \"Others\" and activity \
                     \"Any combination of the above\" are exported"
                        .into(),
                    None,
                )?;
                ("Others", "Any combination of the above")
            }
        };
        out.push(
            Record::new(T)
                .set(
                    "cadTrustAefT2AuthorizationsId",
                    ctx.ids.aef_authorization(t.token_id),
                )
                .set("aefT2AuthorizationsId", t.itmo_reference.clone())
                .set("aefT2AuthorizationsDate", date(at))
                .set(
                    "aefT2AuthorizationsCooperativeApproachId",
                    scope.coop.clone(),
                )
                .set("aefT2AuthorizationsQuantity", json!(total))
                .set("aefT2AuthorizationsMetric", METRIC)
                .opt("aefT2AuthorizationsGwpValue", cfg.gwp_value.clone())
                .set("aefT2AuthorizationsSector", sector)
                .set("aefT2AuthorizationsActivityType", activity)
                .set(
                    "aefT2AuthorizationsPurposesForAuthorization",
                    cfg.purposes_for_authorization.clone(),
                )
                .set("aefT2AuthorizationsAuthorizedPartyId", scope.code)
                .set(
                    "aefT2AuthorizationsAuthorizedEntityId",
                    info.map(|i| i.project.developer.clone()),
                )
                .opt(
                    "aefT2AuthorizationsOimpAuthorizedParty",
                    cfg.oimp_authorized_party.clone(),
                )
                .opt(
                    "aefT2AuthorizationsAuthorizedTimeframe",
                    cfg.authorized_timeframe.clone(),
                )
                .opt(
                    "aefT2AuthorizationsAuthorizationTerms",
                    cfg.authorization_terms.clone(),
                )
                .opt(
                    "aefT2AuthorizationsAuthorizationDocumentation",
                    cfg.authorization_documentation.clone(),
                )
                .set(
                    "aefT2AuthorizationsFirstTransferDefinitionOimp",
                    cfg.first_transfer_definition.clone(),
                )
                .set(
                    "aefT2AuthorizationsAdditionalInformation",
                    format!(
                        "ITMO reference {}: CRU serials {}-{} of project {pid}, vintage {}",
                        t.itmo_reference,
                        t.serial_start,
                        t.serial_start + total - 1,
                        t.vintage
                    ),
                )
                .times(at, at)
                .set("cadTrustAefT1SubmissionId", scope.submission_id(ctx))
                .set("cadTrustUnitId", ctx.ids.unit(t.token_id))
                .set("cadTrustProjectId", ctx.ids.project(pid))
                .set("cadTrustAefT5AuthorizedEntitiesId", ctx.ids.aef_entity(pid))
                .done(),
        );
    }
    Ok((out, cursor))
}

/// Tokens, their roots and projects for a page of AEF rows.
struct Lineage {
    tokens: BTreeMap<i64, Token>,
    roots: BTreeMap<i64, i64>,
    projects: BTreeMap<String, ProjectInfo>,
}

impl Lineage {
    async fn load(ctx: &mut Ctx<'_>, table: &str, ids: &[i64]) -> Result<Self> {
        let ex = ctx.ex;
        let tokens = ex.store.export_tokens_by_id(ids).await?;
        let roots = ex.store.export_roots_of(ids).await?;
        let projects = projects_of(ctx, table, &tokens).await?;
        Ok(Lineage {
            tokens: tokens.into_iter().map(|t| (t.token_id, t)).collect(),
            roots,
            projects,
        })
    }

    fn project_id<'t>(&'t self, t: &'t Token) -> &'t str {
        self.projects
            .get(&t.project_key)
            .map_or(t.project_key.as_str(), ProjectInfo::id)
    }
}

async fn actions(ctx: &mut Ctx<'_>, scope: &Scope, pos: &Pos, limit: u64) -> Result<Rows> {
    const T: &str = "aef_t3_actions";
    let seek: Seek<(i64, i64, i64)> = seek(pos, |c| match c {
        Cursor::Triple(a, b, k) => Some((*a, *b, *k)),
        _ => None,
    });
    let ex = ctx.ex;
    let page = ex
        .store
        .export_article6_actions(&scope.units, &scope.window(ctx), &seek, limit)
        .await?;
    let cursor = page.last().map(|a| {
        let (b, l, k) = a.key();
        Cursor::Triple(b, l, k)
    });
    let mut ids: Vec<i64> = page.iter().map(|a| a.token_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let lineage = Lineage::load(ctx, T, &ids).await?;
    let splits = SplitTree::new(&ex.store.export_split_descendants(&ids).await?);
    let mut out = Vec::with_capacity(page.len());
    for a in &page {
        let Some(t) = lineage.tokens.get(&a.token_id) else {
            continue;
        };
        // The serial range the action covered: issuances cover the whole issued block; later
        // actions the token's range at their block (its splits after that block added back).
        let cut = match a.kind.as_str() {
            "issuance" | "first_transfer" => -1,
            _ => a.block_number,
        };
        let amount = t.amount + splits.split_off_after(t.token_id, cut);
        out.push(action(ctx, scope, &lineage, t, a, amount)?);
    }
    Ok((out, cursor))
}

fn action(
    ctx: &Ctx<'_>,
    scope: &Scope,
    lineage: &Lineage,
    t: &Token,
    a: &UnitAction,
    amount: i64,
) -> Result<Value> {
    const T: &str = "aef_t3_actions";
    let root = lineage
        .roots
        .get(&t.token_id)
        .copied()
        .unwrap_or(t.token_id);
    let pid = lineage.project_id(t);
    let (kind, subtype) = match a.kind.as_str() {
        "issuance" => (
            "Authorization",
            "Issuance of an Article 6 authorised CRU serial block",
        ),
        "first_transfer" => ("First Transfer", "First transfer at issuance"),
        "transfer" => ("Transfer", "Transfer between holders in the OGCR registry"),
        "retirement" => ("Use", "Retirement"),
        _ => ("Cancellation", "Cancellation by the registry operator"),
    };
    let is_use = a.kind == "retirement";
    let oimp = match (is_use, a.reason_code) {
        (true, 2) => Some("use under CORSIA"),
        (true, 1) => Some("voluntary use"),
        (true, 4) => Some("other compliance use"),
        _ => None,
    };
    let mut rec = Record::new(T);
    rec.set(
        "cadTrustAefT3ActionsId",
        ctx.ids.aef_action(&a.tx_hash, a.log_index, &a.kind),
    )
    .set("aefT3ActionsDate", date(a.timestamp))
    .set("aefT3ActionsType", kind)
    .set("aefT3ActionsSubtype", subtype);
    Ok(
        serial_block(&mut rec, "aefT3Actions", ctx, scope, t, amount)
            .set("aefT3ActionsTransferringPartyId", scope.code)
            .set("aefT3ActionsAcquiringPartyId", scope.acquiring.clone())
            .opt("aefT3ActionsPurposeOfUseOimp", oimp)
            .opt(
                "aefT3ActionsUsingParticipatingPartyId",
                is_use.then(|| scope.acquiring.clone()),
            )
            .opt(
                "aefT3ActionsUsingAuthorizedEntityId",
                is_use.then(|| a.counterparty.clone()),
            )
            .opt("aefT3ActionsItmoUsedYear", is_use.then_some(scope.year))
            .set(
                "aefT3ActionsAdditionalInformation",
                format!(
                    "CRU token {} of project {pid}, transaction {}, {} {}",
                    t.token_id,
                    a.tx_hash,
                    if a.kind == "transfer" { "to" } else { "holder" },
                    a.counterparty
                ),
            )
            .times(a.timestamp, a.timestamp)
            .set("cadTrustAefT1SubmissionId", scope.submission_id(ctx))
            .set("cadTrustUnitId", ctx.ids.unit(t.token_id))
            .set("cadTrustProjectId", ctx.ids.project(pid))
            .set(
                "cadTrustAefT2AuthorizationsId",
                ctx.ids.aef_authorization(root),
            )
            .done(),
    )
}

/// The fields of an ITMO serial block that the actions (T3) and holdings (T4) tables share;
/// `prefix` is the table's field prefix (`aefT3Actions`, `aefT4Holdings`).
fn serial_block<'r>(
    rec: &'r mut Record,
    prefix: &str,
    ctx: &Ctx<'_>,
    scope: &Scope,
    t: &Token,
    amount: i64,
) -> &'r mut Record {
    let (first, last) = (t.serial_start, t.serial_start + amount - 1);
    let f = |name: &str| format!("{prefix}{name}");
    rec.set(&f("CooperativeApproachId"), scope.coop.clone())
        .set(&f("AuthorizationId"), t.itmo_reference.clone())
        .set(&f("FirstTransferringPartyId"), scope.code)
        .set(&f("PartyItmoRegistryId"), scope.itmo_registry.clone())
        .set(&f("ItmoFirstId"), first.to_string())
        .set(&f("ItmoLastId"), last.to_string())
        .set(&f("UnitRegistryId"), ctx.cfg().registry_name.clone())
        .set(&f("UnitFirstId"), first.to_string())
        .set(&f("UnitLastId"), last.to_string())
        .set(&f("Metric"), METRIC)
        .opt(&f("GwpValue"), ctx.cfg().aef.gwp_value.clone())
        .set(&f("QuantityTCo2"), json!(amount))
        .set(&f("MitigationType"), mapping::MITIGATION_TYPE)
        .set(&f("VintageYear"), json!(t.vintage))
}

async fn holdings(ctx: &mut Ctx<'_>, scope: &Scope, pos: &Pos, limit: u64) -> Result<Rows> {
    const T: &str = "aef_t4_holdings";
    let seek = int_seek(pos);
    let ex = ctx.ex;
    let held = ex
        .store
        .export_article6_holdings(&scope.units, scope.to, &seek, limit)
        .await?;
    let cursor = held.last().map(|t| Cursor::Int(t.token_id));
    let ids: Vec<i64> = held.iter().map(|t| t.token_id).collect();
    let split = ex
        .store
        .export_split_off_after(&ids, SplitCut::Time(scope.to))
        .await?;
    let lineage = Lineage::load(ctx, T, &ids).await?;
    let mut out = Vec::with_capacity(held.len());
    for t in &held {
        let amount = t.amount + split.get(&t.token_id).copied().unwrap_or(0);
        let root = lineage
            .roots
            .get(&t.token_id)
            .copied()
            .unwrap_or(t.token_id);
        let pid = lineage.project_id(t);
        let mut rec = Record::new(T);
        rec.set(
            "cadTrustAefT4HoldingsId",
            ctx.ids.aef_holding(t.token_id, scope.year),
        );
        out.push(
            serial_block(&mut rec, "aefT4Holdings", ctx, scope, t, amount)
                .times(scope.to, scope.to)
                .set("cadTrustAefT1SubmissionId", scope.submission_id(ctx))
                .set("cadTrustUnitId", ctx.ids.unit(t.token_id))
                .set("cadTrustProjectId", ctx.ids.project(pid))
                .set(
                    "cadTrustAefT2AuthorizationsId",
                    ctx.ids.aef_authorization(root),
                )
                .done(),
        );
    }
    Ok((out, cursor))
}

/// The instant the holdings of `year` are taken at, as exported.
pub fn holdings_instant(year: i32) -> String {
    timestamp(year_start(year + 1) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holdings_are_taken_at_the_last_second_of_the_year() {
        assert_eq!(holdings_instant(2024), "2024-12-31T23:59:59.000Z");
    }

    #[test]
    fn the_metric_is_the_picklist_spelling() {
        assert!(spec().allows("aef_t2_authorizations_metric", METRIC));
        assert!(spec().allows("aef_t3_actions_type", "First Transfer"));
        for k in ["Authorization", "Transfer", "Use", "Cancellation"] {
            assert!(spec().allows("aef_t3_actions_type", k), "{k}");
        }
    }
}
