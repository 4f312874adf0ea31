"""A request from draft to reply across two nodes, in a real browser: a caseworker in Morocco
drafts a family evaluation for a Guinean boy and sees exactly what will leave, her supervisor
approves it, the Guinean supervisor accepts it from his inbox and his caseworker replies; the
evaluation appears in the boy's case in Morocco. Each node is its own processes and database
(`tests/network/harness.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import steps
from tests.network.harness import Node, migrated_template, wait_for
from tests.network.scenario import REGISTER

pytestmark = pytest.mark.browser
PASSWORD = "kinlink-demo-password"


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory: Any) -> Iterator[tuple[Node, Node]]:
    folder = tmp_path_factory.mktemp("two-nodes")
    template = migrated_template(folder)
    morocco, guinea = Node("morocco", "MA", folder / "ma"), Node("guinea", "GN", folder / "gn")
    for node in (morocco, guinea):
        node.create(template)
        node.start_server()
    morocco.register(guinea, name="Direction de l'enfance, Guinée")
    guinea.register(morocco, name="Agence nationale, Maroc")
    for node in (morocco, guinea):
        node.start_worker()
    yield morocco, guinea
    for node in (morocco, guinea):
        node.stop()


def sign_in(page: Any, node: Node, username: str) -> None:
    page.goto(f"{node.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")


def test_a_family_evaluation_goes_from_draft_to_reply_across_two_nodes(
    browser: Any, two_nodes: tuple[Node, Node]
) -> None:
    morocco, guinea = two_nodes
    case_id, case_reference = morocco.py(
        REGISTER.replace("@GIVEN@", repr("Mamadou")) + "result = [str(case.pk), case.reference]"
    )
    pages = {}
    for who in ("ma-caseworker", "ma-supervisor", "gn-supervisor", "gn-caseworker"):
        _context, pages[who] = steps.new_page(browser)
    amina = pages["ma-caseworker"]
    sign_in(amina, morocco, "caseworker")

    # Morocco: the caseworker drafts the request from the boy's case.
    amina.goto(f"{morocco.url}/cases/{case_id}/")
    steps.follow(amina, amina.locator("#exchange").get_by_role("link", name="New request abroad"))
    amina.select_option("#id_request_type", "family_evaluation")
    amina.select_option("#id_peer", label="Direction de l'enfance, Guinée")
    steps.follow(amina, amina.get_by_role("button", name="Continue"))
    amina.fill("#id_questions", "His mother lives in Labé. Please meet her and evaluate the home.")
    amina.check("#id_danger_checked")
    steps.submit(amina)
    expect(amina.locator(".messages")).to_contain_text("Draft saved")
    # Exactly what will leave, before it leaves.
    data = amina.locator("#data")
    expect(data).to_contain_text("What will leave this node")
    expect(data).to_contain_text("Mamadou")
    expect(data).not_to_contain_text("Tangier")
    steps.submit(amina, amina.get_by_role("button", name="Ask a supervisor to approve and send"))
    expect(amina.locator(".messages")).to_contain_text("Sent to a supervisor for approval.")
    with morocco.database() as db:
        (reference,) = db.execute("SELECT reference FROM exchange_crossborderrequest").fetchone()

    # Morocco: the supervisor approves in My day; the request leaves and is acknowledged.
    youssef = pages["ma-supervisor"]
    sign_in(youssef, morocco, "supervisor")
    steps.approve_in_my_day(youssef, morocco.url, "Cross-border request", case_reference)
    amina.reload()
    wait_for(lambda: (amina.reload(), "Received by the partner" in amina.content())[1], timeout=60)

    # Guinea: the supervisor finds it in the inbox and accepts it for his caseworker.
    alpha = pages["gn-supervisor"]
    sign_in(alpha, guinea, "supervisor")
    alpha.goto(f"{guinea.url}/exchange/")
    steps.follow(alpha, alpha.locator("#inbox").get_by_role("link", name=reference))
    expect(alpha.locator("#data")).to_contain_text("Mamadou")
    alpha.select_option("#id_assign_to", label="Caseworker")
    steps.submit(alpha, alpha.get_by_role("button", name="Accept the request"))
    expect(alpha.locator(".messages")).to_contain_text("Accepted")

    # Guinea: the caseworker replies with the evaluation.
    mariama = pages["gn-caseworker"]
    sign_in(mariama, guinea, "caseworker")
    mariama.goto(alpha.url)
    mariama.fill("#id_reply-who_was_met", "The mother, Aissatou Diallo")
    mariama.fill("#id_reply-home_conditions", "Two rooms in Labé, water nearby")
    mariama.fill("#id_reply-capacity", "Willing to care for him, needs help with school fees")
    mariama.fill("#id_reply-evaluator_name", "Mariama Barry")
    mariama.fill("#id_reply-evaluated_on", (date.today() - timedelta(days=1)).isoformat())
    mariama.select_option("#id_reply-recommendation", "with_support")
    steps.submit(mariama, mariama.get_by_role("button", name="Send the reply"))
    expect(mariama.locator(".messages")).to_contain_text("Reply sent.")

    # Morocco: the reply is on the request, and the evaluation in the boy's case.
    wait_for(
        lambda: (amina.reload(), "Replied" in amina.locator("p.meta").inner_text())[1],
        timeout=60,
    )
    expect(amina.locator("#reply")).to_contain_text("The mother, Aissatou Diallo")
    amina.goto(f"{morocco.url}/cases/{case_id}/")
    expect(amina.locator("#assessments")).to_contain_text("Mariama Barry (Direction de l'enfance")
    expect(amina.locator("#assessments")).to_contain_text("Reunification with support")
