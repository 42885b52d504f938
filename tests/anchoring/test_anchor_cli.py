"""`tamga anchor now|list|check|status|key|grant|revoke` and the export's anchors, on the node's
own local anvil and on a configured remote chain."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from eth_account import Account
from typer.testing import CliRunner, Result

from anchoring.artifacts import REGISTRY_ANCHOR, load_artifact
from anchoring.chain import ANCHOR_ROLE, AnchorContract, Chain
from anchoring.keys import anchor_key_file
from anchoring.service import node_checkpoint_address
from node.chain.anvil import AnvilProcess, local_chain
from node.cli import CliOverrides, app
from node.clock import FixedClock
from node.keys import create_keystore
from node.settings import Settings
from tests.anchoring.conftest import ANCHOR_KEY, OTHER_KEY, deploy_for_node, funded
from tests.support.scenario import NOW

Invoke = Callable[..., Result]
FAST = {"TAMGA_ANCHOR_CONFIRMATIONS": "1", "TAMGA_ANCHOR_TIMEOUT_SECONDS": "30"}
ISSUER_FILE = Path(__file__).resolve().parents[1] / "data" / "filings" / "issuer-legal-entity.yaml"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the demo register loaded (made once; tests get copies)."""
    directory = tmp_path_factory.mktemp("anchor-demo") / "data"
    env: dict[str, str | None] = {key: None for key in os.environ if key.startswith("TAMGA_")}
    env["TAMGA_DATA_DIR"] = str(directory)
    for command in ("init", "demo"):
        result = CliRunner().invoke(app, [command], env=env)
        assert result.exit_code == 0, result.output
    return directory


@pytest.fixture
def data_dir(tmp_path: Path, demo_template: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in list(os.environ):
        if key.startswith("TAMGA_"):
            monkeypatch.delenv(key)
    directory = tmp_path / "data"
    shutil.copytree(demo_template, directory)
    return directory


@pytest.fixture
def tamga(data_dir: Path) -> Invoke:
    """Run ``tamga ARGS…`` in-process with extra environment variables."""
    runner = CliRunner()

    def invoke(*args: str, **env: str) -> Result:
        return runner.invoke(
            app,
            list(args),
            obj=CliOverrides(clock=FixedClock(NOW)),
            env={"TAMGA_DATA_DIR": str(data_dir), "COLUMNS": "200", **FAST, **env},
        )

    return invoke


def test_anchor_now_list_check_status_and_export_on_the_local_chain(
    tamga: Invoke, data_dir: Path, tmp_path: Path
) -> None:
    now = tamga("anchor", "now", "--json")
    assert now.exit_code == 0, now.output
    published = json.loads(now.stdout)
    assert published["action"] == "confirmed"
    anchor = published["anchor"]
    assert anchor["status"] == "confirmed"
    assert (data_dir / "keys" / "anchor-key.json").exists()
    assert tamga("anchor", "now").stdout.startswith("up-to-date")

    listed = tamga("anchor", "list", "--json")
    assert listed.exit_code == 0, listed.output
    report = json.loads(listed.stdout)
    [on_chain] = report["anchors"]
    assert on_chain["tree_size"] == anchor["tree_size"]
    assert (on_chain["tx_hash"], on_chain["block_hash"]) == (
        anchor["tx_hash"],
        anchor["block_hash"],
    )
    assert on_chain["ok"] and on_chain["local_checkpoint"]
    table = tamga("anchor", "list")
    assert "matches" in table.stdout

    checked = tamga("anchor", "check")
    assert checked.exit_code == 0, checked.output
    assert "anchor check passed: 1 anchors" in checked.stdout

    status = json.loads(tamga("anchor", "status", "--json").stdout)
    assert status["last_confirmed"] == anchor["tree_size"]
    assert status["chain"]["latest_tree_size"] == anchor["tree_size"]
    assert status["contract"] == published["contract"]

    # The export carries each anchored checkpoint's anchor, exactly as on the chain.
    exported = tamga("export", "--out", str(tmp_path / "export"))
    assert exported.exit_code == 0, exported.output
    lines = [
        json.loads(line)
        for line in (tmp_path / "export" / "checkpoints.jsonl").read_text().splitlines()
    ]
    anchored = [line for line in lines if line["anchor"] is not None]
    assert [line["tree_size"] for line in anchored] == [anchor["tree_size"]]
    assert anchored[0]["anchor"] == {
        "chain_id": 31337,
        "contract": published["contract"],
        "tx_hash": on_chain["tx_hash"],
        "block_number": on_chain["block_number"],
        "block_hash": on_chain["block_hash"],
        "anchored_at": on_chain["anchored_at"],
    }
    assert anchored[0]["log_root"] == on_chain["log_root"].removeprefix("0x")
    assert all(line["anchor"] is None for line in lines if line not in anchored)


def test_a_second_run_reuses_the_contract_and_anchors_the_growth(
    tamga: Invoke, data_dir: Path
) -> None:
    first = json.loads(tamga("anchor", "now", "--json").stdout)
    filing = Path(__file__).resolve().parents[1] / "data" / "filings" / "issuer-legal-entity.yaml"
    added = tamga("issuer", "add", str(filing))
    assert added.exit_code == 0, added.output
    second = json.loads(tamga("anchor", "now", "--json").stdout)
    assert second["action"] == "confirmed"
    assert second["contract"] == first["contract"]  # deployed once, remembered
    assert second["anchor"]["tree_size"] == first["anchor"]["tree_size"] + 1
    report = json.loads(tamga("anchor", "list", "--json").stdout)
    assert [a["tree_size"] for a in report["anchors"]] == [
        first["anchor"]["tree_size"],
        second["anchor"]["tree_size"],
    ]


def test_check_fails_when_the_chain_disagrees_with_the_local_checkpoints(
    tamga: Invoke, data_dir: Path
) -> None:
    assert tamga("anchor", "now").exit_code == 0
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{data_dir / 'tamga.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE checkpoints SET state_root = :r"), {"r": b"\x00" * 32})
    engine.dispose()
    checked = tamga("anchor", "check")
    assert checked.exit_code == 4
    assert "MISMATCH tree size" in checked.stdout
    assert "state root" in checked.stdout
    assert "anchor problem(s)" in checked.stderr


def test_remote_chain_from_settings(tamga: Invoke, data_dir: Path) -> None:
    with AnvilProcess.start() as anvil:
        chain = Chain.open(anvil.url, timeout=5)
        key = funded(chain, ANCHOR_KEY)
        sent = deploy_for_node(chain, key, data_dir)
        assert sent.contract_address is not None
        settings = Settings(data_dir=data_dir)
        create_keystore(
            key_file=anchor_key_file(settings),
            password_file=data_dir / "anchor.password",
            private_key=ANCHOR_KEY,
        )
        remote = {
            "TAMGA_RPC_URL": anvil.url,
            "TAMGA_CHAIN_ID": "31337",
            "TAMGA_CONTRACT_ADDRESS": sent.contract_address,
            "TAMGA_CONTRACT_DEPLOY_BLOCK": str(sent.receipt.block_number),
            "TAMGA_ANCHOR_KEY_PASSWORD_FILE": str(data_dir / "anchor.password"),
        }
        now = tamga("anchor", "now", "--json", **remote)
        assert now.exit_code == 0, now.output
        assert json.loads(now.stdout)["contract"] == sent.contract_address
        assert AnchorContract(chain, sent.contract_address).latest().tree_size > 0
        assert tamga("anchor", "check", **remote).exit_code == 0

        # Key rotation from the command line: grant the new key, revoke the old.
        new = Account.from_key(OTHER_KEY).address
        granted = tamga("anchor", "grant", new, **remote)
        assert granted.exit_code == 0, granted.output
        assert "holds it now: True" in granted.stdout
        revoked = tamga("anchor", "revoke", key.address, **remote)
        assert "holds it now: False" in revoked.stdout
        contract = AnchorContract(chain, sent.contract_address)
        assert contract.has_role(ANCHOR_ROLE, new)
        assert not contract.has_role(ANCHOR_ROLE, key.address)
        bad = tamga("anchor", "grant", "not-an-address", **remote)
        assert bad.exit_code == 3
        assert "[evm-address; EIP-55]" in bad.stderr

        # Node key rotation from the command line (signed by the admin, here the anchoring
        # key's keystore given as --admin-key): register the new checkpoint key, revoke the old.
        node_key = node_checkpoint_address(Settings(data_dir=data_dir))
        admin = (
            "--admin-key",
            str(anchor_key_file(settings)),
            "--admin-password-file",
            str(data_dir / "anchor.password"),
        )
        added = tamga("anchor", "signer", "add", new, *admin, **remote)
        assert added.exit_code == 0, added.output
        assert "registered now: True" in added.stdout
        removed = tamga("anchor", "signer", "remove", node_key, *admin, **remote)
        assert removed.exit_code == 0, removed.output
        assert "registered now: False" in removed.stdout
        assert contract.is_checkpoint_signer(new)
        assert not contract.is_checkpoint_signer(node_key)
        listed = json.loads(tamga("anchor", "signer", "list", "--json", **remote).stdout)
        assert [(e["signer"], e["allowed"]) for e in listed["events"]] == [
            (node_key, True),
            (new, True),
            (node_key, False),
        ]
        assert listed["registered"] == [new]
        # The node's checkpoints (still signed by the revoked key) are refused, by name, even
        # from a key holding ANCHOR_ROLE again.
        assert tamga("anchor", "grant", key.address, **remote).exit_code == 0
        assert tamga("issuer", "add", str(ISSUER_FILE), **remote).exit_code == 0
        refused = tamga("anchor", "now", **remote)
        assert refused.exit_code == 1
        assert f"signed by {node_key}, which is not a registered checkpoint signer" in (
            refused.stderr
        )
        no_password = tamga("anchor", "signer", "add", new, "--admin-key", "k", **remote)
        assert no_password.exit_code != 0
        assert "--admin-key needs --admin-password-file" in no_password.stderr

        wrong = tamga("anchor", "now", **{**remote, "TAMGA_CHAIN_ID": "1"})
        assert wrong.exit_code == 1
        assert "is chain 31337, TAMGA_CHAIN_ID is 1" in wrong.stderr
    partial = tamga("anchor", "list", TAMGA_RPC_URL="http://127.0.0.1:9")
    assert partial.exit_code == 1
    assert "TAMGA_CHAIN_ID and TAMGA_CONTRACT_ADDRESS must be set too" in partial.stderr


def _older_build(code: bytes) -> str:
    """Runtime code that differs from this version's only in its metadata hash's last byte."""
    return "0x" + (code[:-3] + bytes([code[-3] ^ 0xFF]) + code[-2:]).hex()


def test_a_contract_of_another_version_is_refused_with_a_clear_error(
    tamga: Invoke, data_dir: Path
) -> None:
    # The local chain: its state (kept in <data_dir>/anvil) holds an older build of the contract
    # at the recorded address, as a data directory from before a contract change would.
    first = json.loads(tamga("anchor", "now", "--json").stdout)
    with local_chain(data_dir, block_time=None) as endpoint:
        chain = Chain.open(endpoint.url, timeout=5)
        code = chain.code(first["contract"])
        assert load_artifact(REGISTRY_ANCHOR).runtime_matches(code)
        chain.rpc("anvil_setCode", [first["contract"], _older_build(code)])
    for command in (("anchor", "now"), ("anchor", "list")):
        refused = tamga(*command)
        assert refused.exit_code == 1, refused.output
        assert f"the contract at {first['contract']} is not this version's" in refused.stderr
        assert "anvil/state.json was made by an older Tamga" in refused.stderr

    # A remote chain: another build at TAMGA_CONTRACT_ADDRESS, or no contract at all.
    with AnvilProcess.start() as anvil:
        chain = Chain.open(anvil.url, timeout=5)
        key = funded(chain, ANCHOR_KEY)
        sent = deploy_for_node(chain, key, data_dir)
        assert sent.contract_address is not None
        chain.rpc(
            "anvil_setCode",
            [sent.contract_address, _older_build(chain.code(sent.contract_address))],
        )
        remote = {
            "TAMGA_RPC_URL": anvil.url,
            "TAMGA_CHAIN_ID": "31337",
            "TAMGA_CONTRACT_ADDRESS": sent.contract_address,
        }
        refused = tamga("anchor", "list", **remote)
        assert refused.exit_code == 1, refused.output
        assert f"the contract at {sent.contract_address} is not this version's" in refused.stderr
        assert "deploy this version's RegistryAnchor on chain 31337" in refused.stderr
        empty = tamga("anchor", "list", **{**remote, "TAMGA_CONTRACT_ADDRESS": key.address})
        assert empty.exit_code == 1, empty.output
        assert f"no contract is deployed at {key.address}" in empty.stderr


def test_status_reports_an_unreachable_chain(tamga: Invoke, data_dir: Path) -> None:
    from node.chain.anvil import free_port

    down = {
        "TAMGA_RPC_URL": f"http://127.0.0.1:{free_port()}",
        "TAMGA_CHAIN_ID": "31337",
        "TAMGA_CONTRACT_ADDRESS": "0x" + "11" * 20,
        "TAMGA_RPC_TIMEOUT_SECONDS": "1",
    }
    status = tamga("anchor", "status", **down)
    assert status.exit_code == 0, status.output
    assert "unreachable: eth_chainId: cannot reach the JSON-RPC endpoint" in status.stdout
    missing = tamga("anchor", "now", "--no-checkpoint", **down)
    assert "no anchoring keystore" in missing.stderr
    assert tamga("anchor", "key", "create").exit_code == 0
    now = tamga("anchor", "now", "--no-checkpoint", **down)
    assert now.exit_code == 1
    assert "cannot reach the JSON-RPC endpoint http://127.0.0.1:" in now.stderr


def test_key_commands_never_print_the_secret(tamga: Invoke, data_dir: Path) -> None:
    created = tamga("anchor", "key", "create", TAMGA_ANCHOR_KEY_PASSWORD="correct horse battery")
    assert created.exit_code == 0, created.output
    address = created.stdout.split()[2]
    assert "created keystore" in created.stdout
    assert not (data_dir / "keys" / "anchor-key.password").exists()
    shown = tamga("anchor", "key", "show", TAMGA_ANCHOR_KEY_PASSWORD="correct horse battery")
    assert shown.stdout.strip() == address
    wrong = tamga("anchor", "key", "show", TAMGA_ANCHOR_KEY_PASSWORD="hunter2-not-it")
    assert wrong.exit_code == 1
    assert "does not open the anchoring keystore" in wrong.stderr
    assert "hunter2" not in wrong.output
    keystore = json.loads((data_dir / "keys" / "anchor-key.json").read_text())
    assert "correct horse" not in json.dumps(keystore)
    assert oct((data_dir / "keys" / "anchor-key.json").stat().st_mode & 0o777) == "0o600"
    missing = tamga("anchor", "key", "show", TAMGA_ANCHOR_KEY_FILE=str(data_dir / "none.json"))
    assert "no anchoring keystore" in missing.stderr
