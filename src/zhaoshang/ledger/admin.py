from django import forms
from django.contrib import admin

from . import services
from .models import ContactPerson, ContractObligation, Enterprise, Investment, Project, ProjectPartner


class EnterpriseAdminForm(forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = "__all__"  # noqa: DJ007 - the admin edits every field

    def clean(self):
        cleaned = super().clean()
        unit = cleaned.get("unit")
        if unit is not None:
            # 首招负责制 holds here too: the same check and message as the enterprise form.
            problem = services.enterprise_ownership_problem(
                jurisdiction=cleaned.get("jurisdiction") or unit.jurisdiction,
                name=cleaned.get("name") or "",
                uscc=(cleaned.get("uscc") or "").strip().upper(),
                unit=unit,
                exclude_pk=self.instance.pk,
            )
            if problem:
                raise forms.ValidationError(problem)
        return cleaned


class ContactPersonInline(admin.TabularInline):
    model = ContactPerson
    extra = 0


class ProjectPartnerInline(admin.TabularInline):
    model = ProjectPartner
    fk_name = "project"
    extra = 0
    raw_id_fields = ("enterprise",)


class ContractObligationInline(admin.TabularInline):
    model = ContractObligation
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    form = EnterpriseAdminForm
    list_display = ("name", "uscc", "industry", "unit", "zombie_class", "jurisdiction")
    list_filter = ("zombie_class",)
    search_fields = ("name", "short_name", "uscc")
    inlines = [ContactPersonInline]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "stage", "total_investment", "unit", "team", "jurisdiction")
    list_filter = ("stage", "category", "jurisdiction")
    search_fields = ("name",)
    inlines = [ProjectPartnerInline, ContractObligationInline]
    # The stage changes only through project_advance_stage (the project page's 调整阶段, or
    # POST /api/projects/{id}/advance/), which keeps the dated StageChange history.
    readonly_fields = (
        "stage", "signed_on", "signing_kind", "started_on", "start_kind", "production_on",
        "full_production_on", "terminated_on", "termination_reason",
    )  # fmt: skip


@admin.register(Investment)
class InvestmentAdmin(admin.ModelAdmin):
    list_display = ("project", "month", "amount", "unit")
