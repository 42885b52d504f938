"""The multi-machine topology on one machine (docs/deployment.md): a PostgreSQL primary and a
streaming replica (pg_basebackup), anvil, two job runners, three API processes and nginx in
front of them, all on loopback. `scripts/cluster.sh up|down|status` runs it for a person; the
test suite (tests/cluster/) drives the same classes and kills their processes.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DATABASE = "tamga"
ISSUER_FILING: dict[str, Any] = {
    "name": "Ala-Too Cluster Assets LLC",
    "issuer_kind": "legal_entity",
    "legal_form": "limited liability company",
    "legal_address": "720040, Bishkek, Chui avenue 100, office 5",
    "region": "bishkek",
    "legal_registration": {
        "number": "123456-3301-OOO",
        "registered_on": "2023-05-17",
        "authority": "Ministry of Justice of the Kyrgyz Republic",
    },
    "founders": [
        {
            "name": "Aibek Toktogulov",
            "kind": "individual",
            "share_pct": "100",
            "identifier": "ID 1234567",
            "citizenship": "KG",
            "address": "Bishkek, Manas avenue 1, apt 2",
        }
    ],
}
"""A demo issuer's filing (Reg. §9.5-9.6), registered once so the cluster has a register."""


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(what: str, ready: Any, *, timeout: float, step: float = 0.1) -> Any:
    """Call ``ready()`` until it returns something truthy; raise TimeoutError naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = ready()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(step)


def _pg_bin() -> Path:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    raise RuntimeError("PostgreSQL server binaries not found: `make test` installs postgresql")


@dataclass
class Postgres:
    """One PostgreSQL server (primary, or a hot standby made with pg_basebackup)."""

    data: Path
    port: int
    log: Path
    run_as: str | None = "postgres" if os.geteuid() == 0 else None  # postgres refuses root

    def _run(self, tool: str, *args: str, timeout: float = 120) -> None:
        cmd = [str(_pg_bin() / tool), *args]
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)

    def _own(self, path: Path) -> None:
        if self.run_as:
            pw = pwd.getpwnam(self.run_as)
            os.chown(path, pw.pw_uid, pw.pw_gid)

    @classmethod
    def primary(cls, root: Path) -> Postgres:
        """initdb a primary that streams its WAL to replicas (wal_level=replica)."""
        root.mkdir(parents=True, exist_ok=True)
        os.chmod(root.parent, 0o755)
        server = cls(data=root / "data", port=free_port(), log=root / "postgres.log")
        server._own(root)
        server._run("initdb", "-D", str(server.data), "-U", "postgres", "-A", "trust", "--no-sync")
        server.start()
        return server

    def replica(self, root: Path) -> Postgres:
        """A streaming replica of this primary: pg_basebackup -R (standby.signal and
        primary_conninfo written), started as a hot standby."""
        root.mkdir(parents=True, exist_ok=True)
        standby = Postgres(data=root / "data", port=free_port(), log=root / "postgres.log")
        standby._own(root)
        self._run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"),
            *("-D", str(standby.data), "-R", "-X", "stream", "-c", "fast"),
        )
        standby.start()
        return standby

    def start(self) -> None:
        """Start (again) on the same port and data."""
        opts = (
            f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1 "
            "-c wal_level=replica -c max_wal_senders=5 -c hot_standby=on -c fsync=off "
            "-c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.log), "-w", "start")
        wait_until(f"PostgreSQL on port {self.port}", self.answers, timeout=30, step=0.2)

    def answers(self) -> bool:
        """Whether the server accepts connections."""
        import psycopg

        try:
            with psycopg.connect(self.dsn("postgres"), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def stop(self, mode: str = "fast") -> None:
        """pg_ctl stop (``immediate`` is a crash of the server)."""
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def dsn(self, database: str) -> str:
        """libpq DSN."""
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def url(self, database: str = DATABASE) -> str:
        """SQLAlchemy URL."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str = DATABASE) -> None:
        """CREATE DATABASE."""
        import psycopg

        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')


@dataclass
class Proc:
    """A process of the topology, its output in a log file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None
    offset: int = 0
    """Where this run's output begins in the log (a restart appends)."""

    def start(self) -> None:
        """Start it in its own session (a person's Ctrl-C never reaches it)."""
        self.offset = len(self.output())
        handle = self.log.open("ab")
        self.popen = subprocess.Popen(
            self.argv,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            start_new_session=True,
        )
        handle.close()

    @property
    def pid(self) -> int:
        """Its pid."""
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        """Whether it still runs."""
        return self.popen is not None and self.popen.poll() is None

    def output(self) -> str:
        """Everything it printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def wait_for(self, text: str, *, timeout: float, after: int | None = None) -> int:
        """Wait until its output holds ``text`` beyond offset ``after`` (default: where this
        run's output begins); the offset after it.

        Raises:
            RuntimeError: it exited first.
            TimeoutError: not within ``timeout``.
        """

        start = self.offset if after is None else after

        def seen() -> int:
            out = self.output()
            at = out.find(text, start)
            if at >= 0:
                return at + len(text)
            if not self.alive():
                raise RuntimeError(f"{self.name} exited:\n{out[-3000:]}")
            return 0

        return int(wait_until(f"{text!r} from {self.name}", seen, timeout=timeout))

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` and reap it."""
        if self.alive():
            assert self.popen is not None
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def nginx_config(root: Path, *, port: int, upstreams: list[int]) -> Path:
    """nginx in front of the API processes: round robin; a server that refuses connections or
    answers 502/503 to a GET is taken out for 5 s and the request goes to the next one. A POST
    already sent is never re-sent (nginx's default for non-idempotent requests): the client
    retries it with its Idempotency-Key."""
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (root / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in upstreams)
    tmp = root / "tmp"
    conf = f"""\
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  upstream tamga_api {{
{servers}
    keepalive 32;
  }}
  server {{
    listen 127.0.0.1:{port};
    client_max_body_size 2m;
    location / {{
      proxy_pass http://tamga_api;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 1s;
      proxy_read_timeout 60s;
    }}
  }}
}}
"""
    path = root / "nginx.conf"
    path.write_text(conf, encoding="ascii")
    return path


@dataclass
class Cluster:
    """Everything of one topology under ``root``."""

    root: Path
    primary: Postgres
    replica: Postgres | None
    anvil: Proc
    rpc_url: str
    env: dict[str, str]
    """Settings every node process shares (database, keys, chain, contract)."""
    apis: list[Proc] = field(default_factory=list)
    api_ports: list[int] = field(default_factory=list)
    runners: list[Proc] = field(default_factory=list)
    runner_ports: list[int] = field(default_factory=list)
    proxy: Proc | None = None
    proxy_port: int | None = None
    regulator_token: str = ""

    @property
    def url(self) -> str:
        """The proxy's base URL (what clients use)."""
        return f"http://127.0.0.1:{self.proxy_port}"

    def tamga(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        """Run a `tamga` command with the shared settings; its stdout.

        Raises:
            subprocess.CalledProcessError: it failed.
        """
        done = subprocess.run(
            [str(BIN / "tamga"), *args],
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
            timeout=300,
        )
        if done.returncode != 0:
            raise subprocess.CalledProcessError(
                done.returncode, done.args, done.stdout, done.stderr
            )
        return done.stdout

    def node(self, name: str, *, role: str, port: int, extra: Mapping[str, str]) -> Proc:
        """A `tamga up` process in ``role`` (not started)."""
        data = self.root / name
        data.mkdir(parents=True, exist_ok=True)
        env = {
            **self.env,
            "TAMGA_ROLE": role,
            "TAMGA_DATA_DIR": str(data),
            "TAMGA_API_PORT": str(port),
            **extra,
        }
        if role == "api":
            # an API node never reads a key: point the key settings at nothing (tested)
            for key in ("TAMGA_KEY_FILE", "TAMGA_KEY_PASSWORD_FILE", "TAMGA_ANCHOR_KEY_FILE"):
                env[key] = str(data / "no-such-key")
            env.pop("TAMGA_ANCHOR_KEY_PASSWORD_FILE", None)
        return Proc(name, [str(BIN / "tamga"), "up"], env, self.root / f"{name}.log")

    def start_api(self, index: int, *, extra: Mapping[str, str] | None = None) -> Proc:
        """Start API process ``index`` (0-based) on its port (again, after a kill)."""
        return self._start("api", index, self.api_ports, self.apis, extra)

    def start_runner(self, index: int, *, extra: Mapping[str, str] | None = None) -> Proc:
        """Start job runner ``index`` (0-based) on its port (again, after a kill)."""
        return self._start("jobs", index, self.runner_ports, self.runners, extra)

    def _start(
        self,
        role: str,
        index: int,
        ports: list[int],
        procs: list[Proc],
        extra: Mapping[str, str] | None,
    ) -> Proc:
        proc = self.node(f"{role}{index + 1}", role=role, port=ports[index], extra=extra or {})
        if index < len(procs):
            procs[index] = proc
        else:
            procs.append(proc)
        proc.start()
        return proc

    def start_proxy(self) -> Proc:
        """Start nginx in front of the API processes."""
        assert self.proxy_port is not None
        conf = nginx_config(self.root / "nginx", port=self.proxy_port, upstreams=self.api_ports)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proxy = Proc(
            "nginx",
            # -e: the error log from the start (else nginx first tries /var/log/nginx)
            [
                nginx,
                "-e",
                str(self.root / "nginx" / "nginx-error.log"),
                "-c",
                str(conf),
                "-p",
                str(self.root / "nginx"),
            ],
            dict(os.environ),
            self.root / "nginx.log",
        )
        self.proxy.start()
        wait_until("nginx", lambda: _answers(f"{self.url}/healthz"), timeout=30)
        return self.proxy

    def processes(self) -> list[Proc]:
        """Every process it started (for stopping)."""
        return [*self.apis, *self.runners, *([self.proxy] if self.proxy else []), self.anvil]

    def remove(self) -> None:
        """Delete the databases' files (after ``stop``)."""
        shutil.rmtree((self.root / "postgresql").resolve(), ignore_errors=True)

    def stop(self) -> None:
        """Stop every process and server (SIGTERM, then the databases)."""
        for proc in self.processes():
            proc.kill(signal.SIGTERM)
        for server in (self.replica, self.primary):
            if server is not None:
                with contextlib.suppress(subprocess.CalledProcessError):
                    server.stop()

    def state(self) -> dict[str, Any]:
        """What `status` and `down` need from another process."""
        return {
            "root": str(self.root),
            "url": self.url,
            "primary": {"data": str(self.primary.data), "port": self.primary.port},
            "replica": None
            if self.replica is None
            else {"data": str(self.replica.data), "port": self.replica.port},
            "rpc_url": self.rpc_url,
            "regulator_token": self.regulator_token,
            "pids": {p.name: p.pid for p in self.processes() if p.popen is not None},
            "apis": [f"http://127.0.0.1:{p}" for p in self.api_ports],
            "runners": [f"http://127.0.0.1:{p}" for p in self.runner_ports],
        }


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def build(
    root: Path,
    *,
    apis: int = 3,
    runners: int = 2,
    replica: bool = True,
    proxy: bool = True,
    node_env: Mapping[str, str] | None = None,
    block_time: int = 1,
) -> Cluster:
    """Create and start the whole topology under ``root``; the caller stops it
    (``Cluster.stop``).

    Raises:
        RuntimeError, TimeoutError, subprocess.CalledProcessError: a part did not start.
    """
    root.mkdir(parents=True, exist_ok=True)
    # the servers run as the postgres user, who may not enter ``root``: their files live in a
    # directory of their own, linked from ``root``
    pg_root = Path(tempfile.mkdtemp(prefix="tamga-cluster-pg-"))
    (root / "postgresql").symlink_to(pg_root)
    primary = Postgres.primary(pg_root / "primary")
    primary.create_database()
    standby = primary.replica(pg_root / "replica") if replica else None
    anvil_port = free_port()
    anvil = Proc(
        "anvil",
        [
            str(ROOT / "node_modules" / ".bin" / "anvil"),
            *("--host", "127.0.0.1", "--port", str(anvil_port)),
            *("--block-time", str(block_time), "--silent"),
        ],
        dict(os.environ),
        root / "anvil.log",
    )
    anvil.start()
    rpc_url = f"http://127.0.0.1:{anvil_port}"
    wait_until("anvil", lambda: _rpc(rpc_url, "eth_chainId") is not None, timeout=30)
    keys = root / "keys"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TAMGA_")},
        "TAMGA_DATABASE_URL": primary.url(),
        "TAMGA_DATA_DIR": str(root / "setup"),
        "TAMGA_KEY_FILE": str(keys / "checkpoint-key.json"),
        "TAMGA_KEY_PASSWORD_FILE": str(keys / "checkpoint-key.password"),
        "TAMGA_ANCHOR_KEY_FILE": str(keys / "anchor-key.json"),
        "TAMGA_ANCHOR_KEY_PASSWORD_FILE": str(keys / "anchor-key.password"),
        "TAMGA_RPC_URL": rpc_url,
        "TAMGA_CHAIN_ID": "31337",
        "TAMGA_API_IDEMPOTENCY_LEASE_SECONDS": "5",
    }
    cluster = Cluster(
        root=root, primary=primary, replica=standby, anvil=anvil, rpc_url=rpc_url, env=env
    )
    try:
        cluster.tamga("init")
        out = cluster.tamga("anchor", "key", "create")
        address = out.split()[2]
        _rpc(rpc_url, "anvil_setBalance", [address, hex(1000 * 10**18)])
        deployed = cluster.tamga("anchor", "deploy")
        settings = dict(
            line.split("=", 1) for line in deployed.splitlines() if line.startswith("TAMGA_")
        )
        env.update(settings)
        env["TAMGA_API_PUBLIC_URL"] = "http://127.0.0.1"
        token = cluster.tamga("token", "create", "--role", "regulator", "--name", "cluster ops")
        cluster.regulator_token = next(w for w in token.split() if w.startswith("tmg_"))
        env.pop("TAMGA_DATA_DIR")
        env_api = {"TAMGA_DATABASE_READ_URL": standby.url()} if standby is not None else {}
        cluster.api_ports = [free_port() for _ in range(apis)]
        cluster.runner_ports = [free_port() for _ in range(runners)]
        cluster.proxy_port = free_port() if proxy else None
        for i in range(runners):
            cluster.start_runner(i, extra=node_env or {})
        for i in range(apis):
            cluster.start_api(i, extra={**env_api, **(node_env or {})})
        for proc in [*cluster.runners, *cluster.apis]:
            proc.wait_for("serving ", timeout=120)
        if proxy:
            cluster.start_proxy()
    except BaseException:
        cluster.stop()
        cluster.remove()
        raise
    return cluster


def _rpc(url: str, method: str, params: list[Any] | None = None) -> Any:
    try:
        answer = httpx.post(
            url,
            json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []},
            timeout=5,
        ).json()
    except (httpx.HTTPError, ValueError):
        return None
    return answer.get("result")


def seed(cluster: Cluster) -> str:
    """Register the demo issuer through the proxy; its code."""
    answer = httpx.post(
        f"{cluster.url}/v1/issuers",
        json={"filing": ISSUER_FILING, "effective_on": "2026-11-20"},
        headers={"Authorization": f"Bearer {cluster.regulator_token}"},
        timeout=30,
    )
    answer.raise_for_status()
    return str(answer.json()["code"])


def _up(args: argparse.Namespace) -> int:
    root = Path(args.dir).resolve()
    if (root / "cluster.json").exists():
        print(f"a cluster already runs under {root}: `scripts/cluster.sh down` first")
        return 1
    cluster = build(
        root,
        node_env={"TAMGA_CHECKPOINT_INTERVAL_SECONDS": "10", "TAMGA_ANCHOR_INTERVAL_SECONDS": "15"},
    )
    seed(cluster)
    state = cluster.state()
    (root / "cluster.json").write_text(json.dumps(state, indent=2), encoding="utf-8")
    print(f"cluster up under {root}")
    print(f"  proxy (nginx)    {state['url']}/  (3 API processes behind it)")
    print(f"  API processes    {' '.join(state['apis'])}")
    print(f"  job runners      {' '.join(state['runners'])}  (/readyz says which is active)")
    print(
        f"  PostgreSQL       primary :{cluster.primary.port}, "
        f"replica :{cluster.replica.port if cluster.replica else '-'}"
    )
    print(f"  chain            anvil {cluster.rpc_url}")
    print(f"  regulator token  {cluster.regulator_token}")
    print(f"  logs             {root}/*.log;  stop with: scripts/cluster.sh down")
    return 0


def _state(args: argparse.Namespace) -> tuple[Path, dict[str, Any] | None]:
    """The cluster's directory and what `up` wrote there (None, said, when nothing runs)."""
    root = Path(args.dir).resolve()
    state_file = root / "cluster.json"
    if not state_file.exists():
        print(f"no cluster under {root}")
        return root, None
    return root, json.loads(state_file.read_text(encoding="utf-8"))


def _down(args: argparse.Namespace) -> int:
    root, state = _state(args)
    if state is None:
        return 0
    for name, pid in state["pids"].items():
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        print(f"stopped {name} (pid {pid})")
    time.sleep(1)
    for which in ("replica", "primary"):
        info = state[which]
        if info is not None:
            Postgres(data=Path(info["data"]), port=info["port"], log=Path(os.devnull)).stop()
            print(f"stopped PostgreSQL {which}")
    (root / "cluster.json").unlink()
    if args.remove:
        shutil.rmtree((root / "postgresql").resolve(), ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)
    return 0


def _status(args: argparse.Namespace) -> int:
    _root, state = _state(args)
    if state is None:
        return 1
    for url in [state["url"], *state["apis"], *state["runners"]]:
        try:
            answer = httpx.get(f"{url}/readyz", timeout=5)
            body = answer.json()
            print(f"{url:28} {answer.status_code} {json.dumps(body['checks'])}")
        except (httpx.HTTPError, ValueError) as exc:
            print(f"{url:28} down ({exc.__class__.__name__})")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`cluster.py up|down|status [--dir DIR]`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status"])
    parser.add_argument(
        "--dir",
        default=str(Path(tempfile.gettempdir()) / "tamga-cluster"),
        help="Where the cluster keeps its databases, keys and logs.",
    )
    parser.add_argument("--remove", action="store_true", help="down: delete the directory too")
    args = parser.parse_args(argv)
    return {"up": _up, "down": _down, "status": _status}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
