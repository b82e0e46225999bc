"""Duty rules say how they are tracked: cadence, due date, holders and proof (issue 14).

The schema's checks on `Duty` and `DutyProof`, each reported where it stands in the file, and the
five shipped policy files: every duty states its cadence, meeting duties are proven by meetings,
and every proof names something the platform records."""

from collections import Counter
from datetime import date

import pytest
import yaml
from pydantic import ValidationError

from zhaoshang.bulletins.document import KINDS as BULLETIN_KINDS
from zhaoshang.engine import PolicyError, find_policy, load_policy, load_policy_text
from zhaoshang.engine.schema import Duty, DutyProof

SHIPPED = ["xinfeng-2024", "xinfeng-2023-100days", "jinxi-2021", "xiayi-2023-2025", "sanming-2021"]
# The document's duty rules, one per obligation it states without a measure.
DUTIES = {
    "xinfeng-2024": 10,
    "xinfeng-2023-100days": 17,
    "jinxi-2021": 30,
    "xiayi-2023-2025": 60,
    "sanming-2021": 38,
}
# fieldwork.models.Activity.Kind (the engine may not import the app; kept in step by hand).
ACTIVITY_KINDS = {"outbound_trip", "visit", "reception", "promotion_event", "meeting"}

BASE = find_policy("xinfeng-2024").read_text(encoding="utf-8")
# xinfeng-2024's rule `cadence` (§三(二) 每月战报…): its tracking lines, replaced below.
TRACKED = "    cadence: monthly\n    proof: {source: bulletin, kind: monthly}\n"


def issues_for(text: str):
    with pytest.raises(PolicyError) as exc:
        load_policy_text(text, "broken.yaml")
    return exc.value.issues


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def with_tracking(lines: str) -> str:
    assert BASE.count(TRACKED) == 1
    return BASE.replace(TRACKED, lines, 1)


# --- The schema -------------------------------------------------------------------------------


def test_proof_by_report_needs_its_calendar():
    with pytest.raises(ValidationError, match="calendar"):
        DutyProof(source="report")
    assert DutyProof(source="report", calendar="weekly-report").calendar == "weekly-report"


def test_proof_by_activity_needs_its_kind():
    with pytest.raises(ValidationError, match="kind"):
        DutyProof(source="activity")
    proof = DutyProof(source="activity", kind="meeting", keywords=["调度"], min_count=2)
    assert proof.min_count == 2 and proof.keywords == ["调度"]


def test_proof_needs_a_count_of_at_least_one():
    with pytest.raises(ValidationError):
        DutyProof(source="bulletin", kind="monthly", min_count=0)


def test_a_due_date_only_for_a_one_off_duty():
    fields = {"id": "d", "type": "duty", "title": "某项职责", "clause": "§一"}
    with pytest.raises(ValidationError, match="due_working_days"):
        Duty(**fields, cadence="monthly", due_on=date(2024, 6, 30))
    assert Duty(**fields, due_on=date(2024, 6, 30)).cadence == "once"  # once is the default
    with pytest.raises(ValidationError):
        Duty(**fields, cadence="monthly", due_working_days=61)
    with pytest.raises(ValidationError):
        Duty(**fields, cadence="fortnightly")


def test_the_file_reports_a_proof_without_its_calendar_where_it_stands():
    text = with_tracking("    cadence: monthly\n    proof: {source: report}\n")
    [issue] = issues_for(text)
    assert issue.path.startswith("rules[") and issue.path.endswith(".proof")
    assert "calendar" in issue.message
    assert issue.line == line_of(text, "proof: {source: report}")


def test_the_file_reports_a_proof_by_activity_without_its_kind():
    text = with_tracking("    cadence: monthly\n    proof: {source: activity, keywords: [调度]}\n")
    [issue] = issues_for(text)
    assert issue.path.endswith(".proof") and "kind" in issue.message


def test_an_unknown_calendar_key_is_refused_with_its_location():
    text = with_tracking("    cadence: monthly\n    proof: {source: report, calendar: monthly-reprot}\n")
    [issue] = issues_for(text)
    assert issue.path.startswith("rules[") and issue.path.endswith(".proof.calendar")
    assert "monthly-reprot" in issue.message and "报送事项" in issue.message
    assert issue.line == line_of(text, "calendar: monthly-reprot")
    # The calendar of the file is known: the same proof by its weekly report loads.
    fixed = with_tracking("    cadence: weekly\n    proof: {source: report, calendar: weekly-report}\n")
    assert load_policy_text(fixed, "fixed.yaml")


def test_the_file_refuses_a_due_date_with_a_cadence():
    text = with_tracking("    cadence: monthly\n    due_on: 2024-06-30\n")
    [issue] = issues_for(text)
    assert issue.path.startswith("rules[") and "due_working_days" in issue.message
    assert issue.file == "broken.yaml" and issue.line is not None


def test_the_file_refuses_an_unknown_cadence_and_a_misspelt_field():
    text = with_tracking("    cadence: every_month\n    prof: {source: bulletin, kind: monthly}\n")
    paths = {i.path.rsplit(".", 1)[-1] for i in issues_for(text)}
    assert {"cadence", "prof"} <= paths


# --- The shipped files ------------------------------------------------------------------------


def raw_duties(name: str) -> list[dict]:
    data = yaml.safe_load(find_policy(name).read_text(encoding="utf-8"))
    return [r for r in data["rules"] if r["type"] == "duty"]


def duties(policy):
    return [r for r in policy.rules if r.type == "duty"]


@pytest.fixture(scope="module")
def policies():
    return {name: load_policy(find_policy(name)) for name in SHIPPED}


def test_every_shipped_duty_states_its_cadence(policies):
    for name in SHIPPED:
        raw = raw_duties(name)
        assert len(raw) == DUTIES[name], name
        unstated = [r["id"] for r in raw if "cadence" not in r]
        assert not unstated, f"{name}: duties without a cadence: {unstated}"
        assert len(duties(policies[name])) == DUTIES[name]


def test_monthly_meeting_duties_are_proven_by_meetings(policies):
    checked = 0
    for name, policy in policies.items():
        for r in duties(policy):
            if r.cadence == "monthly" and ("调度" in r.title or "例会" in r.title):
                checked += 1
                assert r.proof is not None, f"{name} {r.id}"
                assert (r.proof.source, r.proof.kind) == ("activity", "meeting"), f"{name} {r.id}"
    assert checked >= 3  # jinxi 每月一调度, xinfeng-2023 半月一调度 and 定期调度


def leaf_groups(policy, key: str) -> set[str]:
    """The groups that select holders themselves, `key`'s own selection and its `include`s'."""
    g = next(g for g in policy.groups if g.key == key)
    own = {key} if (g.members or g.team_kinds or g.unit_kinds or not g.include) else set()
    return own.union(*(leaf_groups(policy, k) for k in g.include))


def test_every_proof_names_what_the_platform_records(policies):
    for name, policy in policies.items():
        calendar = {c.key: c for c in policy.calendar}
        for r in duties(policy):
            p = r.proof
            if p is None:
                continue
            where = f"{name} {r.id}"
            if p.source == "activity":
                assert p.kind in ACTIVITY_KINDS, where
            elif p.source == "bulletin":
                assert p.kind in BULLETIN_KINDS, where
            else:
                assert p.kind is None, where
            if p.source == "report":
                # The holders are the ones who file that report.
                assert r.group, where
                filed_by = set().union(*(leaf_groups(policy, g) for g in calendar[p.calendar].groups))
                assert leaf_groups(policy, r.group) <= filed_by, where


def test_due_dates_fall_within_the_policy(policies):
    for name, policy in policies.items():
        main = next(p for p in policy.periods if p.key == policy.main_period)
        for r in duties(policy):
            if r.due_on is not None:
                assert r.cadence == "once"
                assert main.start <= r.due_on <= main.end, f"{name} {r.id}"


def test_counts_by_cadence_and_proof(policies):
    """The counts the report quotes; printed with `pytest -s`."""
    total = Counter()
    for name in SHIPPED:
        ds = duties(policies[name])
        cadence = Counter(r.cadence for r in ds)
        proof = Counter(r.proof.source if r.proof else "none" for r in ds)
        total.update(cadence)
        print(f"{name}: {len(ds)} duties; cadence {dict(cadence)}; proof {dict(proof)}")
    print(f"all: {sum(total.values())} duties; cadence {dict(total)}")
    assert sum(total.values()) == sum(DUTIES.values()) == 155
    # Each kind of period the documents name is used somewhere.
    assert {"once", "weekly", "monthly", "quarterly", "half_yearly", "yearly"} <= set(total)
