"""The production stack on one machine, under a temporary folder (not a test module): a private
redis-server, a new PostgreSQL database, gunicorn with ``school.settings.production`` and
deploy/gunicorn.conf.py, the Celery ``default`` and ``media`` workers, and nginx with the site
configuration of deploy/nginx/ and a self-signed certificate, on free ports of 127.0.0.1.

Used by tests/prod/journey.py (``make test-prod``) and bench/segments.py. Every process runs in its own
process group and is stopped by ``Stack.close()``; nothing of the machine's own services is touched.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEPLOY = ROOT / "deploy"
ADMIN_DATABASE_URL = os.environ.get("PROD_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, *logs: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:  # noqa: S110 - not up yet
            pass
        time.sleep(0.2)
    tails = "".join(f"\n--- {log}:\n{log.read_text(errors='replace')[-3000:]}" for log in logs if log.exists())
    raise RuntimeError(f"{what} not ready after {timeout:.0f} s{tails}")


def port_answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def stop(proc: subprocess.Popen[bytes] | None, timeout: float = 20) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def database_url(name: str) -> str:
    parts = urlsplit(ADMIN_DATABASE_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def admin_sql(*statements: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_DATABASE_URL, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


NGINX_MAIN = """\
{user}
worker_processes 2;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    keepalive_requests 100000;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/site.conf;
{extra}
}}
"""


@dataclass
class Stack:
    """Configure with the constructor, then ``start_*`` the parts a run needs; ``close()`` stops them."""

    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="school-prod-")))
    database: str = field(default_factory=lambda: f"school_prod_{os.getpid()}_{secrets.token_hex(3)}")
    gunicorn_workers: int = 3
    https_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    redis_port: int = field(default_factory=free_port)
    static_port: int = 0  # bench/segments.py: a plain static server over MEDIA_ROOT, for comparison
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    databases: list[str] = field(default_factory=list)
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(64))
    field_key: str = field(default_factory=lambda: secrets.token_urlsafe(64))
    segments_key: str = field(default_factory=lambda: secrets.token_hex(24))

    @property
    def media_root(self) -> Path:
        return self.folder / "media"

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def env(self, **extra: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("DJANGO_", "PYTEST", "CELERY_", "CACHE_", "DATABASE_URL", "ELASTICSEARCH"))}
        env.update({
            "DJANGO_SETTINGS_MODULE": "school.settings.production",
            "SECRET_KEY": self.secret_key,
            "FIELD_ENCRYPTION_KEY": self.field_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": self.origin,
            "WAGTAILADMIN_BASE_URL": self.origin,
            "DATABASE_URL": database_url(self.database),
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CACHE_URL": f"redis://127.0.0.1:{self.redis_port}/1",
            "VAR_DIR": str(self.folder / "var"),
            "MEDIA_ROOT": str(self.media_root),
            "MEDIA_ACCEL_REDIRECT_PREFIX": "/protected-media/",
            "MEDIA_SIGNED_SEGMENTS_KEY": self.segments_key,
            "MEDIA_MAX_UPLOAD_MB": "256",
            "MEDIA_X264_PRESET": "ultrafast",
            "READY_MIN_FREE_DISK_MB": "200",
            "LOG_FORMAT": "json",
            "LOGIN_TRUST_X_FORWARDED_FOR": "1",
            "MEDIA_DEMO_VIDEOS_DIR": str(self.folder / "no-demo-videos"),
            "COURSES_DEMO_CORPUS_DIR": str(self.folder / "no-corpus"),
            "EXAMS_DEMO_QUESTIONS_FILE": "",
            "PYTHONPATH": str(ROOT),
        })
        env.update(extra)
        return env

    def apply_env(self) -> None:
        """This process becomes a Django process of the site (for building data and reading the database)."""
        os.environ.update(self.env())
        for key in [k for k in os.environ if k.startswith("PYTEST")]:
            del os.environ[key]

    def log(self, name: str) -> Path:
        return self.folder / "logs" / f"{name}.log"

    def spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        self.log(name).parent.mkdir(parents=True, exist_ok=True)
        with self.log(name).open("ab") as out:
            proc = subprocess.Popen(command, cwd=ROOT, env=env or self.env(), stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = proc
        return proc

    def manage(self, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> str:
        done = subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=ROOT,
                              env=env or self.env(), capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
        return done.stdout

    # --- the parts ---------------------------------------------------------------------------------

    def create_database(self, name: str | None = None) -> str:
        name = name or self.database
        admin_sql(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return name

    def start_redis(self) -> None:
        self.spawn("redis", ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(self.folder)])
        wait_for(lambda: port_answers(self.redis_port), 15, "redis-server", self.log("redis"))

    def stop_redis(self) -> None:
        stop(self.processes.pop("redis", None))

    def prepare(self) -> None:
        """A new database with the schema, and the static files collected."""
        self.create_database()
        collect = subprocess.Popen([str(BIN / "python"), "manage.py", "collectstatic", "--noinput"],
                                   cwd=ROOT, env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.manage("migrate", "--noinput")
        output = collect.communicate(timeout=300)[0].decode(errors="replace")
        if collect.returncode != 0:
            raise RuntimeError(f"manage.py collectstatic failed:\n{output[-5000:]}")

    def start_web(self, env: dict[str, str] | None = None) -> None:
        self.spawn("gunicorn", [str(BIN / "gunicorn"), "-c", str(DEPLOY / "gunicorn.conf.py"), "school.wsgi"],
                   env={**(env or self.env()), "GUNICORN_BIND": f"127.0.0.1:{self.web_port}",
                        "GUNICORN_WORKERS": str(self.gunicorn_workers), "GUNICORN_LOG_LEVEL": "info"})
        wait_for(lambda: port_answers(self.web_port), 60, "gunicorn", self.log("gunicorn"))

    def stop_web(self) -> None:
        stop(self.processes.pop("gunicorn", None))

    def start_workers(self) -> None:
        for queue in ("default", "media", "recompute"):
            self.spawn(f"worker-{queue}", [str(BIN / "celery"), "-A", "school", "worker", "-Q", queue, "-n",
                                           f"{queue}-{self.redis_port}@%h", "--concurrency", "1", "--loglevel",
                                           "INFO", "--without-gossip", "--without-mingle"])

    def make_certificate(self) -> tuple[Path, Path]:
        cert, key = self.folder / "tls" / "cert.pem", self.folder / "tls" / "key.pem"
        cert.parent.mkdir(exist_ok=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                        "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
        return cert, key

    def site_conf(self, cert: Path, key: Path) -> str:
        """deploy/nginx/school.conf with this stack's ports and paths (the file a district installs)."""
        text = (DEPLOY / "nginx" / "school.conf").read_text()
        proxy = (DEPLOY / "nginx" / "school-proxy.conf").read_text()
        replacements = {
            "include /etc/nginx/school-proxy.conf;": proxy.replace("\n", "\n        "),
            "unix:/run/school/gunicorn.sock": f"127.0.0.1:{self.web_port}",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{self.https_port} ssl http2;",
            "listen 80;": f"listen 127.0.0.1:{self.http_port};",
            "/etc/ssl/school/fullchain.pem": str(cert),
            "/etc/ssl/school/privkey.pem": str(key),
            "/srv/school/var/static/": f"{self.folder / 'var' / 'static'}/",
            "/srv/school/var/uploads/": f"{self.media_root}/",
            "CHANGE-ME-MEDIA-SIGNED-SEGMENTS-KEY": self.segments_key,
            "/var/log/nginx/": f"{self.folder / 'nginx'}/",
            "school.example.org": "127.0.0.1 localhost",
        }
        for old, new in replacements.items():
            assert old in text, f"deploy/nginx/school.conf no longer contains {old!r}"
            text = text.replace(old, new)
        return re.sub(r"^\s*listen \[::\].*\n", "", text, flags=re.MULTILINE)

    def start_nginx(self) -> None:
        cert, key = self.make_certificate()
        folder = self.folder / "nginx"
        folder.mkdir(exist_ok=True)
        (folder / "site.conf").write_text(self.site_conf(cert, key))
        extra = ""
        if self.static_port:
            extra = (f"    server {{ listen 127.0.0.1:{self.static_port} ssl http2; ssl_certificate {cert}; "
                     f"ssl_certificate_key {key}; access_log off;\n"
                     f"        location /static-media/ {{ alias {self.media_root}/; }} }}")
        user = "user root;" if os.geteuid() == 0 else ""
        (folder / "nginx.conf").write_text(NGINX_MAIN.format(user=user, dir=folder, extra=extra))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        test = subprocess.run([nginx, "-t", "-p", str(folder), "-c", str(folder / "nginx.conf")],
                              capture_output=True, text=True)
        if test.returncode != 0:
            raise RuntimeError(f"nginx -t failed:\n{test.stderr}")
        self.spawn("nginx", [nginx, "-p", str(folder), "-c", str(folder / "nginx.conf")])
        wait_for(lambda: port_answers(self.https_port), 15, "nginx", self.log("nginx"), folder / "error.log")

    def close(self, keep: bool = False) -> None:
        for name in reversed(list(self.processes)):
            stop(self.processes.pop(name))
        if "django.db" in sys.modules:  # this process read the database: let the DROP DATABASE go through
            from django.db import connections

            with contextlib.suppress(Exception):
                connections.close_all()
        for name in self.databases:
            admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.databases.clear()
        if not keep:
            shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    cookies: list[str]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Browser:
    """HTTPS to nginx with the stack's certificate verified, cookies kept, a CSRF token sent like a browser."""

    def __init__(self, stack: Stack, port: int | None = None) -> None:
        self.stack = stack
        self.port = port or stack.https_port
        self.context = ssl.create_default_context(cafile=str(stack.folder / "tls" / "cert.pem"))
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPSConnection | None = None

    def _connection(self) -> http.client.HTTPSConnection:
        if self.conn is None:
            self.conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=120)
        return self.conn

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Reply:
        sent = {"Accept-Language": "zh-hans", "Referer": f"{self.stack.origin}/", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if "csrftoken" in self.cookies and method not in ("GET", "HEAD"):
            sent.setdefault("X-CSRFToken", self.cookies["csrftoken"])
        for attempt in range(2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=sent)
                response = conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()
                self.conn = None
                if attempt or (body is not None and not isinstance(body, (bytes, str))):
                    raise
        set_cookies = [value for name, value in response.getheaders() if name.lower() == "set-cookie"]
        for value in set_cookies:
            name, _, rest = value.partition("=")
            cookie_value = rest.split(";", 1)[0]
            if cookie_value in ('""', "") and "max-age=0" in value.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = cookie_value
        headers_out: dict[str, str] = {}
        for name, value in response.getheaders():
            key = name.lower()
            headers_out[key] = f"{headers_out[key]}, {value}" if key in headers_out else value
        return Reply(response.status, headers_out, data, set_cookies)

    def get(self, path: str, **headers: str) -> Reply:
        return self.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})

    def login(self, username: str, password: str) -> Reply:
        form = self.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert form.status == 200 and token, f"login form: {form.status}"
        from urllib.parse import urlencode

        body = urlencode({"csrfmiddlewaretoken": token.group(1), "username": username, "password": password})
        return self.request("POST", "/accounts/login/", body=body.encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded", "Referer": f"{self.stack.origin}/accounts/login/"})

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
