from django.contrib import admin

from .models import Enterprise, Investment, Project


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "uscc", "industry", "unit", "jurisdiction")
    search_fields = ("name", "short_name", "uscc")


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "stage", "total_investment", "unit", "team", "jurisdiction")
    list_filter = ("stage", "category", "jurisdiction")
    search_fields = ("name",)


@admin.register(Investment)
class InvestmentAdmin(admin.ModelAdmin):
    list_display = ("project", "month", "amount", "unit")
