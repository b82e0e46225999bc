from django.urls import path

from zhaoshang.core.views import object_urls

from . import views

app_name = "chains"
urlpatterns = [
    path("industrychain/<int:pk>/export/", views.chain_export, name="industrychain_export"),
    path("segment/<int:pk>/records/", views.segment_records, name="segment_records"),
    *object_urls(
        "industrychain",
        list_view=views.ChainListView,
        detail_view=views.ChainDetailView,
        edit_view=views.ChainEditView,
        delete_view=views.ChainDeleteView,
    ),
    *object_urls("chainsegment", edit_view=views.SegmentEditView, delete_view=views.SegmentDeleteView),
    *object_urls("chainedge", edit_view=views.EdgeEditView, delete_view=views.EdgeDeleteView),
    *object_urls("chainleader", edit_view=views.LeaderEditView, delete_view=views.LeaderDeleteView),
    *object_urls(
        "segmentplacement", edit_view=views.PlacementEditView, delete_view=views.PlacementDeleteView
    ),
]
