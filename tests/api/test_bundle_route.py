"""The proof bundle and printed extract routes, against a real anvil with anchored checkpoints."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from anchoring.audit_bundle import audit_bundle
from anchoring.audit_chain import AnchorReader
from anchoring.bundle_format import bundle_sha256, parse_bundle_url
from anchoring.chain import AnchorContract, Chain, deploy_anchor
from anchoring.publisher import PublishAction, Publisher, PublisherConfig
from anchoring.store import AnchorStore, Deployment
from api.app import create_app
from node.chain.anvil import AnvilProcess, anvil_dir, free_port
from node.clock import FixedClock
from node.domain.calendar import kyrgyz_calendar
from node.settings import Settings
from tests.api.conftest import PLANTED, PLANTED_OWNERS, ApiEnv, build_env
from tests.support.scenario import NOW, ORIGIN, signer
from tests.unit.domain.lifecycle_samples import emission_filing

ANCHOR_KEY = bytes.fromhex("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def anvil() -> Iterator[AnvilProcess]:
    """A real anvil (automine) for this module's tests."""
    process = AnvilProcess.start()
    try:
        yield process
    finally:
        process.stop()


@dataclass
class Anchored:
    """The API on a register whose checkpoint is anchored on the anvil."""

    env: ApiEnv
    url: str
    contract: str
    deployment: Deployment
    chain: Chain
    account: LocalAccount

    def publish(self) -> None:
        """Anchor the ledger's latest checkpoint, as the node's publisher does."""
        publisher = Publisher(
            ledger=self.env.ledger,
            contract=AnchorContract(self.chain, self.contract),
            deployment=self.deployment,
            account=self.account,
            config=PublisherConfig(confirmations=1, timeout_seconds=20.0, poll_seconds=0.05),
            clock=FixedClock(NOW),
        )
        assert publisher.run().action is PublishAction.CONFIRMED

    def audit_chain(self) -> AnchorReader:
        """The auditor's own read-only client of the contract."""
        return AnchorReader(self.url, self.contract)


def _anchored(anvil: AnvilProcess, tmp_path: Path, *, publish: bool) -> Iterator[Anchored]:
    chain = Chain.open(anvil.url, timeout=5)
    account: LocalAccount = Account.from_key(ANCHOR_KEY)
    chain.rpc("anvil_setBalance", [account.address, hex(100 * 10**18)])
    sent = deploy_anchor(
        chain,
        account,
        admin=account.address,
        anchorer=account.address,
        checkpoint_signer=signer().address,
        origin=ORIGIN,
        chain_id=chain.chain_id(),
    )
    contract = sent.contract_address
    assert contract is not None
    for env in build_env(
        f"sqlite:///{tmp_path / 'ledger.sqlite'}",
        tmp_path,
        rpc_url=anvil.url,
        chain_id=chain.chain_id(),
        contract_address=contract,
        contract_deploy_block=sent.receipt.block_number,
    ):
        # recorded as the local chain's too, so the local-endpoint test can reuse this register
        deployment = AnchorStore(env.ledger.store.engine).add_deployment(
            chain_id=chain.chain_id(),
            contract=contract,
            local=True,
            deploy_tx=sent.tx_hash,
            deploy_block=sent.receipt.block_number,
            now="2026-11-20T09:00:00.000000Z",
        )
        world = Anchored(env, anvil.url, contract, deployment, chain, account)
        if publish:
            world.publish()
        yield world


@pytest.fixture(scope="module")
def anchored(anvil: AnvilProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Anchored]:
    """The populated API register (planted founders), its checkpoint anchored (read-only use)."""
    yield from _anchored(anvil, tmp_path_factory.mktemp("bundle-route"), publish=True)


def _problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/v1/problems/{slug}"
    assert body["status"] == status
    return body


def test_the_downloaded_bundle_verifies_with_the_audit_bundle_verifier(anchored: Anchored) -> None:
    env = anchored.env
    response = env.client.get(f"/v1/emissions/{env.key}/bundle")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    size = env.ledger.latest_checkpoint().size
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="{env.key}-{size}.bundle.json"' in disposition
    data = response.content
    sha = bundle_sha256(data)
    assert response.headers["etag"] == f'"{sha}"'
    audit = audit_bundle(
        data,
        chain=anchored.audit_chain(),
        calendar=kyrgyz_calendar(),
        signers=[signer().address],
        expected_key=env.key,
    )
    assert audit.report.ok, audit.report.to_json()
    assert audit.view is not None and audit.view.emission.key == env.key
    bundle = json.loads(data)
    assert bundle["checkpoint"]["tree_size"] == size
    assert bundle["anchor"]["contract"] == anchored.contract

    # pinned to the bundle's block and checkpoint, the same bytes come back (the QR code's URL)
    block = bundle["observations"][0]["block_number"]
    query = f"?checkpoint={size}&block={block}&sha256={sha}"
    again = env.client.get(f"/v1/emissions/{env.key}/bundle{query}")
    assert again.status_code == 200 and again.content == data
    by_application = env.client.get(
        f"/v1/emissions/{bundle['application_no']}/bundle?checkpoint={size}&block={block}"
    )
    assert bundle_sha256(by_application.content) == sha


def test_a_bundle_that_is_not_the_one_named_is_refused(anchored: Anchored) -> None:
    env = anchored.env
    body = _problem(
        env.client.get(f"/v1/emissions/{env.key}/bundle?sha256={'0' * 64}"), 409, "bundle-changed"
    )
    assert (body["field"], body["rule"]) == ("sha256", "bundle-hash")


def test_bundles_and_extracts_hold_no_founders_data(anchored: Anchored, tmp_path: Path) -> None:
    """Reg. §66: the bundle carries the issuer's entries, so founders only as the commitment."""
    env = anchored.env
    secrets = [*PLANTED.values(), env.salt_hex]
    for key in (env.key, env.wallet_key):
        response = env.client.get(f"/v1/emissions/{key}/bundle")
        assert response.status_code == 200, response.text
        bundle = json.loads(response.content)
        leaves = [base64.b64decode(e["leaf"]).decode("utf-8") for e in bundle["entries"]]
        assert any('"issuer.registered"' in leaf for leaf in leaves)  # the issuer's entry is in
        pdf = env.client.get(f"/v1/emissions/{key}/extract.pdf").content
        text = _pdf_text(pdf, tmp_path)
        assert key in text
        for secret in secrets:
            for where in (response.text, *leaves, text):
                assert secret.lower() not in where.lower(), f"{secret!r} leaked in {key}"


def test_miner_and_licence_bundles_verify_and_hold_no_owners(
    anchored: Anchored, tmp_path: Path
) -> None:
    """Law art. 14, 30.6: a certificate's and a licence's bundle and extract over HTTP; the
    licence's owners (art. 29.2 item 2) only as their commitment."""
    env = anchored.env
    owners = [v for owner in PLANTED_OWNERS for k, v in owner.items() if k != "role"]
    for collection, key in (("miners", env.certificate), ("licences", env.licence)):
        response = env.client.get(f"/v1/{collection}/{key}/bundle")
        assert response.status_code == 200, response.text
        assert f'filename="{key}-' in response.headers["content-disposition"]
        page = env.client.get(f"/{collection}/{key}?lang=en").text
        assert f'href="/v1/{collection}/{key}/bundle"' in page
        assert f'href="/v1/{collection}/{key}/extract.pdf"' in page
        audit = audit_bundle(
            response.content,
            chain=anchored.audit_chain(),
            calendar=kyrgyz_calendar(),
            signers=[signer().address],
            expected_key=key,
        )
        assert audit.report.ok, audit.report.to_json()
        assert json.loads(response.content)["format"] == "tamga.subject-bundle.v1"
        pdf = env.client.get(f"/v1/{collection}/{key}/extract.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = _pdf_text(pdf.content, tmp_path)
        assert key in text
        leaves = [
            base64.b64decode(e["leaf"]).decode("utf-8")
            for e in json.loads(response.content)["entries"]
        ]
        for secret in (*owners, env.salt_hex):
            for where in (response.text, *leaves, text):
                assert secret.lower() not in where.lower(), f"{secret!r} leaked in {key}"
    _problem(env.client.get("/v1/miners/MN-1-999999/bundle"), 404, "not-found")
    _problem(env.client.get("/v1/licences/LIC-999999/extract.pdf"), 404, "not-found")
    _problem(env.client.get("/v1/licences/LIC-1/bundle"), 422, "invalid-request")


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    source = tmp_path / "extract.pdf"
    source.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", str(source), "-"], check=True, capture_output=True, timeout=60
    )
    return done.stdout.decode("utf-8")


def test_the_extract_is_a_pdf_naming_the_bundle(anchored: Anchored, tmp_path: Path) -> None:
    env = anchored.env
    response = env.client.get(f"/v1/emissions/{env.key}/extract.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline;")
    assert response.content.startswith(b"%PDF")
    assert env.key in _pdf_text(response.content, tmp_path)
    url = _qr_code(response.content, tmp_path)
    key, sha = parse_bundle_url(url)
    assert key == env.key and sha is not None
    # the QR code's URL serves exactly the bundle whose hash it names, and that bundle verifies
    assert url.startswith("http://testserver/v1/emissions/")
    fetched = env.client.get(url.removeprefix("http://testserver"))
    assert fetched.status_code == 200, fetched.text
    assert bundle_sha256(fetched.content) == sha
    audit = audit_bundle(
        fetched.content,
        chain=anchored.audit_chain(),
        calendar=kyrgyz_calendar(),
        expected_key=env.key,
        expected_sha256=sha,
    )
    assert audit.report.ok, audit.report.to_json()


def _qr_code(pdf: bytes, tmp_path: Path) -> str:
    source = tmp_path / "qr.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", str(source), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    decoded: list[str] = []
    for page in sorted(tmp_path.glob("page-*.png")):  # zbarimg exits 4 for a page without one
        found = subprocess.run(
            ["zbarimg", "--quiet", "--raw", str(page)], capture_output=True, text=True, timeout=60
        )
        assert found.returncode in (0, 4), found.stderr
        decoded += found.stdout.split()
    assert len(decoded) == 1, decoded
    return decoded[0]


def test_the_emission_page_links_the_bundle_and_the_extract(anchored: Anchored) -> None:
    env = anchored.env
    labels = {
        "ky": ("Далилдер топтомун жүктөп алуу", "Реестрден басма көчүрмө (PDF)"),
        "ru": ("Скачать пакет доказательств", "Печатная выписка (PDF)"),
        "en": ("Download the proof bundle", "Printed extract (PDF)"),
    }
    for lang, (bundle_label, extract_label) in labels.items():
        html = env.client.get(f"/emissions/{env.key}?lang={lang}").text
        assert f'href="/v1/emissions/{env.key}/bundle" download>{bundle_label}</a>' in html
        assert f'href="/v1/emissions/{env.key}/extract.pdf"' in html
        assert f">{extract_label}</a>" in html


def test_unknown_emissions_bad_blocks_and_checkpoints(anchored: Anchored) -> None:
    env = anchored.env
    for route in ("bundle", "extract.pdf"):
        _problem(env.client.get(f"/v1/emissions/KG9999Z9999/{route}"), 404, "not-found")
        body = _problem(
            env.client.get(f"/v1/emissions/{env.key}/{route}?block={2**40}"), 422, "invalid-request"
        )
        assert (body["field"], body["rule"]) == ("block", "block-mined")
    # no checkpoint of one entry in the ledger: 404; a checkpoint beyond the anchors: 409
    _problem(env.client.get(f"/v1/emissions/{env.key}/bundle?checkpoint=1"), 404, "not-found")
    size = env.ledger.latest_checkpoint().size
    later = env.client.get(f"/v1/emissions/{env.key}/bundle?checkpoint={size + 1}")
    _problem(later, 409, "not-anchored")


def test_without_a_chain_the_routes_answer_no_chain(env: ApiEnv) -> None:
    """The documented problem: 409 no-chain (the node is configured without a chain)."""
    for route in ("bundle", "extract.pdf"):
        body = _problem(env.client.get(f"/v1/emissions/{env.key}/{route}"), 409, "no-chain")
        assert "TAMGA_RPC_URL" in body["detail"]
        _problem(env.client.get(f"/v1/emissions/KG9999Z9999/{route}"), 404, "not-found")
    problem = env.client.get("/v1/problems/no-chain").json()
    assert problem["title"] == "The node reads no chain"
    html = env.client.get(f"/emissions/{env.key}?lang=en").text
    assert "/bundle" not in html and "extract.pdf" not in html
    assert "Download the proof bundle" not in html


def test_nothing_anchored_yet_then_a_new_emission_after_the_anchor(
    anvil: AnvilProcess, tmp_path: Path
) -> None:
    for world in _anchored(anvil, tmp_path, publish=False):
        env = world.env
        for route in ("bundle", "extract.pdf"):
            response = env.client.get(f"/v1/emissions/{env.key}/{route}")
            body = _problem(response, 409, "not-anchored")
            assert response.headers["retry-after"] == "30"
            assert world.contract in body["detail"]
        world.publish()
        assert env.client.get(f"/v1/emissions/{env.key}/bundle").status_code == 200
        newer, _ = env.ledger.file_application(emission_filing(issuer=env.code))
        _problem(env.client.get(f"/v1/emissions/{newer}/bundle"), 409, "not-anchored")
        assert "/bundle" not in env.client.get(f"/emissions/{newer}").text


def test_an_unreachable_chain_is_503(anchored: Anchored, tmp_path: Path) -> None:
    settings = anchored.env.settings.model_copy(
        update={"rpc_url": f"http://127.0.0.1:{free_port()}"}
    )
    with _client(settings) as client:
        response = client.get(f"/v1/emissions/{anchored.env.key}/bundle")
        _problem(response, 503, "chain-unavailable")
        assert response.headers["retry-after"] == "30"


def test_the_local_chain_of_tamga_up_is_found_in_the_data_directory(
    anchored: Anchored, tmp_path: Path
) -> None:
    """Without TAMGA_RPC_URL: the endpoint `tamga up` writes, and the latest local deployment."""
    data_dir = tmp_path / "data"
    settings = anchored.env.settings.model_copy(
        update={"rpc_url": None, "chain_id": None, "contract_address": None, "data_dir": data_dir}
    )
    with _client(settings) as client:
        _problem(client.get(f"/v1/emissions/{anchored.env.key}/bundle"), 409, "no-chain")
        anvil_dir(data_dir).mkdir(parents=True)
        (anvil_dir(data_dir) / "endpoint.json").write_text(
            json.dumps({"url": anchored.url, "pid": 1}), encoding="utf-8"
        )
        response = client.get(f"/v1/emissions/{anchored.env.key}/bundle")
        assert response.status_code == 200, response.text
        assert json.loads(response.content)["anchor"]["contract"] == anchored.contract


def _client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings, clock=FixedClock(NOW)))
