"""A minimal browser for tests against a real server on loopback (not a test module): a logged-in
session cookie made in the database, a CSRF cookie and header, JSON and form requests."""

from __future__ import annotations

import http.client
import json
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.test import Client


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


class Browser:
    def __init__(self, port: int, user: Any = None, timeout: float = 30) -> None:
        self.port, self.timeout = port, timeout
        self.csrf = secrets.token_hex(16)  # a 32-character secret is a valid unmasked CSRF token
        self.cookies = {"csrftoken": self.csrf}
        if user is not None:
            client = Client()
            client.force_login(user)  # the session lives in the database the server reads
            self.cookies["sessionid"] = client.cookies["sessionid"].value

    def request(self, method: str, path: str, *, json_body: Any = None, form: dict[str, Any] | None = None) -> Reply:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "X-CSRFToken": self.csrf,
                   "Referer": f"http://127.0.0.1:{self.port}/", "Accept-Language": "zh-hans"}
        body: bytes | None = None
        if json_body is not None:
            body, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif form is not None:
            body = urlencode({"csrfmiddlewaretoken": self.csrf, **form}, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            reply = Reply(response.status, {k.lower(): v for k, v in response.getheaders()},
                          response.read().decode("utf-8", errors="replace"))
        finally:
            conn.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        self.csrf = self.cookies["csrftoken"]  # Django rotates it at login
        return reply

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, json_body: Any = None, form: dict[str, Any] | None = None) -> Reply:
        if form is not None:
            return self.request("POST", path, form=form)
        return self.request("POST", path, json_body={} if json_body is None else json_body)

    def put(self, path: str, json_body: Any) -> Reply:
        return self.request("PUT", path, json_body=json_body)
