"""Audit checkpoints, for the node administrator: what this node sent to its witness, what it
holds as a witness for its peers, and the file a peer's `audit verify --checkpoints` reads."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kinlink.accounts.policies import can_administer
from kinlink.audit.checkpoints import checkpoints_held_document
from kinlink.audit.models import HeldCheckpoint, SentCheckpoint
from kinlink.core.http import AuthenticatedRequest
from kinlink.core.models import NodeSettings
from kinlink.exchange.models import Peer


@require_GET
def checkpoints(request: AuthenticatedRequest) -> HttpResponse:
    if not can_administer(request.user):
        raise Http404
    peers = (
        HeldCheckpoint.objects.values("peer", "peer__name", "peer__node_id")
        .annotate(
            count=Count("id"),
            last_sequence=Max("sequence"),
            last_received=Max("received_at"),
            conflicts=Count("id", filter=Q(conflict=True)),
        )
        .order_by("peer__name")
    )
    return render(
        request,
        "audit/checkpoints.html",
        {
            "witness": NodeSettings.current().audit_witness_peer,
            "sent": SentCheckpoint.objects.all()[:30],
            "peers": peers,
        },
    )


@require_GET
def checkpoints_held(request: AuthenticatedRequest, peer_id: str) -> HttpResponse:
    if not can_administer(request.user):
        raise Http404
    try:
        peer = Peer.objects.get(pk=peer_id)
    except (Peer.DoesNotExist, ValidationError) as exc:
        raise Http404 from exc
    document = checkpoints_held_document(peer)
    response = HttpResponse(
        json.dumps(document, indent=1), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="checkpoints-{peer.node_id}.json"'
    return response
