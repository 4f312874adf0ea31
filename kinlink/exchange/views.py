"""Pages and endpoints of the exchange. Thin: the record comes from the policy (404 outside
scope), then a form and a service.

Public endpoints: the node document (`/.well-known/kinlink/node`) and the inbox
(`POST /exchange/inbox`), where peers prove who they are by signature, not by session.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms import BaseForm
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kinlink.accounts.models import Role, User
from kinlink.audit.models import AuditAction
from kinlink.audit.services import record
from kinlink.cases.lifecycle import TransitionRefused
from kinlink.cases.selectors import case_for_edit
from kinlink.core.concurrency import StaleEdit
from kinlink.core.http import AuthenticatedRequest
from kinlink.exchange import inbox, keys, outbox, peers, receiving, registry, requests, selectors
from kinlink.exchange.forms import (
    AcceptForm,
    MessageForm,
    PeerConfirmForm,
    PeerRegisterForm,
    ReasonForm,
    RequestDraftForm,
    RequestStartForm,
    documents_of,
)
from kinlink.exchange.models import (
    Attachment,
    CrossBorderRequest,
    Direction,
    OutboundEnvelope,
    OutboundStatus,
    Peer,
    PeerStatus,
    RequestStatus,
)
from kinlink.exchange.policies import can_triage, get_request_for, visible_requests


def _stale_message() -> str:
    return _("Someone changed this request meanwhile; look again and retry.")


def _apply_errors(form: BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _detail(request_row: CrossBorderRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("exchange:request_detail", args=[request_row.pk]))


# --- public endpoints ------------------------------------------------------------------------


@require_GET
def node_document(request: HttpRequest) -> HttpResponse:
    """This node's identity and public keys, signed (peers fetch it to register and to follow
    a key rotation)."""
    try:
        ring = keys.load()
    except keys.KeysMissing:
        return JsonResponse({"error": "no keys"}, status=503)
    return JsonResponse(keys.node_document(ring))


@csrf_exempt
@require_POST
def inbox_endpoint(request: HttpRequest) -> HttpResponse:
    """Where peers post envelopes; answers a signed receipt or a typed refusal. The body is
    read up to the size limit and no further."""
    limit = settings.KINLINK_EXCHANGE_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return JsonResponse({"error": "oversize"}, status=413)
    token = request.read(limit + 1)
    answer = inbox.receive(token, claimed_sender=request.headers.get("X-Kinlink-From", ""))
    return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)


# --- lists and the request page --------------------------------------------------------------


def request_list(request: AuthenticatedRequest) -> HttpResponse:
    """Outgoing requests of one's cases and the agency's inbox of incoming ones."""
    user = request.user
    if user.role in {Role.NODE_ADMIN, Role.ANALYST}:
        raise Http404
    status = request.GET.get("status", "")
    if status and status not in RequestStatus.values:
        status = ""
    context = {
        "incoming": selectors.request_list(user, Direction.INCOMING, status)[:100],
        "outgoing": selectors.request_list(user, Direction.OUTGOING, status)[:100],
        "statuses": RequestStatus.choices,
        "status": status,
        "can_triage": can_triage(user),
    }
    return render(request, "exchange/request_list.html", context)


def request_detail(request: AuthenticatedRequest, request_id: UUID) -> HttpResponse:
    user = request.user
    row = get_request_for(user, request_id)
    record(actor=user, action=AuditAction.VIEW, obj=row, case_id=row.case_id)
    kind = registry.get(row.request_type)
    actions = selectors.actions_for(user, row)
    context: dict[str, Any] = {
        "row": row,
        "kind": kind,
        "preview": selectors.preview(row),
        "reply_rows": selectors.reply_rows(row) if row.reply else [],
        "thread": selectors.thread_of(row),
        "actions": actions,
        "undelivered": selectors.undelivered(row),
        "message_form": MessageForm(),
        "reason_form": ReasonForm(),
        "reply_form": kind.reply_form(prefix="reply") if actions["reply"] else None,
        "refusals": requests.submit_refusals(row) if actions["submit"] else {},
        "progress": (
            kind.progress(row)
            if kind.progress and row.direction == Direction.OUTGOING and row.is_open
            else None
        ),
    }
    if actions["accept"]:
        context["accept_form"] = AcceptForm(
            initial={"version": row.version}, staff=_handlers_of(row)
        )
    return render(request, "exchange/request_detail.html", context)


def _handlers_of(row: CrossBorderRequest) -> Any:
    return User.objects.filter(
        agency_id=row.agency_id, is_active=True, role__in=[Role.CASEWORKER, Role.SUPERVISOR]
    ).order_by("full_name")


@require_GET
def attachment_download(request: AuthenticatedRequest, attachment_id: UUID) -> HttpResponse:
    """A document of a thread, to whoever sees the request; every download is audited."""
    user = request.user
    attachment = get_object_or_404(
        Attachment.objects.select_related("message__request"),
        pk=attachment_id,
        message__request__in=visible_requests(user),
    )
    row = attachment.message.request
    record(actor=user, action=AuditAction.EXPORT, obj=attachment, case_id=row.case_id)
    response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
    response["Content-Disposition"] = f'attachment; filename="document-{attachment.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    # Said here, not only by the middleware: a child's document is never kept by a browser
    # or a proxy, whatever the middleware list becomes.
    patch_cache_control(response, private=True, no_store=True)
    return response


# --- the sending side ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def request_new(request: AuthenticatedRequest, case_id: UUID) -> HttpResponse:
    """Draft a request on a case: its type and peer, then what is asked."""
    user = request.user
    case = case_for_edit(user=user, case_id=case_id, record_view=request.method == "GET")
    start = RequestStartForm(request.GET or None)
    kind_code = start.data.get("request_type") if start.is_bound and start.is_valid() else None
    if kind_code is None:
        return render(request, "exchange/request_start.html", {"case": case, "form": start})
    peer = start.cleaned_data["peer"]
    form = RequestDraftForm(
        request.POST or None,
        request_type=kind_code,
        initial={"urgency": "normal"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            row = requests.request_draft(
                actor=user, case=case, request_type=kind_code, peer=peer, **form.arguments()
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Draft saved. Check what will leave, then submit it."))
            return _detail(row)
    context = {"case": case, "form": form, "kind": registry.get(kind_code), "peer": peer}
    return render(request, "exchange/request_form.html", context)


@require_http_methods(["GET", "POST"])
def request_edit(request: AuthenticatedRequest, request_id: UUID) -> HttpResponse:
    user = request.user
    row = get_request_for(user, request_id)
    if not selectors.actions_for(user, row)["edit"]:
        raise Http404
    initial = {
        "version": row.version,
        "questions": row.questions,
        "due_on": row.due_on,
        "urgency": row.urgency,
        "data_fields": row.fields,
        "danger_checked": row.danger_checked,
        "legal_basis": row.legal_basis,
        "legal_basis_note": row.legal_basis_note,
        "origin_override_reason": row.origin_override_reason,
    }
    form = RequestDraftForm(request.POST or None, request_type=row.request_type, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            requests.request_update(
                actor=user,
                request=row,
                seen_version=form.cleaned_data.get("version") or 0,
                **form.arguments(),
            )
        except StaleEdit:
            messages.error(request, _stale_message())
            return HttpResponseRedirect(request.path)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Draft saved."))
            return _detail(row)
    context = {
        "case": row.case,
        "form": form,
        "kind": registry.get(row.request_type),
        "peer": row.peer,
        "row": row,
    }
    return render(request, "exchange/request_form.html", context)


def _act(
    request: AuthenticatedRequest, row: CrossBorderRequest, action: Any, done: str
) -> HttpResponse:
    """Run a button's service; what stops it is said on the request's page."""
    try:
        action()
    except StaleEdit:
        messages.error(request, _stale_message())
    except PermissionDenied:
        raise Http404 from None
    except TransitionRefused as refused:
        messages.error(request, str(refused))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return _detail(row)


def _posted_version(request: AuthenticatedRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


@require_POST
def request_submit(request: AuthenticatedRequest, request_id: UUID) -> HttpResponse:
    user = request.user
    row = get_request_for(user, request_id)
    return _act(
        request,
        row,
        lambda: requests.request_submit(
            actor=user, request=row, seen_version=_posted_version(request)
        ),
        _("Sent to a supervisor for approval."),
    )


@require_POST
def request_withdraw(request: AuthenticatedRequest, request_id: UUID) -> HttpResponse:
    user = request.user
    row = get_request_for(user, request_id)
    reason = request.POST.get("reason", "")
    return _act(
        request,
        row,
        lambda: requests.request_withdraw(actor=user, request=row, reason=reason),
        _("The request is withdrawn."),
    )


@require_POST
def request_close(request: AuthenticatedRequest, request_id: UUID) -> HttpResponse:
    user = request.user
    row = get_request_for(user, request_id)
    note = request.POST.get("reason", "")
    return _act(
        request,
        row,
        lambda: requests.request_close(actor=user, request=row, note=note),
        _("The request is closed."),
    )


@require_POST
def message_post(request: AuthenticatedRequest, request_id: UUID) -> HttpResponse:
    user = request.user
    row = get_request_for(user, request_id)
    form = MessageForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        return _detail(row)
    documents = documents_of(form.cleaned_data.get("documents") or [])
    return _act(
        request,
        row,
        lambda: requests.message_post(
            actor=user, request=row, text=form.cleaned_data.get("text", ""), attachments=documents
        ),
        _("Message sent."),
    )


# --- the receiving side ----------------------------------------------------------------------


@require_POST
def incoming_accept(request: AuthenticatedRequest, request_id: UUID) -> HttpResponse:
    user = request.user
    row = get_request_for(user, request_id)
    form = AcceptForm(request.POST, staff=_handlers_of(row))
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        return _detail(row)
    case = None
    if reference := form.cleaned_data.get("link_to", "").strip():
        from kinlink.cases.policies import visible_cases

        case = visible_cases(user, "edit").filter(reference__iexact=reference).first()
        if case is None:
            messages.error(request, _("No case of yours has this reference."))
            return _detail(row)
    return _act(
        request,
        row,
        lambda: receiving.incoming_accept(
            actor=user,
            request=row,
            seen_version=form.cleaned_data["version"],
            case=case,
            assign_to=form.cleaned_data["assign_to"],
        ),
        _("Accepted; the sender is told."),
    )


@require_POST
def incoming_decline(request: AuthenticatedRequest, request_id: UUID) -> HttpResponse:
    user = request.user
    row = get_request_for(user, request_id)
    reason = request.POST.get("reason", "")
    return _act(
        request,
        row,
        lambda: receiving.incoming_decline(actor=user, request=row, reason=reason),
        _("Declined; the sender is told."),
    )


@require_POST
def incoming_reply(request: AuthenticatedRequest, request_id: UUID) -> HttpResponse:
    """The reply form of the request's type; a refusal shows beside the fields."""
    user = request.user
    row = get_request_for(user, request_id)
    kind = registry.get(row.request_type)
    form = kind.reply_form(request.POST, prefix="reply")
    documents_form = MessageForm(request.POST, request.FILES)
    if form.is_valid() and documents_form.is_valid():
        documents = documents_of(documents_form.cleaned_data.get("documents") or [])
        try:
            receiving.incoming_reply(
                actor=user,
                request=row,
                seen_version=_posted_version(request),
                data=form.cleaned_data,
                text=documents_form.cleaned_data.get("text", ""),
                attachments=documents,
            )
        except StaleEdit:
            messages.error(request, _stale_message())
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Reply sent."))
            return _detail(row)
    context = {
        "row": row,
        "kind": kind,
        "preview": selectors.preview(row),
        "reply_rows": [],
        "thread": selectors.thread_of(row),
        "actions": selectors.actions_for(user, row),
        "undelivered": selectors.undelivered(row),
        "message_form": MessageForm(),
        "reason_form": ReasonForm(),
        "reply_form": form,
        "refusals": {},
    }
    return render(request, "exchange/request_detail.html", context, status=400)


# --- administration: peers and the outbox ----------------------------------------------------


def _admin(request: AuthenticatedRequest) -> User:
    if not peers.can_manage_peers(request.user):
        raise Http404
    return request.user


def peer_list(request: AuthenticatedRequest) -> HttpResponse:
    _admin(request)
    try:
        ring = keys.load()
        own = {
            "node_id": settings.KINLINK_NODE_ID,
            "fingerprint": keys.fingerprint(ring.signing_key().public()),
        }
    except keys.KeysMissing:
        own = {"node_id": settings.KINLINK_NODE_ID, "fingerprint": ""}
    context = {"peers": Peer.objects.order_by("name"), "own": own}
    return render(request, "exchange/peer_list.html", context)


@require_http_methods(["GET", "POST"])
def peer_register(request: AuthenticatedRequest) -> HttpResponse:
    user = _admin(request)
    form = PeerRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            peer = peers.peer_register(actor=user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request, _("Registered. Confirm its fingerprint before anything is sent.")
            )
            return HttpResponseRedirect(reverse("exchange:peer_detail", args=[peer.pk]))
    return render(request, "exchange/peer_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def peer_detail(request: AuthenticatedRequest, peer_id: UUID) -> HttpResponse:
    user = _admin(request)
    peer = get_object_or_404(Peer, pk=peer_id)
    form = PeerConfirmForm(request.POST or None, initial={"version": peer.version})
    if request.method == "POST":
        action = request.POST.get("action", "confirm")
        try:
            if action == "confirm":
                if form.is_valid():
                    peers.peer_confirm(
                        actor=user,
                        peer=peer,
                        fingerprint_read=form.cleaned_data["fingerprint"],
                        seen_version=form.cleaned_data["version"],
                    )
                    messages.success(request, _("Fingerprint confirmed: the peer is active."))
                    return HttpResponseRedirect(request.path)
            else:
                status = PeerStatus.SUSPENDED if action == "suspend" else PeerStatus.ACTIVE
                peers.peer_set_status(
                    actor=user, peer=peer, status=status, seen_version=_posted_version(request)
                )
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(request.path)
        except StaleEdit:
            messages.error(request, _stale_message())
            return HttpResponseRedirect(request.path)
        except ValidationError as error:
            _apply_errors(form, error)
    context = {"peer": peer, "form": form}
    return render(request, "exchange/peer_detail.html", context)


def outbox_list(request: AuthenticatedRequest) -> HttpResponse:
    """Envelopes waiting or given up, with their errors; never what they carry."""
    _admin(request)
    rows = (
        OutboundEnvelope.objects.exclude(status=OutboundStatus.DELIVERED)
        .select_related("peer")
        .defer("token")
        .order_by("status", "created_at")[:200]
    )
    counts = {
        status: OutboundEnvelope.objects.filter(status=status).count()
        for status in OutboundStatus.values
    }
    return render(request, "exchange/outbox.html", {"rows": rows, "counts": counts})


@require_POST
def outbox_retry(request: AuthenticatedRequest, envelope_id: UUID) -> HttpResponse:
    user = _admin(request)
    envelope = get_object_or_404(OutboundEnvelope, pk=envelope_id, status=OutboundStatus.DEAD)
    with transaction.atomic():
        outbox.retry(envelope=envelope, actor=user)
    messages.success(request, _("Back in the queue."))
    return HttpResponseRedirect(reverse("exchange:outbox"))
