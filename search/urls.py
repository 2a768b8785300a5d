from django.urls import path

from search import views

app_name = "search"

urlpatterns = [
    path("search/", views.index, name="index"),
    path("search/suggest", views.suggest, name="suggest"),
    path("search/similar", views.similar, name="similar"),
]
