from django.contrib import admin

from .models import Activity, Decision, Lead, Report


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "unit", "leader", "head_led", "place")
    list_filter = ("kind", "jurisdiction")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "team", "due_on", "submitted_at")
    list_filter = ("calendar_key", "jurisdiction")


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("reported_on", "title", "unit", "status", "valuable", "grade", "points")
    list_filter = ("status", "jurisdiction")


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ("text", "owner", "due_on", "done_on")
