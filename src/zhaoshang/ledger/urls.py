from django.urls import path

from zhaoshang.core.views import object_urls

from . import performance_views, views

app_name = "ledger"
urlpatterns = [
    path("enterprise/check/", views.enterprise_check, name="enterprise_check"),
    path("enterprise/add/check/", views.enterprise_check),
    path("enterprise/<int:pk>/edit/check/", views.enterprise_check),
    *object_urls(
        "enterprise",
        list_view=views.EnterpriseListView,
        detail_view=views.EnterpriseDetailView,
        edit_view=views.EnterpriseEditView,
        delete_view=views.EnterpriseDeleteView,
    ),
    *object_urls(
        "contactperson",
        list_view=views.ContactPersonListView,
        detail_view=views.ContactPersonDetailView,
        edit_view=views.ContactPersonEditView,
        delete_view=views.ContactPersonDeleteView,
    ),
    path("project/<int:pk>/stage/", views.project_stage, name="project_stage"),
    path("project/<int:pk>/performance/", performance_views.project_performance, name="project_performance"),
    path("performance/behind/", performance_views.behind_list, name="performance_behind"),
    *object_urls(
        "rewardrelease",
        list_view=performance_views.RewardReleaseListView,
        detail_view=performance_views.RewardReleaseDetailView,
    ),
    *object_urls(
        "project",
        list_view=views.ProjectListView,
        detail_view=views.ProjectDetailView,
        edit_view=views.ProjectEditView,
        delete_view=views.ProjectDeleteView,
    ),
    *object_urls(
        "investment",
        list_view=views.InvestmentListView,
        detail_view=views.InvestmentDetailView,
        edit_view=views.InvestmentEditView,
        delete_view=views.InvestmentDeleteView,
    ),
    path("stagechange/<int:pk>/evidence/", views.stage_evidence, name="stagechange_evidence"),
    *object_urls("stagechange", list_view=views.StageChangeListView, detail_view=views.StageChangeDetailView),
    *object_urls(
        "projectpartner",
        list_view=views.ProjectPartnerListView,
        detail_view=views.ProjectPartnerDetailView,
        edit_view=views.ProjectPartnerEditView,
        delete_view=views.ProjectPartnerDeleteView,
    ),
    *object_urls(
        "contractobligation",
        list_view=views.ContractObligationListView,
        detail_view=views.ContractObligationDetailView,
        edit_view=views.ContractObligationEditView,
        delete_view=views.ContractObligationDeleteView,
    ),
    *object_urls(
        "projectphase",
        list_view=views.ProjectPhaseListView,
        detail_view=views.ProjectPhaseDetailView,
        edit_view=views.ProjectPhaseEditView,
        delete_view=views.ProjectPhaseDeleteView,
    ),
    path("ownershipclaim/add/", views.claim_add, name="ownershipclaim_add"),
    path("ownershipclaim/<int:pk>/decide/", views.claim_decide, name="ownershipclaim_decide"),
    *object_urls(
        "ownershipclaim", list_view=views.OwnershipClaimListView, detail_view=views.OwnershipClaimDetailView
    ),
]
