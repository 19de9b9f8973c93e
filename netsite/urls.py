from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from netsite import accounts, members, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("board/", include("board.urls")),
    path("chat/", include("chat.urls")),
    path("api/", include("api.urls")),
    path("lab/", include("netsite.lab.urls")),
    path("members/<str:username>/", members.member, name="member"),
    path(
        "members/<str:username>/clear-name/",
        members.clear_name,
        name="member-clear-name",
    ),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/profile/", accounts.profile, name="profile"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/account.html",
            extra_context={
                "heading": "Log in",
                "button": "Log in",
                "signup_link": True,
            },
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        accounts.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        accounts.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        accounts.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        accounts.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        accounts.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
]

handler400 = "netsite.views.bad_request"
handler403 = "netsite.views.permission_denied"
handler404 = "netsite.views.page_not_found"
handler500 = "netsite.views.server_error"

admin.site.site_header = "netsite moderation"
admin.site.site_title = "netsite admin"
