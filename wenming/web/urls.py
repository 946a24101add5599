from django.urls import path

from wenming.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("2fa/setup/", views.otp_setup, name="otp_setup"),
    path("2fa/verify/", views.otp_verify, name="otp_verify"),
    path("healthz", views.healthz, name="healthz"),
    path("bench/minimal/", views.minimal, name="bench_minimal"),
    path("bench/minimal/public/", views.minimal_public, name="bench_minimal_public"),
]
