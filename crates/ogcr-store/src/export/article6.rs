//! Reads for the Article 6 (AEF) tables: authorised serial blocks, the actions on them in a
//! period, and the holdings at a point in time.

use std::collections::BTreeMap;

use crate::{
    Result, Store, Table, Token,
    export::{LABEL_ARTICLE6_AUTHORIZED, Seek, ZERO_ADDRESS, get, in_list, paged, token_columns},
    table::Val,
};

/// One on-chain action on a unit, for the Article 6 actions table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitAction {
    /// `issuance` (a serial block minted by an issuance), `first_transfer` (see
    /// [`ActionWindow`]), `transfer`, `retirement` or `cancellation`.
    pub kind: String,
    /// Block.
    pub block_number: i64,
    /// Log index (the token id for issuances, which have no log of their own here).
    pub log_index: i64,
    /// Transaction.
    pub tx_hash: String,
    /// Block time.
    pub timestamp: i64,
    /// The token.
    pub token_id: i64,
    /// Receiver of a transfer; the holder of retired or cancelled units.
    pub counterparty: String,
    /// Retirement reason code (0 otherwise).
    pub reason_code: i64,
}

impl UnitAction {
    /// The row's page key.
    pub fn key(&self) -> (i64, i64, i64) {
        (self.block_number, self.log_index, kind_rank(&self.kind))
    }
}

fn kind_rank(kind: &str) -> i64 {
    match kind {
        "issuance" => 0,
        "first_transfer" => 1,
        "transfer" => 2,
        "retirement" => 3,
        _ => 4,
    }
}

/// A token split off another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitChild {
    /// The new token.
    pub token_id: i64,
    /// The token it was split from.
    pub parent: i64,
    /// Block of the split.
    pub minted_block: i64,
    /// Its current amount (tonnes).
    pub amount: i64,
}

/// The splits below some tokens, for their amounts at any block without a query per block.
#[derive(Debug, Clone, Default)]
pub struct SplitTree {
    /// Parent → (block of the split, tonnes of the child and everything split off it since).
    children: std::collections::HashMap<i64, Vec<(i64, i64)>>,
}

impl SplitTree {
    /// The tree of the tokens [`Store::export_split_descendants`] returned. Token ids grow
    /// with every mint and a split mints the child, so children come after their parents.
    pub fn new(rows: &[SplitChild]) -> Self {
        let mut below: std::collections::HashMap<i64, i64> = Default::default();
        let mut children: std::collections::HashMap<i64, Vec<(i64, i64)>> = Default::default();
        let mut rows = rows.to_vec();
        rows.sort_unstable_by_key(|c| std::cmp::Reverse(c.token_id));
        rows.dedup_by_key(|c| c.token_id);
        for c in rows {
            let subtree = c.amount + below.get(&c.token_id).copied().unwrap_or(0);
            *below.entry(c.parent).or_default() += subtree;
            children
                .entry(c.parent)
                .or_default()
                .push((c.minted_block, subtree));
        }
        SplitTree { children }
    }

    /// Tonnes split off `token` in blocks after `block`, directly or through further splits:
    /// added to its current amount they give its amount at `block` (`-1`: as issued). The
    /// same sum as [`Store::export_split_off_after`] with `SplitCut::Block(block)`.
    pub fn split_off_after(&self, token: i64, block: i64) -> i64 {
        self.children.get(&token).map_or(0, |c| {
            c.iter()
                .filter(|(minted, _)| *minted > block)
                .map(|(_, tonnes)| tonnes)
                .sum()
        })
    }
}

/// A point in the chain's history: after a block, or after a unix time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitCut {
    /// Tokens minted in later blocks.
    Block(i64),
    /// Tokens minted at later times.
    Time(i64),
}

/// The actions a read covers: those in `[from, to]` (unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionWindow {
    /// First second.
    pub from: i64,
    /// Last second.
    pub to: i64,
    /// Also list a `first_transfer` right after each issuance (the Party defines the first
    /// transfer of its authorised units as their issuance or authorisation).
    pub first_transfer_at_issuance: bool,
}

/// Which Article 6 units a read covers: units of these projects carrying the Article 6 label
/// and an ITMO reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article6Scope {
    /// Project keys (the host Party's projects).
    pub project_keys: Vec<String>,
}

impl Article6Scope {
    /// `t.labels & 2 <> 0 AND t.itmo_reference <> '' AND t.project_key IN (…)` with its
    /// parameters numbered after `offset`; `None` when no project is in scope.
    fn filter(&self, offset: usize) -> Option<(String, Vec<Val>)> {
        if self.project_keys.is_empty() {
            return None;
        }
        let (list, vals) = in_list(offset, &self.project_keys);
        Some((
            format!(
                "(t.labels & {LABEL_ARTICLE6_AUTHORIZED}) <> 0 AND t.itmo_reference <> '' \
                 AND t.project_key IN ({list})"
            ),
            vals,
        ))
    }
}

impl Store {
    // -------------------------------------------------------------------------- Article 6

    /// The root token (the serial block an issuance minted) of each of these tokens.
    pub async fn export_roots_of(&self, ids: &[i64]) -> Result<BTreeMap<i64, i64>> {
        let sql = "WITH RECURSIVE up(id, cur, parent) AS (\
               SELECT token_id, token_id, parent_token_id FROM tokens WHERE token_id IN ({in}) \
               UNION ALL \
               SELECT up.id, t.token_id, t.parent_token_id FROM up \
                 JOIN tokens t ON t.token_id = up.parent) \
             SELECT id, cur FROM up WHERE parent IS NULL";
        self.fetch_in(sql, vec![], ids)
            .await?
            .iter()
            .map(|r| Ok((get(r, "tokens", "id")?, get(r, "tokens", "cur")?)))
            .collect()
    }

    /// Tonnes split off each of these tokens, directly or through further splits, by tokens
    /// minted after `cut`: added to a token's current amount they give its amount at `cut`
    /// (all splits with `SplitCut::Block(-1)`).
    pub async fn export_split_off_after(
        &self,
        ids: &[i64],
        cut: SplitCut,
    ) -> Result<BTreeMap<i64, i64>> {
        let (column, after) = match cut {
            SplitCut::Block(b) => ("minted_block", b),
            SplitCut::Time(t) => ("minted_at", t),
        };
        let sql = format!(
            "WITH RECURSIVE down(root, id) AS (\
               SELECT token_id, token_id FROM tokens WHERE token_id IN ({{in}}) \
               UNION ALL \
               SELECT down.root, t.token_id FROM down \
                 JOIN tokens t ON t.parent_token_id = down.id WHERE t.{column} > $1) \
             SELECT down.root AS root, CAST(SUM(t.amount) AS BIGINT) AS split \
             FROM down JOIN tokens t ON t.token_id = down.id \
             WHERE down.id <> down.root GROUP BY down.root"
        );
        self.fetch_in(&sql, vec![after.into()], ids)
            .await?
            .iter()
            .map(|r| Ok((get(r, "tokens", "root")?, get(r, "tokens", "split")?)))
            .collect()
    }

    /// Every token split off these tokens, directly or through further splits: (token, the
    /// token it was split from, block it was minted in, current amount), in token order. With
    /// it, the amount of one of these tokens at any block is computed without a query per
    /// block ([`SplitTree`]).
    pub async fn export_split_descendants(&self, ids: &[i64]) -> Result<Vec<SplitChild>> {
        let sql = "WITH RECURSIVE down(id) AS (\
               SELECT token_id FROM tokens WHERE token_id IN ({in}) \
               UNION \
               SELECT t.token_id FROM down JOIN tokens t ON t.parent_token_id = down.id) \
             SELECT t.token_id AS token_id, t.parent_token_id AS parent, \
                    t.minted_block AS minted_block, t.amount AS amount \
             FROM down JOIN tokens t ON t.token_id = down.id \
             WHERE t.parent_token_id IS NOT NULL ORDER BY t.token_id";
        self.fetch_in(sql, vec![], ids)
            .await?
            .iter()
            .map(|r| {
                Ok(SplitChild {
                    token_id: get(r, "tokens", "token_id")?,
                    parent: get(r, "tokens", "parent")?,
                    minted_block: get(r, "tokens", "minted_block")?,
                    amount: get(r, "tokens", "amount")?,
                })
            })
            .collect()
    }

    /// Number of Article 6 issued serial blocks (root tokens) minted at or before `until`.
    pub async fn export_count_article6_roots(
        &self,
        scope: &Article6Scope,
        until: i64,
    ) -> Result<u64> {
        let Some((filter, mut params)) = scope.filter(0) else {
            return Ok(0);
        };
        params.push(until.into());
        self.count(
            format!(
                "SELECT COUNT(*) AS n FROM tokens t WHERE {filter} \
                 AND t.parent_token_id IS NULL AND t.minted_at <= ${}",
                params.len()
            ),
            params,
        )
        .await
    }

    /// Article 6 issued serial blocks (root tokens) minted at or before `until`, by id.
    pub async fn export_article6_roots(
        &self,
        scope: &Article6Scope,
        until: i64,
        seek: &Seek<i64>,
        limit: u64,
    ) -> Result<Vec<Token>> {
        let Some((filter, mut params)) = scope.filter(0) else {
            return Ok(Vec::new());
        };
        params.push(until.into());
        let filter = format!(
            "{filter} AND t.parent_token_id IS NULL AND t.minted_at <= ${}",
            params.len()
        );
        let select = format!("{} FROM tokens t", token_columns());
        let (sql, params) = paged(&select, &filter, params, &["t.token_id"], seek, limit);
        self.rows(sql, params)
            .await?
            .iter()
            .map(Token::from_row)
            .collect()
    }

    /// The projects (keys) with Article 6 serial blocks minted at or before `until`, each with
    /// its first such mint.
    pub async fn export_article6_projects(
        &self,
        scope: &Article6Scope,
        until: i64,
    ) -> Result<Vec<(String, i64)>> {
        let Some((filter, mut params)) = scope.filter(0) else {
            return Ok(Vec::new());
        };
        params.push(until.into());
        let sql = format!(
            "SELECT t.project_key AS project_key, MIN(t.minted_at) AS first_minted_at \
             FROM tokens t WHERE {filter} AND t.minted_at <= ${} \
             GROUP BY t.project_key ORDER BY t.project_key",
            params.len()
        );
        self.rows(sql, params)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    get(r, "tokens", "project_key")?,
                    get(r, "tokens", "first_minted_at")?,
                ))
            })
            .collect()
    }

    /// The union of Article 6 unit actions in `[from, to]` (unix seconds): issuances of
    /// serial blocks, transfers between holders, retirements and cancellations.
    fn article6_actions_sql(scope: &Article6Scope, w: &ActionWindow) -> Option<(String, Vec<Val>)> {
        let (filter, mut params) = scope.filter(0)?;
        params.push(w.from.into());
        params.push(w.to.into());
        let (f, t) = (params.len() - 1, params.len());
        let issuance = |kind: &str, rank: i64| {
            format!(
                "SELECT '{kind}', CAST({rank} AS BIGINT), t.minted_block, t.token_id, t.minted_tx, \
                    t.minted_at, t.token_id, t.owner, CAST(0 AS BIGINT) \
                  FROM tokens t WHERE {filter} AND t.parent_token_id IS NULL \
                    AND t.minted_at >= ${f} AND t.minted_at <= ${t}"
            )
        };
        let first_transfer = if w.first_transfer_at_issuance {
            format!("{} UNION ALL ", issuance("first_transfer", 1))
        } else {
            String::new()
        };
        let sql = format!(
            "(SELECT 'issuance' AS kind, CAST(0 AS BIGINT) AS kind_rank, t.minted_block AS block_number, \
                t.token_id AS log_index, t.minted_tx AS tx_hash, t.minted_at AS timestamp, \
                t.token_id AS token_id, t.owner AS counterparty, CAST(0 AS BIGINT) AS reason_code \
              FROM tokens t WHERE {filter} AND t.parent_token_id IS NULL \
                AND t.minted_at >= ${f} AND t.minted_at <= ${t} \
             UNION ALL {first_transfer}\
             SELECT 'transfer', CAST(2 AS BIGINT), x.block_number, x.log_index, x.tx_hash, x.timestamp, \
                x.token_id, x.to_address, CAST(0 AS BIGINT) \
              FROM transfers x JOIN tokens t ON t.token_id = x.token_id \
              WHERE {filter} AND x.from_address <> '{ZERO_ADDRESS}' \
                AND x.timestamp >= ${f} AND x.timestamp <= ${t} \
             UNION ALL \
             SELECT 'retirement', CAST(3 AS BIGINT), r.block_number, r.log_index, r.tx_hash, r.timestamp, \
                r.token_id, r.owner, r.reason_code \
              FROM retirements r JOIN tokens t ON t.token_id = r.token_id \
              WHERE {filter} AND r.timestamp >= ${f} AND r.timestamp <= ${t} \
             UNION ALL \
             SELECT 'cancellation', CAST(4 AS BIGINT), c.block_number, c.log_index, c.tx_hash, c.timestamp, \
                c.token_id, t.owner, CAST(0 AS BIGINT) \
              FROM cancellations c JOIN tokens t ON t.token_id = c.token_id \
              WHERE {filter} AND c.timestamp >= ${f} AND c.timestamp <= ${t}) a"
        );
        Some((sql, params))
    }

    /// Number of Article 6 unit actions in the window.
    pub async fn export_count_article6_actions(
        &self,
        scope: &Article6Scope,
        window: &ActionWindow,
    ) -> Result<u64> {
        let Some((union, params)) = Self::article6_actions_sql(scope, window) else {
            return Ok(0);
        };
        self.count(format!("SELECT COUNT(*) AS n FROM {union}"), params)
            .await
    }

    /// Article 6 unit actions in the window, in chain order, keyed by (block, log index,
    /// kind rank).
    pub async fn export_article6_actions(
        &self,
        scope: &Article6Scope,
        window: &ActionWindow,
        seek: &Seek<(i64, i64, i64)>,
        limit: u64,
    ) -> Result<Vec<UnitAction>> {
        let Some((union, params)) = Self::article6_actions_sql(scope, window) else {
            return Ok(Vec::new());
        };
        let select = format!(
            "kind, kind_rank, block_number, log_index, tx_hash, timestamp, token_id, counterparty, \
             reason_code FROM {union}"
        );
        let (sql, params) = paged(
            &select,
            "1 = 1",
            params,
            &["block_number", "log_index", "kind_rank"],
            seek,
            limit,
        );
        self.rows(sql, params)
            .await?
            .iter()
            .map(|r| {
                let t = "tokens";
                Ok(UnitAction {
                    kind: get(r, t, "kind")?,
                    block_number: get(r, t, "block_number")?,
                    log_index: get(r, t, "log_index")?,
                    tx_hash: get(r, t, "tx_hash")?,
                    timestamp: get(r, t, "timestamp")?,
                    token_id: get(r, t, "token_id")?,
                    counterparty: get(r, t, "counterparty")?,
                    reason_code: get(r, t, "reason_code")?,
                })
            })
            .collect()
    }

    /// Article 6 tokens held at unix time `at`: minted by then, and neither retired nor
    /// cancelled by then.
    fn article6_holdings_filter(scope: &Article6Scope, at: i64) -> Option<(String, Vec<Val>)> {
        let (filter, mut params) = scope.filter(0)?;
        params.push(at.into());
        let n = params.len();
        Some((
            format!(
                "{filter} AND t.minted_at <= ${n} \
                 AND NOT EXISTS (SELECT 1 FROM retirements r \
                   WHERE r.token_id = t.token_id AND r.timestamp <= ${n}) \
                 AND NOT EXISTS (SELECT 1 FROM cancellations c \
                   WHERE c.token_id = t.token_id AND c.timestamp <= ${n})"
            ),
            params,
        ))
    }

    /// Number of Article 6 tokens held at `at`.
    pub async fn export_count_article6_holdings(
        &self,
        scope: &Article6Scope,
        at: i64,
    ) -> Result<u64> {
        let Some((filter, params)) = Self::article6_holdings_filter(scope, at) else {
            return Ok(0);
        };
        self.count(
            format!("SELECT COUNT(*) AS n FROM tokens t WHERE {filter}"),
            params,
        )
        .await
    }

    /// Article 6 tokens held at `at`, by id (current rows: add
    /// [`Store::export_split_off_after`] for their amount at `at`).
    pub async fn export_article6_holdings(
        &self,
        scope: &Article6Scope,
        at: i64,
        seek: &Seek<i64>,
        limit: u64,
    ) -> Result<Vec<Token>> {
        let Some((filter, params)) = Self::article6_holdings_filter(scope, at) else {
            return Ok(Vec::new());
        };
        let select = format!("{} FROM tokens t", token_columns());
        let (sql, params) = paged(&select, &filter, params, &["t.token_id"], seek, limit);
        self.rows(sql, params)
            .await?
            .iter()
            .map(Token::from_row)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_scope_selects_nothing() {
        let scope = Article6Scope {
            project_keys: vec![],
        };
        assert!(scope.filter(0).is_none());
        let scope = Article6Scope {
            project_keys: vec!["0xa".into(), "0xb".into()],
        };
        let (sql, vals) = scope.filter(2).unwrap();
        assert!(sql.ends_with("t.project_key IN ($3, $4)"), "{sql}");
        assert_eq!(vals.len(), 2);
    }
}
