"""Cases closed before `closed_at` existed: the date of the audit event that closed them (the
latest one, for a case reopened and closed again), else the case's last change."""

from typing import Any

from django.db import migrations


def closure_dates(apps: Any, schema_editor: Any) -> None:
    Case = apps.get_model("cases", "Case")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    for case in Case.objects.filter(stage="closed", closed_at__isnull=True).iterator():
        closed_at = case.updated_at
        events = AuditEvent.objects.filter(case_id=case.pk, object_type="cases.case")
        for event in events.order_by("-sequence").only("at", "changes").iterator():
            stage = (event.changes or {}).get("stage")
            if isinstance(stage, list) and stage[-1:] == ["closed"]:
                closed_at = event.at
                break
        Case.objects.filter(pk=case.pk).update(closed_at=closed_at)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_security_actions"),
        ("cases", "0011_closure_and_anonymisation_dates"),
    ]

    operations = [migrations.RunPython(closure_dates, migrations.RunPython.noop)]
