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
    # The three administrators (三员分立, GB/T 22239-2019 level 3): they run the platform and
    # see no business data.
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


# The administrators: each holds only this one role, sees no business data and reaches only
# their own console (/system/, /security/, /audit/).
ADMIN_ROLES = {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
# The roles of the investment-promotion work itself.
BUSINESS_ROLES = {r for r in Role if r not in ADMIN_ROLES}

# Roles that see every private record of their jurisdiction subtree.
WIDE_ROLES = {Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.CITY}
# Roles that may change organisation data (teams, targets, policy).
ORG_EDITORS = {Role.OFFICE}
# Roles that may record their own work (projects, activities, reports).
RECORD_EDITORS = {Role.OFFICE, Role.TEAM_CLERK, Role.UNIT_CLERK, Role.SUPPORT_UNIT}
# Roles that may read the change log.
LOG_READERS = {Role.OFFICE, Role.INSPECTOR, Role.CITY}
