//! The demo as a fixed script of registry transactions, in order. Steps name projects,
//! reports and tokens symbolically; ids come from the receipts of earlier steps.

use alloy::sol_types::SolCall;
use ogcr_bindings::{CarbonRemovalUnit as Cru, MRVRegistry as Mrv, ProjectRegistry as Pr};

use super::{
    Actor,
    projects::{BR, ID, IN, IS, KE, UY},
};

/// CarbonRemovalUnit label bit: CORSIA eligible.
pub(crate) const CORSIA: u8 = 1;
/// CarbonRemovalUnit label bit: Article 6 authorised (needs an ITMO reference).
pub(crate) const ARTICLE6: u8 = 2;

/// The contract a step calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Contract {
    /// ProjectRegistry.
    Projects,
    /// MRVRegistry.
    Mrv,
    /// CarbonRemovalUnit.
    Cru,
}

/// A retirement claim.
#[derive(Debug, Clone)]
pub(crate) struct Claim {
    pub(crate) reason_code: u8,
    pub(crate) beneficiary: &'static str,
    pub(crate) beneficiary_id: &'static str,
    pub(crate) detail: &'static str,
}

/// What a step does. Projects are named by id, reports by document id, tokens by a key.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    Register {
        project: &'static str,
    },
    Revise {
        project: &'static str,
        version: usize,
    },
    Submit {
        project: &'static str,
    },
    Review {
        project: &'static str,
    },
    Validate {
        project: &'static str,
        justification: &'static str,
        crediting: (&'static str, &'static str),
    },
    Reject {
        project: &'static str,
        justification: &'static str,
    },
    Archive {
        project: &'static str,
        reason: &'static str,
    },
    SubmitReport {
        report: &'static str,
    },
    /// Direct decision of the acting verifier; `amount_kg == 0` rejects.
    Verify {
        report: &'static str,
        amount_kg: u128,
        statement: &'static str,
    },
    /// EIP-712 attestation signed offline by `signer`, relayed by the acting account.
    Attest {
        report: &'static str,
        signer: Actor,
        amount_kg: u128,
        statement: &'static str,
    },
    Issue {
        report: &'static str,
        to: Actor,
        amount: u64,
        buffer: u64,
        labels: u8,
        itmo: &'static str,
        token: &'static str,
        buffer_token: &'static str,
    },
    Transfer {
        token: &'static str,
        to: Actor,
    },
    Split {
        token: &'static str,
        amount: u64,
        new_token: &'static str,
    },
    Retire {
        token: &'static str,
        amount: u64,
        claim: Claim,
        retired_token: &'static str,
    },
    Cancel {
        token: &'static str,
        amount: u64,
        reason: &'static str,
        cancelled_token: &'static str,
    },
    SetLabels {
        token: &'static str,
        labels: u8,
        itmo: &'static str,
    },
}

/// One transaction of the script.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    /// The sender.
    pub(crate) actor: Actor,
    /// What it does.
    pub(crate) action: Action,
}

impl Step {
    /// The contract and function selector the step's transaction calls.
    pub(crate) fn target(&self) -> (Contract, [u8; 4]) {
        use Action::*;
        match &self.action {
            Register { .. } => (Contract::Projects, Pr::registerProjectCall::SELECTOR),
            Revise { .. } => (Contract::Projects, Pr::revisePDDCall::SELECTOR),
            Submit { .. } => (Contract::Projects, Pr::submitProjectCall::SELECTOR),
            Review { .. } => (Contract::Projects, Pr::startReviewCall::SELECTOR),
            Validate { .. } => (Contract::Projects, Pr::validateProjectCall::SELECTOR),
            Reject { .. } => (Contract::Projects, Pr::rejectProjectCall::SELECTOR),
            Archive { .. } => (Contract::Projects, Pr::archiveProjectCall::SELECTOR),
            SubmitReport { .. } => (Contract::Mrv, Mrv::submitReportCall::SELECTOR),
            Verify { .. } => (Contract::Mrv, Mrv::verifyReportCall::SELECTOR),
            Attest { .. } => (Contract::Mrv, Mrv::verifyWithAttestationCall::SELECTOR),
            Issue { .. } => (Contract::Cru, Cru::issueCall::SELECTOR),
            Transfer { .. } => (Contract::Cru, Cru::transferFromCall::SELECTOR),
            Split { .. } => (Contract::Cru, Cru::splitCall::SELECTOR),
            Retire { .. } => (Contract::Cru, Cru::retireCall::SELECTOR),
            Cancel { .. } => (Contract::Cru, Cru::cancelCall::SELECTOR),
            SetLabels { .. } => (Contract::Cru, Cru::setLabelsCall::SELECTOR),
        }
    }

    /// What the step does, for progress lines.
    pub(crate) fn describe(&self) -> String {
        use Action::*;
        let who = self.actor.name();
        match &self.action {
            Register { project } => format!("{who} registers project {project}"),
            Revise { project, version } => {
                format!("{who} revises the PDD of {project} (version {version})")
            }
            Submit { project } => format!("{who} submits {project} for validation"),
            Review { project } => format!("{who} starts reviewing {project}"),
            Validate { project, .. } => format!("{who} validates {project}"),
            Reject { project, .. } => format!("{who} rejects {project}"),
            Archive { project, .. } => format!("{who} archives {project}"),
            SubmitReport { report } => format!("{who} submits monitoring report {report}"),
            Verify {
                report, amount_kg, ..
            } if *amount_kg == 0 => format!("{who} rejects monitoring report {report}"),
            Verify {
                report, amount_kg, ..
            } => format!(
                "{who} verifies monitoring report {report} ({} t)",
                amount_kg / 1000
            ),
            Attest {
                report,
                signer,
                amount_kg,
                ..
            } => format!(
                "{who} relays {}'s signed attestation of {report} ({} t)",
                signer.name(),
                amount_kg / 1000
            ),
            Issue {
                report,
                amount,
                buffer,
                to,
                ..
            } => format!(
                "{who} issues {amount} t against {report} to {} (+{buffer} t buffer)",
                to.name()
            ),
            Transfer { token, to } => format!("{who} transfers {token} to {}", to.name()),
            Split { token, amount, .. } => format!("{who} splits {amount} t off {token}"),
            Retire {
                token,
                amount,
                claim,
                ..
            } => format!(
                "{who} retires {amount} t of {token} for {}",
                claim.beneficiary
            ),
            Cancel { token, amount, .. } => format!("{who} cancels {amount} t of {token}"),
            SetLabels { token, itmo, .. } => format!("{who} labels {token} ({itmo})"),
        }
    }
}

fn step(actor: Actor, action: Action) -> Step {
    Step { actor, action }
}

/// The whole scenario.
pub(crate) fn script() -> Vec<Step> {
    use Action::*;
    use Actor::*;
    // ---- Projects: registration, validation (one rejected and revised), one left in review.
    let mut s = vec![
        step(DeveloperA, Register { project: BR }),
        step(DeveloperB, Register { project: KE }),
        step(DeveloperA, Register { project: ID }),
        step(DeveloperB, Register { project: IS }),
        step(DeveloperA, Register { project: UY }),
    ];
    for (who, project) in [
        (DeveloperA, BR),
        (DeveloperB, KE),
        (DeveloperA, ID),
        (DeveloperB, IS),
        (DeveloperA, UY),
    ] {
        s.push(step(who, Submit { project }));
    }
    s.push(step(Validator, Review { project: BR }));
    s.push(step(
        Validator,
        Validate {
            project: BR,
            justification: "VM0047 v1.0 applicability met; dynamic performance benchmark and \
                permanent plot design are conservative.",
            crediting: ("2023-01-01", "2053-01-01"),
        },
    ));
    s.push(step(
        Validator,
        Validate {
            project: KE,
            justification: "Feedstock is an agricultural residue; H/Corg below 0.7 in all \
                validation batches; end use in soils documented.",
            crediting: ("2024-01-01", "2034-01-01"),
        },
    ));
    s.push(step(Validator, Review { project: ID }));
    s.push(step(
        Validator,
        Reject {
            project: ID,
            justification: "The baseline ignores natural mangrove recolonisation of abandoned \
                ponds, and leakage from displaced shrimp farming is not assessed.",
        },
    ));
    s.push(step(
        DeveloperA,
        Revise {
            project: ID,
            version: 2,
        },
    ));
    s.push(step(DeveloperA, Submit { project: ID }));
    s.push(step(Validator, Review { project: ID }));
    s.push(step(
        Validator,
        Validate {
            project: ID,
            justification: "Revised baseline includes recolonisation from a 61-pond Landsat \
                analysis; 10 % leakage deduction accepted.",
            crediting: ("2022-07-01", "2052-07-01"),
        },
    ));
    s.push(step(Validator, Review { project: IS }));
    s.push(step(
        Validator,
        Validate {
            project: IS,
            justification: "Capture and injection metering meet ISO 14064-2; storage permit and \
                mineralisation monitoring plan in place.",
            crediting: ("2024-01-01", "2044-01-01"),
        },
    ));
    s.push(step(Validator, Review { project: UY }));
    s.push(step(
        Validator,
        Validate {
            project: UY,
            justification: "Soil sampling design with 120 georeferenced points and 30 cm depth \
                is adequate.",
            crediting: ("2023-01-01", "2043-01-01"),
        },
    ));
    s.push(step(DeveloperB, Register { project: IN }));
    s.push(step(DeveloperB, Submit { project: IN }));
    s.push(step(Validator, Review { project: IN }));
    s.push(step(
        DeveloperA,
        Archive {
            project: UY,
            reason: "Withdrawn by the proponent after the sale of the estancia in 2025; no \
                monitoring report was submitted and no units were issued.",
        },
    ));

    // ---- Monitoring: consecutive years, one rejection and its correction, both ways of
    // verifying, one report left awaiting verification.
    for (who, report) in [
        (DeveloperA, "OGCR-BR-0107-MRV-2023"),
        (DeveloperB, "OGCR-KE-0023-MRV-2024"),
        (DeveloperB, "OGCR-IS-0004-MRV-2024"),
        (DeveloperA, "OGCR-ID-0031-MRV-2024"),
        (DeveloperA, "OGCR-BR-0107-MRV-2024"),
    ] {
        s.push(step(who, SubmitReport { report }));
    }
    let verify = |report, amount_kg, statement| Verify {
        report,
        amount_kg,
        statement,
    };
    let attest = |report, amount_kg, statement| Attest {
        report,
        signer: VerifierB,
        amount_kg,
        statement,
    };
    s.push(step(
        VerifierA,
        verify(
            "OGCR-BR-0107-MRV-2023",
            4_850_300,
            "Reasonable assurance; 8 of 52 plots re-measured in the field within 3 %.",
        ),
    ));
    s.push(step(
        VerifierA,
        verify(
            "OGCR-KE-0023-MRV-2024",
            4_896_200,
            "Production records reconciled with weighbridge tickets and lab certificates.",
        ),
    ));
    s.push(step(
        VerifierA,
        verify(
            "OGCR-IS-0004-MRV-2024",
            1_184_600,
            "Meter calibration certificates and injection logs reconciled; life-cycle \
                emissions recomputed.",
        ),
    ));
    s.push(step(
        Relayer,
        attest(
            "OGCR-ID-0031-MRV-2024",
            3_120_400,
            "Transect survival and sediment cores consistent with the reported stocks.",
        ),
    ));
    s.push(step(
        VerifierA,
        verify(
            "OGCR-BR-0107-MRV-2024",
            0,
            "Rejected: 14 of 52 permanent plots were not re-measured in 2024; the estimate \
                extrapolates from an unrepresentative subset.",
        ),
    ));
    s.push(step(
        DeveloperA,
        SubmitReport {
            report: "OGCR-BR-0107-MRV-2024-R2",
        },
    ));
    s.push(step(
        Relayer,
        attest(
            "OGCR-BR-0107-MRV-2024-R2",
            6_912_800,
            "All 52 plots re-measured; estimate within the 90 % interval of our check plots.",
        ),
    ));
    for (who, report) in [
        (DeveloperB, "OGCR-KE-0023-MRV-2025"),
        (DeveloperB, "OGCR-IS-0004-MRV-2025"),
        (DeveloperA, "OGCR-ID-0031-MRV-2025"),
        (DeveloperA, "OGCR-BR-0107-MRV-2025"),
    ] {
        s.push(step(who, SubmitReport { report }));
    }
    s.push(step(
        Relayer,
        attest(
            "OGCR-KE-0023-MRV-2025",
            5_901_000,
            "Moisture content of two batches understated; 73.7 t deducted conservatively.",
        ),
    ));
    s.push(step(
        VerifierA,
        verify(
            "OGCR-IS-0004-MRV-2025",
            2_307_900,
            "Continuous metering data complete; tracer tests confirm containment.",
        ),
    ));
    s.push(step(
        VerifierA,
        verify(
            "OGCR-ID-0031-MRV-2025",
            3_486_900,
            "Survival and biomass plots verified on 21 transects.",
        ),
    ));

    // ---- Issuance with buffer shares and compliance labels.
    let issue = |report, to, amount, buffer, labels, itmo, token, buffer_token| Issue {
        report,
        to,
        amount,
        buffer,
        labels,
        itmo,
        token,
        buffer_token,
    };
    for i in [
        issue(
            "OGCR-BR-0107-MRV-2023",
            DeveloperA,
            3_880,
            970,
            CORSIA,
            "",
            "br23",
            "br23-buffer",
        ),
        issue(
            "OGCR-KE-0023-MRV-2024",
            DeveloperB,
            4_406,
            490,
            ARTICLE6,
            "KE-ITMO-2024-000001",
            "ke24",
            "ke24-buffer",
        ),
        issue(
            "OGCR-IS-0004-MRV-2024",
            DeveloperB,
            1_148,
            36,
            CORSIA,
            "",
            "is24",
            "is24-buffer",
        ),
        issue(
            "OGCR-ID-0031-MRV-2024",
            DeveloperA,
            2_496,
            624,
            0,
            "",
            "id24",
            "id24-buffer",
        ),
        issue(
            "OGCR-BR-0107-MRV-2024-R2",
            DeveloperA,
            5_529,
            1_383,
            CORSIA,
            "",
            "br24",
            "br24-buffer",
        ),
        issue(
            "OGCR-KE-0023-MRV-2025",
            DeveloperB,
            5_311,
            590,
            CORSIA | ARTICLE6,
            "KE-ITMO-2025-000014",
            "ke25",
            "ke25-buffer",
        ),
        issue(
            "OGCR-IS-0004-MRV-2025",
            DeveloperB,
            2_238,
            69,
            0,
            "",
            "is25",
            "is25-buffer",
        ),
    ] {
        s.push(step(Operator, i));
    }

    // ---- The market: transfers, splits, retirements, labels, cancellations.
    s.push(step(
        DeveloperA,
        Split {
            token: "br23",
            amount: 2_000,
            new_token: "br23-airline",
        },
    ));
    s.push(step(
        DeveloperA,
        Transfer {
            token: "br23-airline",
            to: Airline,
        },
    ));
    s.push(step(
        Airline,
        Retire {
            token: "br23-airline",
            amount: 1_200,
            claim: Claim {
                reason_code: 2,
                beneficiary: "Andes Pacific Airways S.A.",
                beneficiary_id: "LEI:254900ZQ6RKPX7QB4V19",
                detail: "CORSIA first phase (2024-2026) offsetting requirement for 2024 \
                    international flights; State of registration: Chile.",
            },
            retired_token: "br23-retired-corsia",
        },
    ));
    s.push(step(
        DeveloperB,
        Transfer {
            token: "ke24",
            to: Fund,
        },
    ));
    s.push(step(
        Fund,
        Split {
            token: "ke24",
            amount: 1_000,
            new_token: "ke24-ndc",
        },
    ));
    s.push(step(
        Fund,
        Retire {
            token: "ke24-ndc",
            amount: 1_000,
            claim: Claim {
                reason_code: 3,
                beneficiary: "Swiss Confederation",
                beneficiary_id: "ISO3166-1:CH",
                detail: "Use towards Switzerland's NDC 2021-2030 under the Kenya-Switzerland \
                    Article 6.2 implementing agreement; corresponding adjustment applied by Kenya.",
            },
            retired_token: "ke24-ndc",
        },
    ));
    s.push(step(
        DeveloperB,
        Transfer {
            token: "ke25",
            to: Airline,
        },
    ));
    s.push(step(
        Airline,
        Retire {
            token: "ke25",
            amount: 2_500,
            claim: Claim {
                reason_code: 2,
                beneficiary: "Andes Pacific Airways S.A.",
                beneficiary_id: "LEI:254900ZQ6RKPX7QB4V19",
                detail: "CORSIA first phase offsetting for 2025 international flights with \
                    Article 6 authorised units (ITMO KE-ITMO-2025-000014, authorised for \
                    international mitigation purposes).",
            },
            retired_token: "ke25-retired-corsia",
        },
    ));
    s.push(step(
        Operator,
        SetLabels {
            token: "id24",
            labels: ARTICLE6,
            itmo: "ID-ITMO-2025-000007",
        },
    ));
    s.push(step(
        DeveloperA,
        Transfer {
            token: "id24",
            to: Fund,
        },
    ));
    s.push(step(
        Fund,
        Split {
            token: "id24",
            amount: 800,
            new_token: "id24-airline",
        },
    ));
    s.push(step(
        Fund,
        Transfer {
            token: "id24-airline",
            to: Airline,
        },
    ));
    s.push(step(
        DeveloperB,
        Transfer {
            token: "is25",
            to: Fund,
        },
    ));
    s.push(step(
        Fund,
        Retire {
            token: "is25",
            amount: 250,
            claim: Claim {
                reason_code: 1,
                beneficiary: "Nordvik Logistics AB",
                beneficiary_id: "LEI:549300QX3E1FJ8WZ2K57",
                detail: "Neutralisation of residual 2025 scope 1 emissions with permanent \
                    removals (SBTi Corporate Net-Zero Standard).",
            },
            retired_token: "is25-retired-voluntary",
        },
    ));
    s.push(step(
        Operator,
        Cancel {
            token: "id24-buffer",
            amount: 150,
            reason: "Reversal: 11.4 ha of replanted mangrove lost to coastal abrasion (2025 \
                monitoring); buffer units cancelled to cover the loss.",
            cancelled_token: "id24-buffer-reversal",
        },
    ));
    s.push(step(
        Operator,
        Cancel {
            token: "ke24",
            amount: 406,
            reason: "Correction: 406 t of vintage 2024 were also credited under Kenya's \
                jurisdictional programme; cancelled to avoid double issuance (registry \
                decision RD-2025-031).",
            cancelled_token: "ke24-correction",
        },
    ));
    s
}
