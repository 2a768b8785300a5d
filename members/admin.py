from allauth.account.decorators import secure_admin_login
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from cityhall.forms import IdsAdminMixin
from members import domains, services
from members.models import (
    DomainRule,
    FormerHandle,
    Notification,
    Organization,
    OrganizationDomain,
    Posting,
    SiteSuspension,
    User,
    WorkField,
)

admin.site.login = secure_admin_login(admin.site.login)


class GovernmentEmailMixin:
    def clean_email(self):
        check = domains.check_email(self.cleaned_data.get("email", ""))
        if not check.allowed:
            raise forms.ValidationError(check.reason, code=check.code)
        return check.address


class MemberCreationForm(GovernmentEmailMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "display_name", "display_name_kana", "organization"]


class MemberChangeForm(GovernmentEmailMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


class PostingInline(IdsAdminMixin, admin.TabularInline):
    model = Posting
    extra = 0
    autocomplete_fields = ["organization"]


class FormerHandleInline(admin.TabularInline):
    """Read-only: handles change through the member's profile (members.services). Deleting a
    row frees the handle for others and stops @old from leading to this member."""

    model = FormerHandle
    extra = 0
    fields = readonly_fields = ["handle", "retired_at", "from_email"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(IdsAdminMixin, BaseUserAdmin):
    add_form = MemberCreationForm
    form = MemberChangeForm
    ordering = ["email"]
    list_display = [
        "email", "display_name", "organization", "organization_confirmed", "email_verified",
        "is_staff",
    ]  # fmt: skip
    list_filter = ["organization_confirmed", "is_staff", "is_active", "organization__kind"]
    search_fields = ["email", "display_name", "display_name_kana", "organization__name"]
    autocomplete_fields = ["organization"]
    inlines = [PostingInline]
    readonly_fields = ["handle", "suspended_until"]
    actions = ["confirm_organization", "confirm_organization_and_domain", "deactivate"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("プロフィール"),
            {
                "fields": [
                    "display_name",
                    "display_name_kana",
                    "handle",
                    "organization",
                    "organization_confirmed",
                    "department",
                    "section",
                    "team",
                    "work_fields",
                    "bio",
                    "avatar",
                    "hide_department",
                    "hide_work_fields",
                    "hide_bio",
                    "hide_history",
                    "hide_email",
                ]
            },
        ),  # fmt: skip
        (
            _("権限"),
            {
                "fields": [
                    "is_active",
                    "suspended_until",
                    "is_site_moderator",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ]
            },  # fmt: skip
        ),
        (_("日時"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "display_name",
                    "display_name_kana",
                    "organization",
                    "password1",
                    "password2",
                ],
            },
        ),  # fmt: skip
    ]

    @admin.action(description=_("所属団体を確認済みにする"))
    def confirm_organization(self, request, queryset):
        for member in queryset.filter(organization__isnull=False):
            services.organization_confirm(member=member, remember_domain=False)
        self.message_user(request, _("確認しました。"), messages.SUCCESS)

    @admin.action(description=_("所属団体を確認済みにし、メールドメインをその団体に登録する"))
    def confirm_organization_and_domain(self, request, queryset):
        skipped = [
            member.email_domain
            for member in queryset.filter(organization__isnull=False)
            if not services.organization_confirm(member=member, remember_domain=True)
        ]
        self.message_user(request, _("確認しました。"), messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                _(
                    "次のドメインは名簿の別の団体と結びついているため、"
                    "登録しませんでした: %(domains)s"
                )
                % {"domains": ", ".join(sorted(set(skipped)))},
                messages.WARNING,
            )

    @admin.action(description=_("アカウントを無効にする(開いている接続もすぐ閉じる)"))
    def deactivate(self, request, queryset):
        for member in queryset.filter(is_active=True):
            services.member_deactivate(member=member)
        self.message_user(request, _("無効にしました。"), messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.member_access_changed(member=obj)

    @admin.display(boolean=True, description=_("メール確認済み"))
    def email_verified(self, member):
        return any(address.verified for address in member.emailaddress_set.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("emailaddress_set")

    def get_inlines(self, request, obj):
        return [*self.inlines, FormerHandleInline] if obj else self.inlines


class OrganizationDomainInline(IdsAdminMixin, admin.TabularInline):
    model = OrganizationDomain
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(IdsAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "prefecture", "lg_code", "domain_label", "domain_label_alt"]
    list_filter = ["kind", "prefecture"]
    search_fields = ["name", "kana", "lg_code", "domain_label", "domain_label_alt"]
    list_select_related = ["prefecture"]
    autocomplete_fields = ["prefecture"]
    inlines = [OrganizationDomainInline]


@admin.register(OrganizationDomain)
class OrganizationDomainAdmin(IdsAdminMixin, admin.ModelAdmin):
    list_display = ["domain", "organization"]
    search_fields = ["domain", "organization__name"]
    autocomplete_fields = ["organization"]


@admin.register(DomainRule)
class DomainRuleAdmin(admin.ModelAdmin):
    list_display = ["domain", "match", "action", "is_broad", "is_active", "note"]
    list_filter = ["action", "match", "is_broad", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["domain", "note"]


@admin.register(WorkField)
class WorkFieldAdmin(admin.ModelAdmin):
    list_display = ["name", "position"]
    list_editable = ["position"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient"]


@admin.register(SiteSuspension)
class SiteSuspensionAdmin(admin.ModelAdmin):
    """The record only: suspending and lifting go through the member's profile page, which
    also closes sockets and tells the member."""

    list_display = ["member", "created_at", "until", "lifted_at", "actor", "reason"]
    list_select_related = ["member", "actor"]
    search_fields = ["member__email", "member__display_name", "reason"]
    readonly_fields = ["member", "actor", "reason", "created_at", "until", "lifted_at", "lifted_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
