//! The holders' active tokens and the planning of each block's operations, without I/O.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng, rngs::StdRng};

use super::{Mix, WorkloadOptions};

/// Fixed gas limits, about 1.5 times the most each operation used in a 30 000-event run
/// (issue 224 k to a new holder, 173 k otherwise; split 96 k; transferFrom 45 k; retire
/// 106 k partial, 44 k whole).
const ISSUE_GAS: u64 = 340_000;
const SPLIT_GAS: u64 = 150_000;
const TRANSFER_GAS: u64 = 70_000;
const RETIRE_GAS: u64 = 160_000;

/// The largest of the gas limits.
pub(super) const MAX_GAS: u64 = ISSUE_GAS;

/// One generated operation; holders are indexes into the generator's holder list.
#[derive(Debug, Clone, Copy)]
pub(super) enum Op {
    Issue {
        holder: usize,
        amount: u64,
        buffer: u64,
    },
    Split {
        holder: usize,
        token: u64,
        amount: u64,
    },
    Transfer {
        from: usize,
        to: usize,
        token: u64,
    },
    Retire {
        holder: usize,
        token: u64,
        amount: u64,
        whole: bool,
    },
}

impl Op {
    /// The logs it emits: issue = Transfer + CRUMinted for the block and for the buffer;
    /// split = Transfer (mint) + CRUSplit; a partial retirement splits first, then CRURetired.
    pub(super) fn logs(&self) -> usize {
        match self {
            Op::Issue { .. } => 4,
            Op::Split { .. } => 2,
            Op::Transfer { .. } => 1,
            Op::Retire { whole: true, .. } => 1,
            Op::Retire { whole: false, .. } => 3,
        }
    }

    pub(super) fn gas(&self) -> u64 {
        match self {
            Op::Issue { .. } => ISSUE_GAS,
            Op::Split { .. } => SPLIT_GAS,
            Op::Transfer { .. } => TRANSFER_GAS,
            Op::Retire { .. } => RETIRE_GAS,
        }
    }

    pub(super) fn what(&self) -> &'static str {
        match self {
            Op::Issue { .. } => "issue",
            Op::Split { .. } => "split",
            Op::Transfer { .. } => "transferFrom",
            Op::Retire { .. } => "retire",
        }
    }
}

/// An active token held by a workload holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Token {
    owner: usize,
    amount: u64,
}

/// The holders' active tokens, and the planning of operations on them (no I/O).
pub(super) struct Book {
    /// Active tokens by id.
    tokens: BTreeMap<u64, Token>,
    holders: usize,
    mix: Mix,
    txs_per_block: usize,
    rng: StdRng,
}

impl Book {
    pub(super) fn new(holders: usize, opts: &WorkloadOptions) -> Self {
        Book {
            tokens: BTreeMap::new(),
            holders,
            mix: opts.mix,
            txs_per_block: opts.txs_per_block,
            rng: StdRng::seed_from_u64(opts.seed),
        }
    }

    /// The operations of one block: at most `txs_per_block`, stopping once they emit
    /// `remaining` logs. Each token is used at most once per block, so no operation depends
    /// on another of the same block.
    pub(super) fn plan(&mut self, remaining: usize) -> Vec<Op> {
        let mut candidates: Vec<u64> = self.tokens.keys().copied().collect();
        let mut ops = Vec::with_capacity(self.txs_per_block);
        let mut logs = 0;
        while ops.len() < self.txs_per_block && logs < remaining {
            let op = self.pick(&mut candidates);
            logs += op.logs();
            ops.push(op);
        }
        ops
    }

    fn pick(&mut self, candidates: &mut Vec<u64>) -> Op {
        let m = self.mix;
        let total = m.issue + m.split + m.transfer + m.retire;
        let mut roll = self.rng.random_range(0..total);
        if roll >= m.issue && !candidates.is_empty() {
            roll -= m.issue;
            let id = candidates.swap_remove(self.rng.random_range(0..candidates.len()));
            let t = self.tokens[&id];
            if roll < m.split && t.amount >= 2 {
                return Op::Split {
                    holder: t.owner,
                    token: id,
                    amount: self.rng.random_range(1..t.amount),
                };
            }
            if roll >= m.split + m.transfer {
                let whole = t.amount == 1 || self.rng.random_bool(0.5);
                return Op::Retire {
                    holder: t.owner,
                    token: id,
                    amount: if whole {
                        t.amount
                    } else {
                        self.rng.random_range(1..t.amount)
                    },
                    whole,
                };
            }
            // A transfer, or a split of a one-tonne token (which can only move).
            let mut to = self.rng.random_range(0..self.holders - 1);
            if to >= t.owner {
                to += 1;
            }
            return Op::Transfer {
                from: t.owner,
                to,
                token: id,
            };
        }
        let amount = self.rng.random_range(10..=5_000);
        Op::Issue {
            holder: self.rng.random_range(0..self.holders),
            amount,
            buffer: amount.div_ceil(10),
        }
    }

    /// Records a mined operation; `new_token` is the token it minted for a holder (issue, split).
    pub(super) fn record(&mut self, op: &Op, new_token: Option<u64>) {
        match *op {
            Op::Issue { holder, amount, .. } => self.mint(new_token, holder, amount),
            Op::Split {
                holder,
                token,
                amount,
            } => {
                self.shrink(token, amount);
                self.mint(new_token, holder, amount);
            }
            Op::Transfer { to, token, .. } => {
                if let Some(t) = self.tokens.get_mut(&token) {
                    t.owner = to;
                }
            }
            Op::Retire {
                token,
                amount,
                whole,
                ..
            } => {
                if whole {
                    self.tokens.remove(&token);
                } else {
                    self.shrink(token, amount);
                }
            }
        }
    }

    fn mint(&mut self, id: Option<u64>, owner: usize, amount: u64) {
        if let Some(id) = id {
            self.tokens.insert(id, Token { owner, amount });
        }
    }

    fn shrink(&mut self, token: u64, amount: u64) {
        if let Some(t) = self.tokens.get_mut(&token) {
            t.amount -= amount;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(holders: usize, tokens: &[(u64, usize, u64)]) -> Book {
        let opts = WorkloadOptions {
            txs_per_block: 300,
            ..WorkloadOptions::default()
        };
        let mut b = Book::new(holders, &opts);
        b.tokens = tokens
            .iter()
            .map(|&(id, owner, amount)| (id, Token { owner, amount }))
            .collect();
        b
    }

    #[test]
    fn the_first_block_only_issues() {
        let ops = book(3, &[]).plan(usize::MAX);
        assert_eq!(ops.len(), 300);
        assert!(ops.iter().all(|op| matches!(
            op,
            Op::Issue { holder, amount, buffer } if *holder < 3 && *amount >= 10 && *buffer >= 1
        )));
    }

    #[test]
    fn planned_operations_are_valid_and_use_each_token_once() {
        let tokens: Vec<(u64, usize, u64)> = (1..=200)
            .map(|i| (i, (i % 4) as usize, i % 7 + 1))
            .collect();
        let mut b = book(4, &tokens);
        let ops = b.plan(usize::MAX);
        let mut used = std::collections::HashSet::new();
        let mut kinds = [0; 4];
        for op in &ops {
            let held = |token: &u64| b.tokens[token];
            match op {
                Op::Issue { .. } => kinds[0] += 1,
                Op::Split {
                    holder,
                    token,
                    amount,
                } => {
                    kinds[1] += 1;
                    assert_eq!(held(token).owner, *holder);
                    assert!(*amount >= 1 && *amount < held(token).amount, "{op:?}");
                    assert!(used.insert(*token));
                }
                Op::Transfer { from, to, token } => {
                    kinds[2] += 1;
                    assert_eq!(held(token).owner, *from);
                    assert_ne!(from, to);
                    assert!(*to < 4);
                    assert!(used.insert(*token));
                }
                Op::Retire {
                    holder,
                    token,
                    amount,
                    whole,
                } => {
                    kinds[3] += 1;
                    assert_eq!(held(token).owner, *holder);
                    assert_eq!(*whole, *amount == held(token).amount, "{op:?}");
                    assert!(*amount >= 1 && *amount <= held(token).amount);
                    assert!(used.insert(*token));
                }
            }
        }
        assert!(
            kinds.iter().all(|&k| k > 0),
            "every kind appears: {kinds:?}"
        );
    }

    #[test]
    fn planning_stops_at_the_remaining_logs() {
        let ops = book(2, &[]).plan(10);
        // Issuances emit 4 logs each: 3 of them reach 10.
        assert_eq!(ops.len(), 3);
        assert_eq!(ops.iter().map(Op::logs).sum::<usize>(), 12);
    }

    #[test]
    fn recorded_operations_update_the_tokens() {
        let mut b = book(2, &[(1, 0, 100), (2, 1, 50)]);
        b.record(
            &Op::Issue {
                holder: 1,
                amount: 30,
                buffer: 3,
            },
            Some(3),
        );
        b.record(
            &Op::Split {
                holder: 0,
                token: 1,
                amount: 40,
            },
            Some(5),
        );
        b.record(
            &Op::Transfer {
                from: 1,
                to: 0,
                token: 2,
            },
            None,
        );
        b.record(
            &Op::Retire {
                holder: 1,
                token: 3,
                amount: 30,
                whole: true,
            },
            None,
        );
        b.record(
            &Op::Retire {
                holder: 0,
                token: 2,
                amount: 20,
                whole: false,
            },
            None,
        );
        let t = |owner, amount| Token { owner, amount };
        let expected: BTreeMap<u64, Token> = [(1, t(0, 60)), (2, t(0, 30)), (5, t(0, 40))]
            .into_iter()
            .collect();
        assert_eq!(b.tokens, expected);
    }
}
