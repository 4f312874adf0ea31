"""Periodic jobs of reports, run by `kinlink worker`: the daily statistics to the network."""

from __future__ import annotations

from django_tasks import task

from kinlink.reports.network import statistics_send


@task()
def send_network_statistics() -> bool:
    return statistics_send() is not None
