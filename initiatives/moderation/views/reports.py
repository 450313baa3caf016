"""Reporting a problem with a published initiative, and a moderator's
decision on the report."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from initiatives import abuse
from initiatives.models import Initiative, Report
from initiatives.moderation import decisions, reports
from initiatives.moderation.forms import ReportDecisionForm, ReportForm
from initiatives.permissions import admin_may, moderator_required
from initiatives.validation import add_errors

REPORTS_PER_IP_PER_HOUR = 5
report_limit = abuse.HourlyLimit("report-ip", REPORTS_PER_IP_PER_HOUR)


def _error_list(form, form_id, extra=()):
    """(anchor, message) pairs for includes/error_list_summary.html. A radio
    group's label points nowhere, so its errors link to its first choice."""
    if not form.is_bound:
        return []
    errors = [(form_id, message) for message in [*form.non_field_errors(), *extra]]
    for field in form:
        anchor = field.id_for_label or f"{field.auto_id}_0"
        errors += [(anchor, message) for message in field.errors]
    return errors


@require_http_methods(["GET", "POST"])
def report_create(request, slug):
    initiative = get_object_or_404(Initiative.objects.published(), slug=slug)
    if request.method == "GET" and request.GET.get("sent"):
        return render(request, "moderation/report_done.html", {"initiative": initiative})
    form = ReportForm(request.POST if request.method == "POST" else None)
    context = {"initiative": initiative, "form": form}
    if request.method == "GET":
        return render(request, "moderation/report_form.html", context)
    ip = abuse.client_ip(request)
    if report_limit.reached(ip):
        limit = _(
            "We accept at most %(n)s reports an hour from one network, and that many have "
            "arrived. Please send this one again in an hour: your entries are kept below."
        ) % {"n": report_limit.limit}
        context["errors"] = _error_list(form, "report-form", extra=[limit])
        return render(request, "moderation/report_form.html", context, status=429)
    if form.is_valid():
        try:
            reports.report_create(
                initiative=initiative,
                reason=form.cleaned_data["reason"],
                details=form.cleaned_data["details"],
                email=form.cleaned_data["email"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            report_limit.record(ip)
            return redirect(reverse("initiatives:report", args=[initiative.slug]) + "?sent=1")
    context["errors"] = _error_list(form, "report-form")
    return render(request, "moderation/report_form.html", context, status=400)


def _success_message(report: Report, action: str) -> str:
    if action == "unpublish":
        done = _("“%(title)s” is unpublished and its submitter has been emailed the reason.") % {
            "title": report.initiative.title
        }
    elif action == "resolve":
        done = _("The report is resolved.")
    else:
        done = _("The report is dismissed.")
    if report.email:
        return f"{done} {_('The reporter will be emailed the outcome.')}"
    return done


@moderator_required
@require_http_methods(["GET", "POST"])
def report_item(request, pk):
    report = get_object_or_404(
        Report.objects.select_related("initiative__submitted_by", "decided_by"), pk=pk
    )
    initiative = report.initiative
    form = None
    if report.state == Report.State.OPEN:
        form = ReportDecisionForm(
            request.POST if request.method == "POST" else None,
            actions=reports.decision_actions(report),
            initial={"seen_state": report.state},
        )
    elif request.method == "POST":
        messages.error(request, reports.already_decided(report).messages[0])
        return redirect(request.path)
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data["action"]
        try:
            reports.report_decide(
                report,
                moderator=request.user,
                action=action,
                message=form.cleaned_data["message"],
                seen_state=form.cleaned_data["seen_state"],
            )
        except decisions.AlreadyDecided as error:
            messages.error(request, error.messages[0])
            return redirect(request.path)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _success_message(report, action))
            return redirect("initiatives:moderation-queue")
    return render(
        request,
        "moderation/report.html",
        {
            "report": report,
            "initiative": initiative,
            # Offered only to those the admin lets change it.
            "admin_url": reverse("admin:initiatives_initiative_change", args=[initiative.pk])
            if admin_may(request.user, "change", Initiative)
            else None,
            "form": form,
            "errors": _error_list(form, "decision-form") if form else [],
            "other_reports": initiative.reports.exclude(pk=report.pk).order_by("-created_at")[:20],
        },
        status=400 if form is not None and form.is_bound else 200,
    )
