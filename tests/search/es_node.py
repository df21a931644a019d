"""A small recording stand-in for an Elasticsearch 8 node on 127.0.0.1, for driving the real
``elasticsearch`` client through its own retry and error code. It keeps indices, aliases and documents in
memory and answers the requests the backend makes the way ES 8 does (status codes and error bodies as in
Elastic's reference: ``resource_already_exists_exception``, ``es_rejected_execution_exception`` in bulk
items, ``result: not_found`` deletes, ``illegal_argument_exception`` for an unknown tokenizer or a wildcard
delete under ``action.destructive_requires_name``, ``security_exception`` 401). Tests script failures with
``node.fail`` (whole requests) and ``node.reject_items`` (bulk items), and read ``node.requests``."""

from __future__ import annotations

import json
import re
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

KNOWN_TOKENIZERS = {"standard", "whitespace", "keyword"}


def error_body(status: int, type_: str, reason: str, **extra: Any) -> dict[str, Any]:
    cause = {"type": type_, "reason": reason, **extra}
    return {"error": {"root_cause": [cause], **cause}, "status": status}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]


@dataclass
class Node:
    indices: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> {"docs": {}, "aliases": {alias: write}}
    requests: list[Request] = field(default_factory=list)
    failures: list[tuple[str, str, int, dict[str, Any], int]] = field(default_factory=list)
    rejections: dict[str, int] = field(default_factory=dict)  # doc id -> times to answer 429
    item_errors: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)  # doc id -> permanent error
    tokenizers: set[str] = field(default_factory=lambda: set(KNOWN_TOKENIZERS))
    destructive_requires_name: bool = True
    credentials: set[str] | None = None  # accepted Authorization headers; None: security off
    delay: dict[str, float] = field(default_factory=dict)  # path regex -> seconds to wait before answering
    on_bulk: Callable[[Request], None] | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)

    # --- scripting -------------------------------------------------------------------------------
    def fail(self, method: str, path: str, status: int, body: dict[str, Any], times: int = 1) -> None:
        self.failures.append((method, path, status, body, times))

    def reject_items(self, doc_id: str, times: int) -> None:
        self.rejections[doc_id] = times

    def calls(self, method: str | None = None, path: str = "") -> list[Request]:
        return [r for r in self.requests if (method is None or r.method == method) and re.search(path, r.path)]

    # --- state -----------------------------------------------------------------------------------
    def resolve(self, name: str) -> list[str]:
        out: list[str] = []
        for part in name.split(","):
            if part in self.indices:
                out.append(part)
            elif "*" in part:
                pattern = re.compile(re.escape(part).replace(r"\*", ".*") + "$")
                out += [n for n in self.indices if pattern.match(n)]
            else:
                out += [n for n, i in self.indices.items() if part in i["aliases"]]
        return sorted(set(out))

    def write_index(self, name: str) -> str | None:
        if name in self.indices:
            return name
        holders = [n for n, i in self.indices.items() if name in i["aliases"]]
        if len(holders) == 1 and self.indices[holders[0]]["aliases"][name] is not False:
            return holders[0]
        writers = [n for n in holders if self.indices[n]["aliases"][name] is True]
        return writers[0] if len(writers) == 1 else None

    def docs(self, alias: str) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for name in self.resolve(alias):
            out.update(self.indices[name]["docs"])
        return out

    # --- answering -------------------------------------------------------------------------------
    def answer(self, req: Request) -> tuple[int, Any]:
        for i, (method, path, status, body, times) in enumerate(self.failures):
            if method == req.method and re.search(path, req.path):
                if times <= 1:
                    del self.failures[i]
                else:
                    self.failures[i] = (method, path, status, body, times - 1)
                return status, body
        if self.credentials is not None and req.headers.get("authorization") not in self.credentials:
            reason = f"missing authentication credentials for REST request [{req.path}]"
            if req.headers.get("authorization"):
                reason = "unable to authenticate with provided credentials and anonymous access is not allowed"
            return 401, error_body(401, "security_exception", reason)
        parts = [p for p in req.path.split("/") if p]
        m = req.method
        if parts == [] and m in ("GET", "HEAD"):
            return 200, {"version": {"number": "8.19.0"}, "tagline": "You Know, for Search"}
        if parts[:2] == ["_cluster", "health"]:
            return 200, {"cluster_name": "test", "status": "green"}
        if parts == ["_bulk"] or (len(parts) == 2 and parts[1] == "_bulk"):
            return self.bulk(req)
        if parts == ["_aliases"] and m == "POST":
            return self.update_aliases(req.body["actions"])
        if parts[0] == "_alias" and len(parts) == 2:
            found: dict[str, Any] = {n: {"aliases": {parts[1]: {}}} for n in self.resolve(parts[1]) if parts[1] in self.indices[n]["aliases"]}
            if not found:
                return 404, {"error": f"alias [{parts[1]}] missing", "status": 404}
            return 200, found
        if parts[0] == "_search" and len(parts) == 2 and parts[1] == "scroll":
            if m == "DELETE":
                return 200, {"succeeded": True, "num_freed": 1}
            return 200, {"_scroll_id": "s1", "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0}, "hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}}
        if parts[-1] == "_analyze":
            tokenizer = req.body.get("tokenizer") or ""
            analyzer = req.body.get("analyzer") or ""
            if tokenizer and tokenizer not in self.tokenizers:
                return 400, error_body(400, "illegal_argument_exception", f"failed to find global tokenizer under [{tokenizer}]")
            if analyzer and analyzer not in self.tokenizers:
                return 400, error_body(400, "illegal_argument_exception", f"failed to find global analyzer [{analyzer}]")
            return 200, {"tokens": [{"token": req.body.get("text", ""), "position": 0}]}
        if len(parts) == 2 and parts[1] == "_refresh":
            return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
        if len(parts) == 2 and parts[1] == "_search":
            return self.search(parts[0], req)
        if len(parts) == 1:
            return self.index_op(parts[0], req)
        return 400, error_body(400, "illegal_argument_exception", f"no handler for {m} {req.path}")

    def index_op(self, name: str, req: Request) -> tuple[int, Any]:
        if req.method == "PUT":
            if name in self.indices or any(name in i["aliases"] for i in self.indices.values()):
                return 400, error_body(400, "resource_already_exists_exception", f"index [{name}/uuid] already exists",
                                       index=name, index_uuid="uuid")
            analysis = (req.body or {}).get("settings", {}).get("analysis", {})
            for analyzer in analysis.get("analyzer", {}).values():
                tokenizer = analyzer.get("tokenizer")
                if tokenizer and tokenizer not in self.tokenizers:
                    return 400, error_body(400, "illegal_argument_exception",
                                           f"failed to find tokenizer under [{tokenizer}]")
            aliases = {a: bool(v.get("is_write_index")) if "is_write_index" in v else None
                       for a, v in (req.body or {}).get("aliases", {}).items()}
            for alias in aliases:
                if self.resolve(alias) and alias not in self.indices:
                    pass  # ES allows another index under the alias; write index rules then apply
            self.indices[name] = {"docs": {}, "aliases": aliases, "body": req.body}
            return 200, {"acknowledged": True, "shards_acknowledged": True, "index": name}
        if req.method == "DELETE":
            if "*" in name and self.destructive_requires_name:
                return 400, error_body(400, "illegal_argument_exception",
                                       "Wildcard expressions or all indices are not allowed")
            names = self.resolve(name)
            if not names and "ignore_unavailable" not in req.query:
                return 404, error_body(404, "index_not_found_exception", f"no such index [{name}]", index=name)
            for n in names:
                del self.indices[n]
            return 200, {"acknowledged": True}
        if req.method == "HEAD":
            return (200 if self.resolve(name) else 404), {}
        if req.method == "GET":
            return 200, {n: {"aliases": {a: {} for a in self.indices[n]["aliases"]}, "settings": {}, "mappings": {}}
                         for n in self.resolve(name)}
        return 400, error_body(400, "illegal_argument_exception", f"no handler for {req.method} {name}")

    def update_aliases(self, actions: list[dict[str, Any]]) -> tuple[int, Any]:
        for action in actions:
            (op, spec), = action.items()
            if spec["index"] not in self.indices:
                return 404, error_body(404, "index_not_found_exception", f"no such index [{spec['index']}]")
        for action in actions:
            (op, spec), = action.items()
            aliases = self.indices[spec["index"]]["aliases"]
            if op == "add":
                aliases[spec["alias"]] = spec.get("is_write_index")
            else:
                aliases.pop(spec["alias"], None)
        return 200, {"acknowledged": True}

    def bulk(self, req: Request) -> tuple[int, Any]:
        if self.on_bulk is not None:
            self.on_bulk(req)
        lines = req.body
        items = []
        i = 0
        errors = False
        while i < len(lines):
            (op, meta), = lines[i].items()
            source = lines[i + 1] if op in ("index", "create", "update") else None
            i += 2 if source is not None else 1
            doc_id = meta["_id"]
            target = self.write_index(meta["_index"])
            base = {"_index": target or meta["_index"], "_id": doc_id}
            if self.rejections.get(doc_id, 0) > 0:
                self.rejections[doc_id] -= 1
                errors = True
                items.append({op: {**base, "status": 429, "error": {
                    "type": "es_rejected_execution_exception",
                    "reason": "rejected execution of coordinating operation [shard_detail=[x][0][P], "
                              "shard_coordinating_and_primary_bytes=0, shard_operation_bytes=1, max_coordinating_and_"
                              "primary_bytes=0]"}}})
                continue
            if doc_id in self.item_errors:
                status, error = self.item_errors[doc_id]
                errors = True
                items.append({op: {**base, "status": status, "error": error}})
                continue
            if target is None:
                errors = True
                items.append({op: {**base, "status": 400, "error": {
                    "type": "illegal_argument_exception",
                    "reason": f"no write index is defined for alias [{meta['_index']}]. The write index may be "
                              "explicitly disabled using is_write_index=false or the alias points to multiple "
                              "indices without one being designated as a write index"}}})
                continue
            docs = self.indices[target]["docs"]
            if op == "delete":
                if doc_id in docs:
                    del docs[doc_id]
                    items.append({op: {**base, "_version": 2, "result": "deleted", "status": 200}})
                else:
                    items.append({op: {**base, "_version": 1, "result": "not_found", "status": 404}})
            else:
                created = doc_id not in docs
                docs[doc_id] = source
                items.append({op: {**base, "_version": 1, "result": "created" if created else "updated",
                                   "status": 201 if created else 200}})
        return 200, {"took": 1, "errors": errors, "items": items}

    def search(self, name: str, req: Request) -> tuple[int, Any]:
        hits = [{"_index": n, "_id": i, "_score": 1.0, "_source": src}
                for n in self.resolve(name) for i, src in self.indices[n]["docs"].items()]
        body: dict[str, Any] = {"took": 1, "timed_out": False, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
                                "hits": {"total": {"value": len(hits), "relation": "eq"}, "hits": hits}}
        if "scroll" in req.query:
            body["_scroll_id"] = "s1"
        return 200, body


def make_handler(node: Node) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            body: Any = None
            if raw:
                text = raw.decode()
                if "ndjson" in (self.headers.get("content-type") or ""):
                    body = [json.loads(line) for line in text.splitlines() if line.strip()]
                else:
                    body = json.loads(text)
            req = Request(self.command, url.path, parse_qs(url.query, keep_blank_values=True), body,
                          {k.lower(): v for k, v in self.headers.items()})
            for pattern, seconds in node.delay.items():
                if re.search(pattern, url.path):
                    threading.Event().wait(seconds)
            with node.lock:
                node.requests.append(req)
                status, answer = node.answer(req)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("X-Elastic-Product", "Elasticsearch")
            self.send_header("Content-Type", "application/vnd.elasticsearch+json;compatible-with=8")
            self.send_header("Content-Length", "0" if self.command == "HEAD" else str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _serve

    return Handler


@contextmanager
def running_node(node: Node | None = None, tls: ssl.SSLContext | None = None) -> Iterator[tuple[Node, str]]:
    """Starts a node on a free port; yields it and its URL."""
    node = node or Node()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(node))
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheme = "https" if tls is not None else "http"
    try:
        yield node, f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def self_signed(directory: Any) -> tuple[ssl.SSLContext, str, str]:
    """A server context with a new self-signed certificate for 127.0.0.1 (as ES 8's own CA would give),
    the path of the certificate (the "CA file") and its SHA-256 fingerprint."""
    import datetime as dt
    import ipaddress
    from pathlib import Path

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = Path(directory) / "http_ca.crt", Path(directory) / "node.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context, str(cert_path), cert.fingerprint(hashes.SHA256()).hex()
