from django.urls import path

from zhaoshang.core.views import object_urls

from . import views

app_name = "notify"
urlpatterns = [
    path("", views.NoticeListView.as_view(), name="notice_list"),
    path("notice/<int:pk>/read/", views.notice_read, name="notice_read"),
    path("notice/read-all/", views.notice_read_all, name="notice_read_all"),
    *object_urls(
        "channel",
        list_view=views.ChannelListView,
        detail_view=views.ChannelDetailView,
        edit_view=views.ChannelEditView,
        delete_view=views.ChannelDeleteView,
    ),
    *object_urls("delivery", list_view=views.DeliveryListView, detail_view=views.DeliveryDetailView),
]
