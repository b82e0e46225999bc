from django.contrib import admin

from .models import HolderGroup, Jurisdiction, Membership, Period, Person, Policy, Target, Team, Unit

admin.site.site_header = "招商引资工作平台 · 后台"
admin.site.site_title = "招商引资工作平台"


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    search_fields = ("code", "name")


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "jurisdiction", "start", "end", "loaded_at")
    readonly_fields = ("content_json", "content_hash", "loaded_at")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "jurisdiction", "placeholder")
    list_filter = ("kind", "jurisdiction")
    search_fields = ("name", "full_name")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "kind", "jurisdiction", "placeholder")
    search_fields = ("name", "title")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "policy", "head", "lead_unit", "placeholder")
    list_filter = ("policy", "kind")
    filter_horizontal = ("deputies", "member_units")


@admin.register(HolderGroup)
class HolderGroupAdmin(admin.ModelAdmin):
    list_display = ("label", "holder", "policy", "clause")
    list_filter = ("policy",)


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ("label", "kind", "policy", "start", "end", "weight")


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("__str__", "metric", "value", "uom", "period", "clause")
    list_filter = ("policy", "holder_kind", "metric")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "jurisdiction", "team", "unit")
    list_filter = ("role", "jurisdiction")
    autocomplete_fields = ("user",)


def _superusers_only(request):
    # The admin is not scoped by jurisdiction: it is for system administrators alone.
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _superusers_only
