"""The demonstration Phase 3 assessment and recovery-plan milestones, transcribed from the sources.

- Requirements: the asks of the Phase 3 letter (31 July 2020) as one Trust listed them in its
  assessment against every requirement (`shared/seeds/001_…`: Royal Papworth Hospital NHS Foundation
  Trust, a specialist Trust outside Bromley, August 2020), sections A1 cancer to C2
  inequalities, abridged. Of the rows in sections A1–C2 that carry a lead or an assessment, the two
  led by the Cancer Alliance are left out: the letter asks systems to "commission their Cancer
  Alliance" to deliver them, so the Trust did not rate them. That leaves the 36 requirements its
  summary counts on each review date.
- Two reviews, 3 and 27 August 2020. The assessment text is the Trust's own, verbatim apart from
  people's names and initials, which are taken out (edits in [square brackets]); leads are given as
  the role that holds the requirement, never a person. The source publishes the RAG counts per
  review date (3 Aug: Red 0, Amber 17, Green 17, TBC 2; 27 Aug: Red 0, Amber 14, Green 20, TBC 2)
  but rates few rows individually: where it does (the two rows whose lead and rating both read
  "TBC"; the e-Referral row "Complete 24/8/2020") we follow it, and the rest are a reconstruction
  that reproduces the published counts exactly. The mental health row's rating column reads "TBC" in
  the source, which would make three TBCs against the two its summary counts; we rate it Amber
  ("Website to be updated.") and Green by 27 August.
- Milestones: every "Milestones & Timescales" table of the One Bromley recovery plan
  (`shared/seeds/003_…`), with the timescale as written and the last month it allows (an open
  timescale such as "Ongoing" or "TBC" has no due month, so it is never overdue). The plan gives no
  statuses: the statuses here are demonstration data.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from data.store import Store
from metrics.access import Actor
from metrics.sources import SPECIALIST_TRUST

DEMO_RECORDER = "Demonstration data builder"
DEMO_PLAN_ACTOR = Actor.system(DEMO_RECORDER)
# Whose the demonstration's reviews are: seed 001 is a specialist Trust's own published assessment, not
# One Bromley's or any of its partners' (metrics.sources says so wherever the figures are shown).
DEMO_ORGANISATION = SPECIALIST_TRUST
FIRST_REVIEW = dt.date(2020, 8, 3)
SECOND_REVIEW = dt.date(2020, 8, 27)
FIRST_NOTE = (
    f"Demonstration data: {SPECIALIST_TRUST}'s published assessment against the Phase 3 requirements (a "
    "specialist Trust outside Bromley), review of 3 Aug 2020 (published counts R0 A17 G17 TBC2; individual "
    "ratings reconstructed to match). Not One Bromley's position."
)
SECOND_NOTE = (
    f"Demonstration data: {SPECIALIST_TRUST}'s published assessment against the Phase 3 requirements (a "
    "specialist Trust outside Bromley), review of 27 Aug 2020 (published counts R0 A14 G20 TBC2; individual "
    "ratings reconstructed to match). Not One Bromley's position."
)

SECTIONS = {
    "A1": "Cancer services",
    "A2": "Elective activity",
    "A4": "Mental health, learning disability and autism",
    "B1": "Good Covid-related practice",
    "B2": "Preparing for winter",
    "C1": "Workforce",
    "C2": "Health inequalities and prevention",
}

_WORKFORCE_TEXT = "In progress. Reflect in draft People plan being developed."
_CLINICAL_STRATEGY = "Reflected in the Clinical Strategy developed by CDC."

# (requirement id, requirement, lead role, RAG 3 Aug, RAG 27 Aug, assessment 3 Aug, assessment 27 Aug
# or None when unchanged)
REQUIREMENTS: list[tuple[str, str, str, str, str, str, str | None]] = [
    ("A1.1",
     "Work with GPs and the public locally to restore the number of people coming forward and appropriately "
     "being referred with suspected cancer to at least pre-pandemic levels.",
     "Medical Director", "Green", "Green", "Reflected in Clinical Strategy", None),
    ("A1.2",
     "Ensure sufficient diagnostic capacity is in place in Covid19-secure environments, including through the "
     "use of independent sector facilities, and the development of Community Diagnostic Hubs and Rapid "
     "Diagnostic Centres.",
     "Chief Operating Officer", "Green", "Green", "Full capacity available.", None),
    ("A1.3",
     "Increase endoscopy capacity to normal levels, including through the release of endoscopy staff from "
     "other duties, separating upper and lower GI investigations, and using CT colonography to substitute "
     "where appropriate for colonoscopy.",
     "Chief Operating Officer", "Green", "Green", "Not Applicable, service not provided.", None),
    ("A1.4",
     "Expand the capacity of surgical hubs to meet demand and ensure other treatment modalities are also "
     "delivered in Covid19-secure environments.",
     "Deputy Chief Operating Officer", "Green", "Green",
     "Cancer surgical capacity was maintained through the pandemic and restoration phase.", None),
    ("A1.5",
     "Reduce the number of patients waiting for diagnostics and/or treatment longer than 62 days on an urgent "
     "pathway, or over 31 days on a treatment pathway, to pre-pandemic levels, with an immediate plan for "
     "managing those waiting longer than 104 days.",
     "Chief Operating Officer", "Green", "Green", "Full capacity available.", None),
    ("A2.1",
     "In September at least 80% of last year's activity for both overnight electives and outpatient/day case "
     "procedures, rising to 90% in October (aiming for 70% in August); at least 90% of last year's levels of "
     "MRI/CT and endoscopy procedures, with an ambition to reach 100% by October.",
     "Deputy Chief Operating Officer", "Amber", "Amber",
     "CT on track to have cleared it's backlog by 1st September and MRI by 1st October. July, CT at 85.4% "
     "and MRI at 92.3%.", None),
    ("A2.2",
     "100% of last year's activity for first outpatient attendances and follow-ups (face to face or "
     "virtually) from September through the balance of the year (and aiming for 90% in August).",
     "Head of Outpatients", "Amber", "Amber",
     "All services re-started as of 3rd August. Currently at 70% of pre-COVID levels. Ramp-up monitored "
     "through weekly 6-4-2 meeting. July: first appointment at 95.5% and 79.8 for follow up appointment.",
     None),
    ("A2.3",
     "Manage elective waiting lists and performance at system as well as trust level to ensure equal patient "
     "access and effective use of facilities.",
     "STP / CCG planned care lead", "Amber", "Amber",
     "Discussions on-going through Clinical group for services such as Orthopaedics and Respiratory. The "
     "system has agreed that waiting list visibility will be delivered as a first step. Consideration should "
     "be given to how waiting lists for regional and national services should be managed.", None),
    ("A2.4",
     "Trusts, working with GP practices, should ensure that every patient whose planned care has been "
     "disrupted by Covid receives clear communication about how they will be looked after, and who to contact "
     "if their clinical circumstances change.",
     "To be confirmed", "TBC", "TBC", "", None),
    ("A2.5",
     "Treat clinically urgent patients first, with next priority given to the longest waiting patients, "
     "specifically those breaching or at risk of breaching 52 weeks by the end of March 2021.",
     "Chief Operating Officer", "Green", "Green", "Prioritisation processes embedded.", None),
    ("A2.6",
     "In scheduling planned care, follow the new streamlined patient self isolation and testing requirements "
     "set out in the guideline published by NICE.",
     "Infection prevention and control lead, with operational leads", "Amber", "Amber",
     "04.08.20: The NICE guideline has been noted and a decision has been made by the Trust to continue to "
     "abide by 14 day isolation prior to admission for elective surgical and Transplant patients, this "
     "decision has been reached due to the greater risk that is posed to these patients should they contract "
     "COVID-19. With regard to other elective admissions the Trust needs to agree that it is happy to "
     "implement the new guidance and advise patients to follow comprehensive social distancing and hand "
     "hygiene measures for 14 days prior to admission, instead of self isolation for 14 days. […]", None),
    ("A2.7",
     "Ensure the e-Referral Service is fully open to referrals from primary care.",
     "Head of Patient Access", "Amber", "Green",
     "Traige system in place and referrals have not been stopped. Migrating to new RAS system for referrals "
     "by end of August.",
     "Traige system in place and referrals have not been stopped. Migrating to new RAS system for referrals "
     "by end of August. Complete 24/8/2020"),
    ("A2.8",
     "Where an outpatient appointment is clinically necessary, at least 25% could be conducted by telephone "
     "or video, including 60% of all follow-up appointments.",
     "Head of Outpatients", "Green", "Green",
     "All clinics that can effectively be delivered virtually or by phone now changed. Full template review "
     "undertaken and templates ammended.", None),
    ("A4.1",
     "Resume IAPT services, retain the 24/7 crisis helplines established during the pandemic, and ensure "
     "that local access to mental health services is clearly advertised.",
     "Head of Communications", "Amber", "Green", "Website to be updated.", None),
    ("A4.2",
     "Continue to reduce the number of children, young people and adults with a learning disability, autism "
     "or both within a specialist inpatient setting, and ensure Care (Education) and Treatment Reviews always "
     "take place before and after inpatient admission.",
     "Deputy Chief Nurse", "Amber", "Green",
     "04.08.2020: RPH has a very small number of patients with learning disabilities or autism. RPH takes "
     "part in the Annual National Learning Disability Improvement Standards survey which also looks at "
     "attendance numbers (Trust lead is [the] Deputy Chief Nurse) […] Also note DN810 Learning Disability "
     "and Autism Policy which is a new Policy for approval at the Trust Safeguarding Committee 07.08.2020.",
     None),
    ("A4.3",
     "Complete all outstanding Learning Disability Mortality Reviews (LeDeR) by December 2020.",
     "Deputy Chief Nurse", "Green", "Green",
     "04.08.2020: RPH has two trained LeDeR reviewers […] and we are fully engaged with this process. As per "
     "LeDeR requirements, we refer into the programme and our reviewers are invitred to review cases. Control "
     "over the reviews is nationally and regionally led.", None),
    ("B1.1",
     "Continue to follow PHE's guidance on defining and managing communicable disease outbreaks.",
     "Director of Infection Prevention and Control", "Green", "Green",
     "PHE guidance followed throughout response and restoration of services. 04.08.2020: RPH monitors "
     "nosocomial infection rates and reports monthly through PIPR.", None),
    ("B1.2",
     "Follow PHE/DHSC-determined policies on which patients, staff and members of the public should be "
     "tested and how often, and prepare for regular routine Covid testing of all asymptomatic staff.",
     "Infection prevention and control lead", "Green", "Green",
     "04.08.20: All inpatients are tested prior to admission or on admission and weekly thereafter. As "
     "previously advised asymptomatic staff will be screened as part of the SIREN study. There is a procedure "
     "in place to ensure all symptomatic staff are tested in a timely manner. […]", None),
    ("B1.3",
     "Apply PHE's infection prevention and control guidance and the actions in the letter of 9 June on "
     "minimising nosocomial infections across all NHS settings.",
     "Director of Infection Prevention and Control", "Green", "Green",
     "PHE guidance followed throughout response and restoration of services.", None),
    ("B1.4",
     "Ensure NHS staff and patients have access to and use PPE in line with PHE's recommended policies.",
     "Head of Procurement", "Green", "Green",
     "PPE dashboard used to monitor stocks daily. Trust has moved to re-useable gowns with a closed loop "
     "laundry solution.", None),
    ("B2.1",
     "Sustain current NHS staffing, beds and capacity, using the additional £3 billion NHS revenue funding, "
     "and support to quickly and safely discharge patients from NHS hospitals through to March 2021.",
     "Chief Finance Officer", "Amber", "Amber",
     "Fully engaged in FFPG and working with system partners to bidding for CIF monies.", None),
    ("B2.2",
     "Deliver a very significantly expanded seasonal flu vaccination programme, including easy access for "
     "all NHS staff; mobilise delivery capability for a Covid19 vaccine if and when one becomes available.",
     "Director of Infection Prevention and Control", "Amber", "Amber",
     "04.08.2020: RPH planning started w/c 27.07.2020 in partnership with CUH Occupational Health. Email "
     "from CCG Chief Nurse 29.07.2020 confirms the vaccine delivery schedule […] plans to use a peer "
     "vaccination programme which has been succesful in previous years with an aim of as close to 100% "
     "vaccination rate as possible.", None),
    ("B2.3",
     "Continue to make full use of the NHS Volunteer Responders scheme.",
     "Head of Voluntary Services", "Green", "Green", "Limited impact for our patients.", None),
    ("B2.4",
     "Continue to work with local authorities, given the critical dependency of our patients on resilient "
     "social care services; ensure those medically fit for discharge are not delayed from going home.",
     "Head of Patient Flow and Discharge", "Green", "Green",
     "[Trust lead] representing on Domain 1 - Out of Hospital Care group.", None),
    ("C1.1", "Keep staff safe, healthy and well – both physically and psychologically.",
     "Director of Workforce", "Amber", "Amber", _WORKFORCE_TEXT, None),
    ("C1.2", "Offer staff flexible working.",
     "Director of Workforce", "Amber", "Amber", _WORKFORCE_TEXT, None),
    ("C1.3",
     "Take urgent action to address systemic inequality that is experienced by some of our staff, including "
     "BAME staff.",
     "Director of Workforce", "Amber", "Amber", _WORKFORCE_TEXT, None),
    ("C1.4",
     "New ways of working and delivering care, making full and flexible use of the full range of our "
     "people's skills and experience.",
     "Director of Workforce", "Amber", "Amber", _WORKFORCE_TEXT, None),
    ("C1.5",
     "Grow the workforce, supporting former staff to return to the NHS and retaining staff for longer.",
     "Director of Workforce", "Amber", "Amber", _WORKFORCE_TEXT, None),
    ("C1.6",
     "Workforce planning and transformation so that people can be recruited and deployed across systems.",
     "Director of Workforce", "Amber", "Amber", _WORKFORCE_TEXT, None),
    ("C1.7",
     "Develop a local People Plan covering staff numbers, mental and physical support for staff, retention, "
     "flexible working and the development and upskilling of staff.",
     "Director of Workforce", "Amber", "Amber", _WORKFORCE_TEXT, None),
    ("C2.1",
     "Work with local communities and partners to take urgent action to increase the scale and pace of "
     "progress of reducing health inequalities, and regularly assess this progress.",
     "Medical Director", "Green", "Green", _CLINICAL_STRATEGY, None),
    ("C2.2",
     "Protect the most vulnerable from Covid, with enhanced analysis and community engagement, and better "
     "engage those communities who need most support.",
     "To be confirmed", "TBC", "TBC", "", None),
    ("C2.3",
     "Restore NHS services inclusively, guided by new, core performance monitoring of service use and "
     "outcomes among those from the most deprived neighbourhoods and from Black and Asian communities, by "
     "31 October.",
     "Medical Director", "Green", "Green", _CLINICAL_STRATEGY, None),
    ("C2.4",
     "Ensure datasets are complete and timely, to underpin an understanding of and response to "
     "inequalities, including the completeness of patient ethnicity data by 31 December.",
     "Head of Performance and Information", "Amber", "Amber", "", None),
    ("C2.5",
     "Strengthen leadership and accountability, with a named executive Board member responsible for tackling "
     "inequalities in place in September in every NHS organisation.",
     "Director of Workforce", "Green", "Green",
     "WRES action plan in place. Charity has funded a post to support Equality and Diversity.", None),
]

# (workstream, milestone, timescale as written in the plan, last month it allows or None, status)
# The statuses are demonstration data: the plan gives milestones and timescales only.
MILESTONES: list[tuple[str, str, str, str | None, str]] = [
    ("Urgent care", "Set up task and finish groups with key partners to scope and define the model",
     "July 2020", "2020-07", "Complete"),
    ("Urgent care", "Review the system plan to ensure coherent and communicate to all partners",
     "Aug 2020", "2020-08", "Complete"),
    ("Urgent care", "Mobilise", "Sept 2020", "2020-09", "In progress"),
    ("Ageing Well accelerator site",
     "Data and workforce modelling; logistics; recruitment; digital competency; e-scheduling detailed work",
     "Q1/2 2020-21", "2020-09", "Complete"),
    ("Ageing Well accelerator site", "All accelerator sites live with full model and reaching the standards",
     "Q1 2021-22", "2021-06", "Not started"),
    ("Ageing Well accelerator site", "Accelerator learning published", "Q1 2023-24", "2023-06", "Not started"),
    ("Frailty and proactive care", "Streamlined Proactive care pathway re-opened", "July 2020", "2020-07",
     "Complete"),
    ("Frailty and proactive care",
     "Systematic approach to patient identification and case management (Proactive care)", "Oct 2020",
     "2020-10", "In progress"),
    ("Frailty and proactive care", "Pilot a Frailty Ambulatory service model", "Nov 2020", "2020-11",
     "In progress"),
    ("Frailty and proactive care", "Front door frailty assessment/ MDT & assessment", "Nov 2020", "2020-11",
     "Complete"),
    ("Frailty and proactive care",
     "Development of a Virtual ward- frailty programme across secondary and community care", "TBC", None,
     "Not started"),
    ("Mental health",
     "Bring forward a long-term enhanced primary care offer for mental health in Bromley, building on the "
     "learning from the shared care pilot", "2020/21", "2021-03", "In progress"),
    ("Mental health", "Transformation of recovery pathway with a new housing/floating support offer", "2020",
     "2020-12", "In progress"),
    ("Mental health", "Refresh of prevention/early intervention offer", "2020", "2020-12", "Complete"),
    ("Elective care", "Outpatients to return following the temporary shut down due to the pandemic", "Jul 20",
     "2020-07", "Complete"),
    ("Elective care", "Reset and recovery plans for outpatients to be published", "Oct 20", "2020-10",
     "Complete"),
    ("Elective care", "Delivery of reset and recovery plans for outpatients", "Jan 21", "2021-01", "In progress"),
    ("Children and young people (integrated care)", "Implementation of a Hospital @ Home model", "Nov 2020",
     "2020-11", "Complete"),
    ("Children and young people (integrated care)",
     "Development of a winter C&YP primary/ community care model", "Oct/ Nov 2020", "2020-11", "Complete"),
    ("Children and young people (integrated care)",
     "Pathway in place for C&YP with potential covid/ respiratory symptoms as part of winter planning",
     "Oct/ Nov 2020", "2020-11", "Complete"),
    ("Children and young people (SEND)", "Schools reopening/many SEND services recommencing", "Sept 2020",
     "2020-09", "Complete"),
    ("Children and young people (SEND)", "Review of Speech & Language & Occupational Therapy", "Dec 2020",
     "2020-12", "In progress"),
    ("Children and young people (SEND)", "New children and young people wellbeing service procured", "Dec 2020",
     "2020-12", "Complete"),
    ("Diabetes", "Commission online spaces for diabetes education", "Oct 2020", "2020-10", "Complete"),
    ("Diabetes", "Submit NHSE Treatment and Care strategic plan for Bromley", "Jul 2020", "2020-07", "Complete"),
    ("Diabetes", "Academic half day event – diabetes", "Sept 2020", "2020-09", "Complete"),
    ("Diabetes",
     "Consultant diabetologists and inpatient diabetes specialist nurse led discharge clinic to be "
     "implemented at PRUH", "Aug 2020", "2020-08", "In progress"),
    ("Diabetes", "Plans for Freestyle Libre, general support to community provider in changing service provision",
     "Sept 2020", "2020-09", "Complete"),
    ("End of life care", "Re-establish EoL Steering group", "Sep 2020", "2020-09", "Complete"),
    ("End of life care", "Review commissioned and contracted services for EOL with a view to clarify and streamline",
     "Dec 2020", "2020-12", "In progress"),
    ("End of life care", "Link with SEL planning on EOL strategy (including CMC)", "Aug 2020", "2020-08",
     "Complete"),
    ("Care homes", "Formalise MDT holistic support around Care homes", "July 2020", "2020-07", "Complete"),
    ("Care homes",
     "Agree focus of care and support over winter and phase 2 maintaining infrastructure and support that has "
     "been provided during covid19", "Aug 2020", "2020-08", "Complete"),
    ("Medicines management", "Form borough medicines implementation group", "Oct 2020", "2020-10", "Complete"),
    ("Medicines management",
     "Commence implementation of revised QIPP plan post PCN annual prescribing reviews/ agreements", "Oct 2020",
     "2020-10", "Complete"),
    ("Medicines management", "Recruit to gaps in team in order to meet key priorities", "Oct 2020", "2020-10",
     "In progress"),
    ("Medicines management", "Install, train and optimise digital solutions", "Jan 2021", "2021-01", "In progress"),
    ("Medicines management", "Develop resource tools/training to support DES SMRs", "Oct 2020", "2020-10",
     "Complete"),
    ("Demand and capacity modelling",
     "Group set up to take ownership of the development of a single One Bromley Demand & Capacity model",
     "August 2020", "2020-08", "Complete"),
    ("Demand and capacity modelling", "Investigation into data availability and access", "August 2020",
     "2020-08", "Complete"),
    ("Demand and capacity modelling", "Agree and source resource and capacity for the work", "August 2020",
     "2020-08", "In progress"),
    ("Demand and capacity modelling", "Commence work on first iteration", "Early Q3 2020/21", "2020-10",
     "In progress"),
    ("Demand and capacity modelling", "Resolution of any IG implications to sharing of new data feeds", "2020/21",
     "2021-03", "Not started"),
    ("Estates", "Agree the Funding route for Bromley H&WBC", "July 2020", "2020-07", "Complete"),
    ("Estates", "Submit the Bromley H&WBC Outline business Case", "Sept 2020", "2020-09", "In progress"),
    ("Estates",
     "Complete the feasibility study and confirm the options to support the Penge and Anerley GP practices",
     "July 2020", "2020-07", "Complete"),
    ("Estates", "Arrange a Local Estates forum to restart the local mapping exercise", "July 2020", "2020-07",
     "Complete"),
    ("Estates",
     "Look at Borough and highlight sites for potential disposal and those where we can increase Utilisation",
     "July 2020", "2020-07", "Not started"),
    ("Digital", "Office 365 to corporate staff", "Dec 2020", "2020-12", "Complete"),
    ("Digital", "Office 365 to GP staff (phased to ensure all 365 features are implemented correctly)",
     "Nov 2020", "2020-11", "In progress"),
    ("Digital", "Wifi update to GPs", "Mar 2021", "2021-03", "In progress"),
    ("Digital", "GP Spoke Server update", "Mar 2022", "2022-03", "Not started"),
    ("Digital", "Health Record- Joining with Social Care (LBB procuring presently)", "Mar 2021", "2021-03",
     "In progress"),
    ("Contracting", "Agree Contract Variation for current Alliance Contract for 2020/21", "Sept 2020", "2020-09",
     "Complete"),
    ("Contracting", "Agree contractual form for One Bromley (ICP or Alliance)", "April 2021", "2021-04",
     "Not started"),
    ("Workforce", "Review health and well being offer and possibilities sharing resources", "August 2020",
     "2020-08", "Complete"),
    ("Workforce", "Carry out physical and mental risk and DSE assessments as per national guidelines", "Ongoing",
     None, "In progress"),
    ("Workforce", "One Bromley leadership and governance processes explored and agreed", "August 2020", "2020-08",
     "Complete"),
    ("Workforce",
     "Implementation of BAU workforce processes including appraisal, mandatory training, recruitment and "
     "sickness reduction", "July 2020", "2020-07", "Complete"),
    ("Workforce", "Virtual recruitment fair implemented", "Oct 2020", "2020-10", "Complete"),
    ("Workforce", "Review availability and ongoing support needs of volunteer workforce", "Sept 2020", "2020-09",
     "In progress"),
    ("Workforce", "Increase student placements", "Sept 2020", "2020-09", "Complete"),
    ("Workforce", "Development of staff to support new ways of working", "Ongoing", None, "In progress"),
]


def requirements_frame() -> pd.DataFrame:
    """The requirements as the store keeps them (requirement_id, section, section_title, requirement,
    sort_order)."""
    rows = []
    for order, (requirement_id, text, *_rest) in enumerate(REQUIREMENTS, start=1):
        section = requirement_id.split(".")[0]
        rows.append((requirement_id, section, SECTIONS[section], text, order))
    return pd.DataFrame(rows, columns=["requirement_id", "section", "section_title", "requirement", "sort_order"])


def review_frame(which: int) -> pd.DataFrame:
    """The rows of the first (0) or second (1) demonstration review."""
    rows = []
    for requirement_id, _text, lead, rag_first, rag_second, text_first, text_second in REQUIREMENTS:
        rag = rag_first if which == 0 else rag_second
        text = text_first if which == 0 or text_second is None else text_second
        rows.append((requirement_id, lead, rag, text))
    return pd.DataFrame(rows, columns=["requirement_id", "lead_role", "rag", "assessment"])


def milestones_frame() -> pd.DataFrame:
    """The plan's milestones (workstream, milestone, due_text, due_month, status, sort_order)."""
    rows = [
        (workstream, milestone, due_text, dt.date(int(due[:4]), int(due[5:]), 1) if due else None, status, order)
        for order, (workstream, milestone, due_text, due, status) in enumerate(MILESTONES, start=1)
    ]
    return pd.DataFrame(rows, columns=["workstream", "milestone", "due_text", "due_month", "status", "sort_order"])


def build_demo_plan(store: Store) -> list[int]:
    """Write the requirements, the two reviews and the milestones into the store; return the review ids.

    Each write is one transaction through the store's ordinary methods, so the demonstration reviews
    are kept exactly as a review recorded in the dashboard would be. A store that already holds
    reviews or milestones keeps them and gets no second copy.
    """
    store.add_requirements(requirements_frame(), actor=DEMO_PLAN_ACTOR)
    reviews = store.assessment_reviews()
    if reviews.empty:
        first = store.record_review(
            review_frame(0), review_date=FIRST_REVIEW, actor=DEMO_PLAN_ACTOR, note=FIRST_NOTE,
            organisation=DEMO_ORGANISATION,
        )
        store.record_review(
            review_frame(1), review_date=SECOND_REVIEW, actor=DEMO_PLAN_ACTOR, note=SECOND_NOTE, based_on=first,
            organisation=DEMO_ORGANISATION,
        )
        reviews = store.assessment_reviews()
    if store.milestones().empty:
        store.add_milestones(milestones_frame(), actor=DEMO_PLAN_ACTOR)
    return [int(i) for i in reviews["review_id"]]
