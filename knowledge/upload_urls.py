from django.urls import path

from knowledge import upload_views

app_name = "recordings"
urlpatterns = [
    path("upload", upload_views.page, name="upload"),
    path("uploads", upload_views.start, name="start"),
    path("uploads/<str:upload_id>", upload_views.upload, name="chunk"),
]
