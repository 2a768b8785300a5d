"""The admin site for events: series with their questions, occurrences and registrations, for
site staff to look things up. Seats and the waitlist change only through the services (the
members' and organizers' pages), so the counts here are read-only."""

from django.contrib import admin

from cityhall.forms import IdsAdminMixin
from events.models import Occurrence, Question, Registration, Series
from events.search import series_key, series_keys
from groups.chat.search import room_keys
from groups.search import OutboxAdmin


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0


@admin.register(Series)
class SeriesAdmin(OutboxAdmin, IdsAdminMixin, admin.ModelAdmin):
    list_display = ["title", "group", "kind", "format", "mode", "capacity", "rule", "first_start"]
    list_filter = ["kind", "format", "mode"]
    search_fields = ["title", "group__name"]
    list_select_related = ["group"]
    autocomplete_fields = ["group", "organizers", "created_by"]
    inlines = [QuestionInline]

    def search_keys(self, objects):
        return series_keys([series.pk for series in objects])


@admin.register(Occurrence)
class OccurrenceAdmin(OutboxAdmin, IdsAdminMixin, admin.ModelAdmin):
    list_display = ["series", "starts_at", "status", "capacity", "confirmed_count"]
    list_filter = ["status"]
    search_fields = ["series__title"]
    list_select_related = ["series"]
    date_hierarchy = "starts_at"
    readonly_fields = ["series", "rule_start", "confirmed_count", "last_position", "room",
                       "lottery_drawn_at", "lottery_seed"]  # fmt: skip

    def search_keys(self, objects):
        rooms = [occurrence.room_id for occurrence in objects if occurrence.room_id]
        return [series_key(occurrence.series_id) for occurrence in objects] + room_keys(rooms)


@admin.register(Registration)
class RegistrationAdmin(IdsAdminMixin, admin.ModelAdmin):
    list_display = ["occurrence", "member", "status", "position", "registered_at", "attended"]
    list_filter = ["status"]
    search_fields = ["member__display_name", "occurrence__series__title"]
    list_select_related = ["occurrence__series", "member"]
    readonly_fields = ["occurrence", "member", "status", "position", "answers", "registered_at",
                       "cancelled_at", "promoted_at", "reminded_day_before_at",
                       "reminded_hour_before_at"]  # fmt: skip

    def has_add_permission(self, request):
        return False
