"""The published figures the demonstration store reproduces: what each is, whose it is, which document
it comes from and how the demonstration uses it. The Sources page, the banner, the board pack's cover
and the README all say what this list says; a test checks the demonstration store against it.

Attribution matters: seed 001 is **Royal Papworth Hospital NHS Foundation Trust's** own assessment
against the Phase 3 letter (it names itself "RPH"), a specialist heart and lung Trust in Cambridge,
outside Bromley. Its July 2020 diagnostic and outpatient percentages and its review RAG counts give the
demonstration a realistic shape; they are never One Bromley's figures. Seed 003 is the One Bromley
recovery plan (2020), whose figures are Bromley's own.
"""

from __future__ import annotations

from dataclasses import dataclass

SPECIALIST_TRUST = "Royal Papworth Hospital NHS Foundation Trust"

BROMLEY_PLAN = "One Bromley recovery plan (2020), seed 003"
SPECIALIST_ASSESSMENT = (
    f"{SPECIALIST_TRUST}: assessment against the requirements of the third phase of the NHS response to "
    "Covid-19 (August 2020), seed 001"
)
DEMO_STATEMENT = (
    "The figures are synthetic, generated to show how the dashboard works; they describe no real activity. "
    "A few published figures shape them: the Sources page lists each one, its document and whose it is."
)
PACK_STATEMENT = (
    "Demonstration data: synthetic figures, not real activity. The published figures that shape them are "
    f"Bromley's own (One Bromley recovery plan) and, for July 2020 diagnostics and outpatients and the Phase 3 "
    f"assessment, {SPECIALIST_TRUST}'s (a specialist Trust outside Bromley) — never One Bromley's position."
)


@dataclass(frozen=True)
class PublishedFigure:
    """One published figure: what, the value as published, whose it is, where, and how the demo uses it.

    `checks` are what the demonstration store reproduces: ("metric", metric id, "YYYY-MM", fraction or
    count), ("total", measure, ("YYYY-MM", …), total), ("site_total", measure, site, months, total),
    ("window_total", measure, (("YYYY-MM", share of the month), …), total) for a published period that does
    not start and end with months (taken pro rata by days), or ("metric_range", metric id, months, low, high)
    for a published shape rather than a number."""

    figure: str
    value: str
    organisation: str
    document: str
    where: str
    use: str
    checks: tuple = ()


FIGURES: tuple[PublishedFigure, ...] = (
    PublishedFigure(
        "eConsult submissions, February 2020", "3,481", "One Bromley (Bromley practices)", BROMLEY_PLAN,
        "“Monitoring the Covid impact” (line 217)",
        "The demonstration's Bromley total for February 2020 (the eConsult reference month).",
        (("metric", "econsult_submissions", "2020-02", 3481),),
    ),
    PublishedFigure(
        "eConsult submissions, July 2020", "15,091", "One Bromley (Bromley practices)", BROMLEY_PLAN,
        "“Monitoring the Covid impact” (line 217)",
        "The demonstration's Bromley total for July 2020; other months are invented around it.",
        (("metric", "econsult_submissions", "2020-07", 15091),),
    ),
    PublishedFigure(
        "Video consultations in general practice, 17 May – 17 August 2020", "5,598", "One Bromley (Bromley practices)",
        BROMLEY_PLAN, "“Monitoring the Covid impact” (line 217): “There have also been 5598 video consultations "
        "delivered across Bromley in the last three months (17TH May – 17th August)”",
        "The demonstration's May to August 2020 totals, taken pro rata by days (15/31 of May, June, July, 17/31 of "
        "August), come to 5,598; the plan gives no monthly figures, so the split between months is invented.",
        (("window_total", "video_consultations", (("2020-05", 15 / 31), ("2020-06", 1.0), ("2020-07", 1.0),
                                                  ("2020-08", 17 / 31)), 5598),),
    ),
    PublishedFigure(
        "Ambulance call-outs to care homes not conveyed to hospital, April 2019 and April 2020", "24% / 38%",
        "One Bromley (care homes; London Ambulance Service figures)", BROMLEY_PLAN,
        "care homes (line 434): “Decreased from 1st to 6th in LAS call outs to care homes in London (April 19 vs "
        "April 20). However non-conveyance rate has increased from 24% to 38%”",
        "The demonstration's care-home non-conveyance share is 24% in April 2019 and 38% in April 2020; the "
        "call-out counts and every other month are invented.",
        (("metric", "care_home_non_conveyance", "2019-04", 0.24),
         ("metric", "care_home_non_conveyance", "2020-04", 0.38)),
    ),
    PublishedFigure(
        "Mental health referrals, summer 2020", "“now 50/60% of normal”", "One Bromley (Oxleas and partners)",
        BROMLEY_PLAN, "adult and adolescent mental health (lines 308 and 309): “Drop in referrals across the board – "
        "now 50/60% of normal.”",
        "A shape, not a number: the demonstration's IAPT referrals for May to July 2020 are 50–60% of the same "
        "months of 2019/20.",
        (("metric_range", "iapt_referrals_activity", ("2020-05", "2020-06", "2020-07"), 0.495, 0.605),),
    ),
    PublishedFigure(
        "Discharges through the Single Point of Access, April–June 2020", "1,839, of which 854 from the PRUH",
        "One Bromley (Single Point of Access)", BROMLEY_PLAN, "SPA case study (line 428)",
        "The demonstration's SPA discharges for April–June 2020 add up to 1,839, 854 of them from the PRUH.",
        (("total", "spa_discharges", ("2020-04", "2020-05", "2020-06"), 1839),
         ("site_total", "spa_discharges", "PRUH", ("2020-04", "2020-05", "2020-06"), 854)),
    ),
    PublishedFigure(
        "SPA discharges within 24 hours, April–June 2020", "75.5%", "One Bromley (Single Point of Access)",
        BROMLEY_PLAN, "SPA case study (lines 412 and 428)",
        "1,388 of the demonstration's 1,839 April–June 2020 discharges are within 24 hours (75.5%).",
        (("total", "spa_discharges_within_24h", ("2020-04", "2020-05", "2020-06"), 1388),),
    ),
    PublishedFigure(
        "Saved bed days, April–June 2020", "4,459", "One Bromley (Single Point of Access)", BROMLEY_PLAN,
        "SPA case study (lines 410 and 432)",
        "The demonstration's saved bed days for April–June 2020 add up to 4,459.",
        (("total", "spa_saved_bed_days", ("2020-04", "2020-05", "2020-06"), 4459),),
    ),
    PublishedFigure(
        "Welfare calls, April–June 2020", "257", "One Bromley (Single Point of Access)", BROMLEY_PLAN,
        "SPA case study (line 414)",
        "The demonstration's welfare calls for April–June 2020 add up to 257.",
        (("total", "spa_welfare_calls", ("2020-04", "2020-05", "2020-06"), 257),),
    ),
    PublishedFigure(
        "CT and MRI tests, July 2020, as a share of July 2019", "85.4% / 92.3%",
        f"{SPECIALIST_TRUST} (a specialist Trust outside Bromley)", SPECIALIST_ASSESSMENT,
        "requirement A2, elective activity (line 36)",
        "Another Trust's published position, used only to give the demonstration's July 2020 a realistic shape; "
        "never One Bromley's figure.",
        (("metric", "ct_activity", "2020-07", 0.854), ("metric", "mri_activity", "2020-07", 0.923)),
    ),
    PublishedFigure(
        "First and follow-up outpatient attendances, July 2020, as a share of July 2019", "95.5% / 79.8%",
        f"{SPECIALIST_TRUST} (a specialist Trust outside Bromley)", SPECIALIST_ASSESSMENT,
        "requirement A2, outpatients (line 41)",
        "Another Trust's published position, used only to give the demonstration's July 2020 a realistic shape; "
        "never One Bromley's figure.",
        (("metric", "op_first_activity", "2020-07", 0.955), ("metric", "op_followup_activity", "2020-07", 0.798)),
    ),
    PublishedFigure(
        "Phase 3 assessment RAG counts, reviews of 3 and 27 August 2020",
        "R0 A17 G17 TBC2 / R0 A14 G20 TBC2",
        f"{SPECIALIST_TRUST} (a specialist Trust outside Bromley)", SPECIALIST_ASSESSMENT,
        "summary table of the assessment",
        f"The demonstration's two reviews are {SPECIALIST_TRUST}'s, shown under that name on the Phase 3 assessment "
        "page; individual ratings are reconstructed to reproduce the published counts.",
        (("rag_counts", "2020-08-03", (0, 17, 17, 2)), ("rag_counts", "2020-08-27", (0, 14, 20, 2))),
    ),
)


def sources_table() -> list[dict[str, str]]:
    """The Sources page's table: one row per published figure."""
    return [
        {
            "Figure": f.figure,
            "Published value": f.value,
            "Whose figure": f.organisation,
            "Document": f"{f.document}: {f.where}",
            "How the demonstration uses it": f.use,
        }
        for f in FIGURES
    ]
