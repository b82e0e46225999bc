from django.urls import path

from zhaoshang.core.views import object_urls

from . import duties_urls, instructions_views, problems_views

app_name = "supervision"
urlpatterns = [
    *duties_urls.urlpatterns,
    # --- Problems and instructions
    path("problem/export/", problems_views.problem_export, name="problem_export"),
    path("problem/import/", problems_views.problem_import, name="problem_import"),
    path("problem/ranking/", problems_views.problem_ranking, name="problem_ranking"),
    *object_urls(
        "problem",
        list_view=problems_views.ProblemListView,
        detail_view=problems_views.ProblemDetailView,
        edit_view=problems_views.ProblemEditView,
        delete_view=problems_views.ProblemDeleteView,
    ),
    path("problem/<int:pk>/<str:action>/", problems_views.problem_action, name="problem_action"),
    path("instruction/new/", instructions_views.instruction_new, name="instruction_new"),
    path("instruction/mine/", instructions_views.MyInstructionListView.as_view(), name="instruction_mine"),
    path("instruction/<int:pk>/reply/", instructions_views.instruction_reply, name="instruction_reply"),
    path("instruction/<int:pk>/close/", instructions_views.instruction_close, name="instruction_close"),
    *object_urls(
        "instruction",
        list_view=instructions_views.InstructionListView,
        detail_view=instructions_views.InstructionDetailView,
    ),
]
