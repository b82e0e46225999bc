"""The roles of DESIGN.md and what each may see and change.

Scope has two layers. Jurisdiction: a user sees their own jurisdiction and those below it
(a city sees its counties), never a neighbour's. Within it, records that belong to a team or
unit (projects, activities, reports…) are private: a team clerk sees their team's, a unit
clerk or support unit their unit's; office, leaders, inspectors and the city see them all.
Organisation data (teams, units, targets, policy) is published by the document itself and
is visible to everyone in the jurisdiction.
"""

from django.db import models


class Role(models.TextChoices):
    OFFICE = "office", "招商办（调度）"
    TEAM_CLERK = "team_clerk", "团队联络员"
    UNIT_CLERK = "unit_clerk", "单位联络员"
    SUPPORT_UNIT = "support_unit", "要素保障单位"
    LEADER = "leader", "领导"
    INSPECTOR = "inspector", "督查考评"
    CITY = "city", "市级（统筹各县）"


# Roles that see every private record of their jurisdiction subtree.
WIDE_ROLES = {Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.CITY}
# Roles that may change organisation data (teams, targets, policy).
ORG_EDITORS = {Role.OFFICE}
# Roles that may record their own work (projects, activities, reports).
RECORD_EDITORS = {Role.OFFICE, Role.TEAM_CLERK, Role.UNIT_CLERK, Role.SUPPORT_UNIT}
# Roles that may read the change log.
LOG_READERS = {Role.OFFICE, Role.INSPECTOR, Role.CITY}
