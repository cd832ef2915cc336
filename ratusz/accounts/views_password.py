"""Setting a new password by e-mail, for residents' e-mail accounts (Django's password
reset, with our pages, a Polish message and limits on how often it may be asked)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from ratusz.accounts import forms
from ratusz.core import ratelimit
from ratusz.core.links import public_base_url

#: Requests per address of the client, and messages per e-mail address, per hour.
CLIENT_LIMIT = 10
ADDRESS_LIMIT = 3


class PasswordResetView(auth_views.PasswordResetView):
    form_class = forms.ResidentPasswordResetForm
    template_name = "accounts/password_reset/request.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-sent")

    def get_extra_email_context(self):
        return {"base_url": public_base_url()}

    def form_valid(self, form):
        if not ratelimit.allow("password-reset", ratelimit.client_address(self.request),
                               limit=CLIENT_LIMIT, window_seconds=3600):
            return render(self.request, "accounts/password_reset/request.html", {
                "form": form, "limited": _("Too many requests from here. Try again in an "
                                           "hour.")}, status=429)
        email = form.cleaned_data["email"].lower()
        if not ratelimit.allow("password-reset-address", email, limit=ADDRESS_LIMIT,
                               window_seconds=3600):
            # The same page as when the message goes out: nothing tells whether the
            # address has an account.
            return super(auth_views.PasswordResetView, self).form_valid(form)
        self.extra_email_context = self.get_extra_email_context()
        return super().form_valid(form)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset/sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset/new_password.html"
    success_url = reverse_lazy("accounts:password-reset-done")


class PasswordResetDoneView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset/done.html"
