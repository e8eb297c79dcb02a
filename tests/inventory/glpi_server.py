"""A fake GLPI REST API server, answering as GLPI's ``apirest.md`` documents it.

Sessions (``initSession`` with ``Authorization: user_token …`` and an optional ``App-Token``; errors as
``["ERROR_…", "message"]``), ``getMyEntities`` / ``changeActiveEntities``, ``listSearchOptions/<type>``
with ``uid``s, ``search/<type>`` with ``range``, ``forcedisplay``, a ``date_mod`` criterion, ``200`` or
``206`` answers with ``Content-Range`` and ``Accept-Range``, ``ERROR_RANGE_EXCEED_TOTAL``, and
``killSession``.  It runs on a free loopback port in a thread; ``expire_after`` makes sessions expire after
that many calls, to test the connector's reconnection.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

#: Search options per item type (the subset Sobre reads), as listSearchOptions gives them.
_COMMON = {
    1: ("Name", "name", ""),
    2: ("ID", "id", ""),
    3: ("Location", "Location.completename", "locations_id"),
    4: ("Type", "{T}Type.name", "{t}types_id"),
    5: ("Serial number", "serial", ""),
    6: ("Inventory number", "otherserial", ""),
    7: ("Alternate username", "contact", ""),
    16: ("Comments", "comment", ""),
    19: ("Last update", "date_mod", ""),
    23: ("Manufacturer", "Manufacturer.name", "manufacturers_id"),
    24: ("Technician in charge of the hardware", "User.name", "users_id_tech"),
    31: ("Status", "State.completename", "states_id"),
    37: ("Date of purchase", "Infocom.buy_date", ""),
    40: ("Model", "{T}Model.name", "{t}models_id"),
    53: ("Supplier", "Supplier.name", ""),
    54: ("Value", "Infocom.value", ""),
    56: ("Amortization duration", "Infocom.sink_time", ""),
    70: ("User", "User.name", "users_id"),
    71: ("Group", "Group.completename", "groups_id"),
    80: ("Entity", "Entity.completename", "entities_id"),
    159: ("Decommission date", "Infocom.decommission_date", ""),
}
_EXTRA = {
    "Computer": {
        45: ("Name", "OperatingSystem.name", ""),
        46: ("Version", "OperatingSystemVersion.name", ""),
    },
    "Monitor": {11: ("Size", "size", "")},
}


def search_options(item_type: str) -> dict[str, Any]:
    prefix = {"NetworkEquipment": "NetworkEquipment", "Peripheral": "Peripheral"}.get(item_type, item_type)
    out: dict[str, Any] = {"common": "Characteristics"}
    for key, (name, uid, link) in {**_COMMON, **_EXTRA.get(item_type, {})}.items():
        uid = uid.replace("{T}", prefix)
        out[str(key)] = {
            "name": name,
            "table": "glpi_x",
            "field": uid.rsplit(".", 1)[-1],
            "linkfield": link.replace("{t}", prefix.lower()),
            "datatype": "string",
            "uid": f"{item_type}.{uid}",
        }
    return out


class FakeGlpi:
    """The server's state: items per type (dicts of search-option id → value, with ``entity`` and
    ``date_mod``), tokens, and what was called."""

    def __init__(
        self,
        items: dict[str, list[dict[int, Any]]],
        *,
        user_token: str = "user-secret",
        app_token: str | None = "app-secret",
        max_range: int = 3,
        expire_after: int | None = None,
        entities: dict[int, str] | None = None,
    ) -> None:
        self.items = items
        self.user_token, self.app_token = user_token, app_token
        self.max_range, self.expire_after = max_range, expire_after
        self.entities = entities or {0: "Entité racine", 3: "Mairie"}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.killed: list[str] = []
        self.calls: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/glpi/apirest.php"

    def __enter__(self) -> FakeGlpi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, code: str, message: str) -> None:
                self._send(status, [code, message])

            def do_GET(self) -> None:
                fake._serve(self, "GET")

            def do_POST(self) -> None:
                fake._serve(self, "POST")

        return Handler

    def _serve(self, h: Any, method: str) -> None:
        parts = urlsplit(h.path)
        match = re.match(r"^/glpi/apirest\.php/(.*)$", parts.path)
        if match is None:
            h._send(404, ["ERROR_METHOD_NOT_ALLOWED", "not GLPI's API"])
            return
        endpoint = match.group(1).strip("/")
        self.calls.append(f"{method} {endpoint}")
        if self.app_token is not None and h.headers.get("App-Token") != self.app_token:
            if h.headers.get("App-Token") is None:
                h._error(400, "ERROR_APP_TOKEN_PARAMETERS_MISSING", "missing parameter app_token")
            else:
                h._error(400, "ERROR_WRONG_APP_TOKEN_PARAMETER", "parameter app_token seems wrong")
            return
        if endpoint == "initSession":
            auth = h.headers.get("Authorization", "")
            if not auth.startswith("user_token "):
                h._error(
                    400,
                    "ERROR_LOGIN_PARAMETERS_MISSING",
                    "parameter(s) login, password or user_token missing",
                )
            elif auth.removeprefix("user_token ") != self.user_token:
                h._error(401, "ERROR_GLPI_LOGIN_USER_TOKEN", "parameter user_token seems invalid")
            else:
                token = secrets.token_hex(20)
                self.sessions[token] = {"calls": 0, "entities": list(self.entities)}
                h._send(200, {"session_token": token})
            return
        token = h.headers.get("Session-Token")
        if not token:
            h._error(400, "ERROR_SESSION_TOKEN_MISSING", "parameter session_token is missing or empty")
            return
        session = self.sessions.get(token)
        if session is None:
            h._error(401, "ERROR_SESSION_TOKEN_INVALID", "session_token seems invalid")
            return
        session["calls"] += 1
        if self.expire_after is not None and session["calls"] > self.expire_after:
            del self.sessions[token]
            h._error(401, "ERROR_SESSION_TOKEN_INVALID", "session_token seems invalid")
            return
        if endpoint == "killSession":
            self.sessions.pop(token, None)
            self.killed.append(token)
            h._send(200, True)
        elif endpoint == "getMyEntities":
            h._send(200, {"myentities": [{"id": i, "name": n} for i, n in self.entities.items()]})
        elif endpoint == "changeActiveEntities" and method == "POST":
            body = json.loads(h.rfile.read(int(h.headers.get("Content-Length", 0))) or b"{}")
            wanted = int(body.get("entities_id", -1))
            if wanted not in self.entities:
                h._error(400, "ERROR_ITEM_NOT_FOUND", "Entity not found")
                return
            session["entities"] = [wanted]
            h._send(200, True)
        elif endpoint.startswith("listSearchOptions/"):
            h._send(200, search_options(endpoint.split("/", 1)[1]))
        elif endpoint.startswith("search/"):
            self._search(h, endpoint.split("/", 1)[1], parse_qsl(parts.query), session)
        else:
            h._error(
                400,
                "ERROR_ITEMTYPE_NOT_FOUND_NOR_COMMONDBTM",
                "resource not found or not an instance of CommonDBTM",
            )

    def _search(self, h: Any, item_type: str, query: list[tuple[str, str]], session: dict[str, Any]) -> None:
        params = dict(query)
        if item_type not in self.items:
            h._error(400, "ERROR_ITEMTYPE_NOT_FOUND_NOR_COMMONDBTM", "resource not found")
            return
        rows = [r for r in self.items[item_type] if r.get("entity", 0) in session["entities"]]
        if params.get("criteria[0][field]") == "19" and params.get("criteria[0][searchtype]") == "morethan":
            rows = [r for r in rows if str(r.get(19, "")) > params["criteria[0][value]"]]
        rows.sort(key=lambda r: int(r[2]))
        start, _, end = params.get("range", "0-50").partition("-")
        first, last = int(start), int(end)
        total = len(rows)
        if first >= total and total > 0 or (first > 0 and total == 0):
            h._error(400, "ERROR_RANGE_EXCEED_TOTAL", "Provided range exceed total count of data")
            return
        last = min(last, first + self.max_range - 1, total - 1)
        shown = [v for k, v in query if k.startswith("forcedisplay[")]
        page = [{f: r.get(int(f)) for f in shown} for r in rows[first : last + 1]]
        status = 200 if first == 0 and last >= total - 1 else 206
        headers = {
            "Content-Range": f"{first}-{max(last, first)}/{total}",
            "Accept-Range": f"{item_type} {self.max_range}",
        }
        h._send(status, {"totalcount": total, "count": len(page), "data": page}, headers)
