"""Node-wide pages: home redirect, error pages that reveal nothing."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse


def home(request: HttpRequest) -> HttpResponse:
    """Each role lands where its work is."""
    user = request.user
    if user.is_authenticated and user.role in {"node_admin"}:
        return HttpResponseRedirect(reverse("accounts:user_list"))
    if user.is_authenticated and user.role == "analyst":
        return HttpResponseRedirect(reverse("cases:statistics"))
    return HttpResponseRedirect(reverse("cases:list"))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/403_csrf.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", status=500)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)
