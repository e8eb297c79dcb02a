"""The GLPI REST API as an inventory source: ``sobre import glpi --url … --user-token …``.

The connector follows GLPI's ``apirest.md``: ``initSession`` (``Authorization: user_token …`` and the
optional ``App-Token``), ``changeActiveEntities`` for ``--entity`` (an id, or a name looked up with
``getMyEntities``), ``listSearchOptions/<itemtype>`` to find the columns by their ``uid``, paginated
``search/<itemtype>`` with ``range`` (the answer's ``Content-Range`` gives the total, ``Accept-Range`` the
largest page), ``forcedisplay`` for the columns and a ``date_mod`` criterion for incremental reads, and
``killSession``.  GLPI answers errors as ``["ERROR_…", "message"]``; an expired session
(``ERROR_SESSION_TOKEN_INVALID``) is opened again once.

Rows are turned into a GLPI export with English titles and imported by the file importer
(``importer.import_source``): same keys, mappings and rejects.  The newest ``date_mod`` read is kept per
organisation, server, entity and item type (``SyncState``), in the import's own transaction, so the next
run reads only what changed.  :class:`GlpiApi` is the small interface; tests use a fake server.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa

from sobre.core.errors import InputError, SobreError
from sobre.inventory import glpi
from sobre.inventory.importer import Options, import_source
from sobre.inventory.models import SyncState
from sobre.inventory.reading import rows_source
from sobre.inventory.summary import ImportSummary

#: The item types Sobre reads, in this order.
ITEM_TYPES = ("Computer", "Monitor", "NetworkEquipment", "Phone", "Printer", "Peripheral")
PAGE_SIZE = 500
#: Column title → the ``uid`` ending that designates it in ``listSearchOptions`` (``<itemtype>.<…>``);
#: an ending without a dot is one of the item's own fields and must match whole.
_UIDS: dict[str, tuple[str, ...]] = {
    "Name": ("name",),
    "ID": ("id",),
    "Location": ("Location.completename",),
    "Type": ("Type.name",),
    "Model": ("Model.name",),
    "Serial number": ("serial",),
    "Inventory number": ("otherserial",),
    "Alternate username": ("contact",),
    "Comments": ("comment",),
    "Last update": ("date_mod",),
    "Manufacturer": ("Manufacturer.name",),
    "Status": ("State.completename", "State.name"),
    "User": ("User.name",),
    "Group": ("Group.completename", "Group.name"),
    "Entity": ("Entity.completename",),
    "Date of purchase": ("Infocom.buy_date",),
    "Value": ("Infocom.value",),
    "Amortization duration": ("Infocom.sink_time",),
    "Decommission date": ("Infocom.decommission_date",),
    "Supplier": ("Supplier.name",),
    "Size": ("size",),
    "Operating system - Name": ("OperatingSystem.name",),
    "Operating system - Version": ("OperatingSystemVersion.name",),
    "Processor": ("DeviceProcessor.designation",),
}


class GlpiError(SobreError):
    """GLPI refused a request, or could not be reached; the message says what to check."""


_HINTS = {
    "ERROR_GLPI_LOGIN_USER_TOKEN": "the user token (remote access key) was refused; check it in GLPI's "
    "user preferences",
    "ERROR_LOGIN_PARAMETERS_MISSING": "GLPI wants a user token: give --user-token",
    "ERROR_APP_TOKEN_PARAMETERS_MISSING": "this GLPI requires an App-Token: give --app-token",
    "ERROR_WRONG_APP_TOKEN_PARAMETER": "the App-Token was refused; check the API client in GLPI's setup",
    "ERROR_NOT_ALLOWED_IP": "GLPI does not accept API calls from this address (Setup > General > API)",
    "ERROR_RIGHT_MISSING": "the GLPI profile of this user may not read these items",
    "ERROR_GLPI_LOGIN": "GLPI could not log this user in",
    "ERROR_SESSION_TOKEN_INVALID": "the GLPI session expired",
    "ERROR_ITEMTYPE_NOT_FOUND_NOR_COMMONDBTM": "this GLPI does not know the item type",
}


@dataclass
class Page:
    rows: list[dict[str, Any]]
    total: int
    accept: int | None = None  # the largest page the server accepts


class GlpiApi(Protocol):
    """What the import needs from GLPI (the real client talks HTTP; tests may use a fake)."""

    def open(self) -> None: ...
    def change_entity(self, entity: str) -> None: ...
    def search_options(self, item_type: str) -> dict[str, Any]: ...
    def search(
        self, item_type: str, fields: list[int], since: str | None, modified_field: int, start: int, end: int
    ) -> Page: ...
    def close(self) -> None: ...

    @property
    def scope(self) -> str: ...


class GlpiClient:
    """GLPI's REST API over HTTP (httpx)."""

    def __init__(
        self,
        url: str,
        *,
        app_token: str | None = None,
        user_token: str,
        timeout: float = 60.0,
        transport: Any = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise InputError(
                "the GLPI address must start with http:// or https://", column="--url", value=url
            )
        self.url = url.rstrip("/")
        if not self.url.endswith("apirest.php") and "/api" not in self.url.rsplit("/", 1)[-1]:
            self.url += "/apirest.php"
        self.app_token, self.user_token = app_token, user_token
        self.timeout, self.transport = timeout, transport
        self.session: str | None = None
        self.entity: str | None = None
        self._http: Any = None

    @property
    def scope(self) -> str:
        return (self.url + (f"#entity={self.entity}" if self.entity else ""))[:500]

    def _client(self) -> Any:
        if self._http is None:
            import httpx

            self._http = httpx.Client(timeout=self.timeout, transport=self.transport, follow_redirects=False)
        return self._http

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        extra: dict[str, str] | None = None,
    ) -> Any:
        import httpx

        headers = {"Content-Type": "application/json", **(extra or {})}
        if self.app_token:
            headers["App-Token"] = self.app_token
        if self.session and extra is None:
            headers["Session-Token"] = self.session
        try:
            response = self._client().request(
                method, f"{self.url}/{path}", params=params, json=json, headers=headers
            )
        except httpx.TimeoutException:
            raise GlpiError(f"GLPI at {self.url} did not answer within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise GlpiError(f"cannot reach GLPI at {self.url} ({type(exc).__name__}: {exc})") from None
        return response

    @staticmethod
    def _error_code(response: Any) -> tuple[str, str]:
        try:
            body = response.json()
        except ValueError:
            return "", response.text[:200]
        if isinstance(body, list) and body and isinstance(body[0], str):
            return body[0], str(body[1]) if len(body) > 1 else ""
        return "", str(body)[:200]

    def _check(self, response: Any, what: str) -> Any:
        if response.status_code in (200, 201, 206):
            try:
                return response.json()
            except ValueError:
                raise GlpiError(
                    f"GLPI answered {what} with something that is not JSON: is {self.url} GLPI's apirest.php?"
                ) from None
        code, message = self._error_code(response)
        hint = _HINTS.get(code, "")
        raise GlpiError(
            f"GLPI refused {what} (HTTP {response.status_code}{', ' + code if code else ''})"
            + (f": {hint}" if hint else "")
            + (f" — {message}" if message and not hint else "")
        )

    def open(self) -> None:
        response = self._call("GET", "initSession", extra={"Authorization": f"user_token {self.user_token}"})
        body = self._check(response, "the session (initSession)")
        token = body.get("session_token") if isinstance(body, dict) else None
        if not token:
            raise GlpiError("GLPI's initSession answer holds no session_token")
        self.session = str(token)
        if self.entity is not None:
            self._select_entity()

    def change_entity(self, entity: str) -> None:
        self.entity = entity
        self._select_entity()

    def _select_entity(self) -> None:
        entity = str(self.entity)
        if not entity.isdigit():
            mine = self._check(self._call("GET", "getMyEntities"), "the list of entities (getMyEntities)")
            found = [
                e
                for e in (mine.get("myentities", []) if isinstance(mine, dict) else [])
                if entity in (str(e.get("name")), str(e.get("completename", "")))
            ]
            if not found:
                raise GlpiError(f"GLPI knows no entity named {entity!r} for this user")
            entity = str(found[0]["id"])
        self._check(
            self._call(
                "POST", "changeActiveEntities", json={"entities_id": int(entity), "is_recursive": True}
            ),
            f"the entity {self.entity!r} (changeActiveEntities)",
        )

    def _retrying(self, method: str, path: str, what: str, **kw: Any) -> Any:
        """One call; an expired session is opened again once (GLPI sessions time out between pages)."""
        response = self._call(method, path, **kw)
        if response.status_code == 401 and self._error_code(response)[0] == "ERROR_SESSION_TOKEN_INVALID":
            self.open()
            response = self._call(method, path, **kw)
        return response

    def search_options(self, item_type: str) -> dict[str, Any]:
        response = self._retrying("GET", f"listSearchOptions/{item_type}", "search options")
        body = self._check(response, f"the search options of {item_type}")
        return body if isinstance(body, dict) else {}

    def search(
        self, item_type: str, fields: list[int], since: str | None, modified_field: int, start: int, end: int
    ) -> Page:
        params: list[tuple[str, str]] = [("range", f"{start}-{end}"), ("sort", "2"), ("order", "ASC")]
        params += [(f"forcedisplay[{i}]", str(f)) for i, f in enumerate(fields)]
        if since:
            params += [
                ("criteria[0][field]", str(modified_field)),
                ("criteria[0][searchtype]", "morethan"),
                ("criteria[0][value]", since),
            ]
        response = self._retrying("GET", f"search/{item_type}", "search", params=params)
        if response.status_code == 400 and self._error_code(response)[0] == "ERROR_RANGE_EXCEED_TOTAL":
            return Page([], start)
        body = self._check(response, f"the search of {item_type}")
        data = body.get("data", []) if isinstance(body, dict) else []
        rows = list(data.values()) if isinstance(data, dict) else list(data)
        total = _total(response.headers.get("Content-Range"), body)
        accept = None
        try:
            accept = int(str(response.headers.get("Accept-Range", "")).split()[-1])
        except (ValueError, IndexError):
            accept = None
        return Page([r for r in rows if isinstance(r, dict)], total, accept)

    def close(self) -> None:
        if self.session is not None:
            with contextlib.suppress(GlpiError):  # the import is done; an open session expires on its own
                self._call("GET", "killSession")
            self.session = None
        if self._http is not None:
            self._http.close()
            self._http = None


def _total(content_range: str | None, body: Any) -> int:
    if content_range and "/" in content_range:
        try:
            return int(content_range.rsplit("/", 1)[1])
        except ValueError:
            pass
    if isinstance(body, dict) and "totalcount" in body:
        try:
            return int(body["totalcount"])
        except (TypeError, ValueError):
            pass
    return 0


def columns_for(item_type: str, options: dict[str, Any]) -> dict[int, str]:
    """Search-option id → column title, found by ``uid`` in ``listSearchOptions`` (else GLPI's usual ids)."""
    found: dict[int, str] = {}
    for key, option in options.items():
        if not (isinstance(option, dict) and str(key).isdigit()):
            continue
        uid = str(option.get("uid", ""))
        if not uid.startswith(item_type + "."):
            continue
        rest = uid[len(item_type) + 1 :]
        link = str(option.get("linkfield", ""))
        for title, endings in _UIDS.items():
            if title in found.values():
                continue
            if title in ("User", "Group") and link not in ("", "users_id", "groups_id"):
                continue  # the technician and the group in charge share these uids
            if any(rest == e or ("." in e and rest.endswith(e)) for e in endings):
                found[int(key)] = title
                break
    if "ID" not in found.values() or "Name" not in found.values():
        found = {**glpi.API_FIELDS, **glpi.API_EXTRA.get(item_type, {})}
    return found


def _cell(value: Any) -> str:
    """A search value as text: numbers as GLPI stores them, several values joined, GLPI's separators cut,
    HTML entities decoded (GLPI before 10 stored text HTML-escaped: ``Bâtiment A &gt; 2e``)."""
    if value is None or value is False:
        return ""
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value if _cell(v))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = html.unescape(str(value)) if "&" in str(value) else str(value)
    return ", ".join(p for p in text.split("$#$") if p) if "$#$" in text else text


def _since(last: str | None) -> str | None:
    """One second before the newest date read last time: items changed in that second are read again."""
    if not last:
        return None
    try:
        moment = datetime.fromisoformat(last)
    except ValueError:
        return last
    return (moment - timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")


def _state(conn: sa.Connection, org_id: int, scope: str, item_type: str) -> Any:
    return conn.execute(
        sa.select(SyncState).where(
            SyncState.org_id == org_id,
            SyncState.source == "glpi",
            SyncState.scope == scope,
            SyncState.item_type == item_type,
        )
    ).first()


def _org_id(database_url: str, org: str) -> int:
    from sobre.core.db import get_engine
    from sobre.orgs.models import Organisation

    with get_engine(database_url).connect() as conn:
        found = conn.execute(sa.select(Organisation.id).where(Organisation.name == org)).scalar()
    if found is None:
        from sobre.core.errors import NotFound

        raise NotFound(f"no organisation named {org!r}; create it with 'sobre org create NAME'")
    return int(found)


def read_item_type(
    api: GlpiApi, item_type: str, since: str | None, page_size: int = PAGE_SIZE
) -> tuple[list[str], list[list[str]], str | None]:
    """Every item of ``item_type`` changed since ``since``: (titles, rows, newest date_mod read)."""
    columns = columns_for(item_type, api.search_options(item_type))
    fields = sorted(columns)
    modified = next((k for k, t in columns.items() if t == "Last update"), glpi.MODIFIED_OPTION)
    if modified not in fields:
        fields.append(modified)
    titles = [columns.get(f, "Last update") for f in fields]
    rows: list[list[str]] = []
    newest: str | None = None
    start, size = 0, page_size
    while True:
        page = api.search(item_type, fields, since, modified, start, start + size - 1)
        if page.accept is not None and page.accept < size:
            size = max(page.accept, 1)
        for item in page.rows:
            cells = [_cell(item.get(str(f), item.get(f))) for f in fields]  # type: ignore[call-overload]
            rows.append(cells)
            stamp = cells[fields.index(modified)]
            if stamp and (newest is None or stamp > newest):
                newest = stamp
        start += len(page.rows)
        if not page.rows or start >= page.total:
            return titles, rows, newest


def sync(
    database_url: str,
    org: str,
    api: GlpiApi,
    *,
    entity: str | None = None,
    full: bool = False,
    item_types: list[str] | None = None,
    site_level: int = 1,
    reference_date: date | None = None,
    dry_run: bool = False,
    strict: bool = False,
    rejects_dir: Path | None = None,
    on_wait: Callable[[float], None] | None = None,
    notice: Callable[[str], None] = lambda text: None,
    page_size: int = PAGE_SIZE,
) -> list[ImportSummary]:
    """Read GLPI's assets through its API and import them; one summary per item type read."""
    wanted = [glpi.item_type(t) for t in (item_types or ITEM_TYPES)]
    unknown = [t for t, w in zip(item_types or ITEM_TYPES, wanted, strict=True) if w is None]
    if unknown:
        raise InputError(
            "unknown GLPI item type",
            column="--item-types",
            value=", ".join(unknown),
            expected=", ".join(ITEM_TYPES),
        )
    org_id = _org_id(database_url, org)
    summaries = []
    api.open()
    try:
        if entity:
            api.change_entity(entity)
        scope = api.scope
        from sobre.core.db import get_engine

        for item_type in [w for w in wanted if w is not None]:
            with get_engine(database_url).connect() as conn:
                state = _state(conn, org_id, scope, item_type)
            since = None if full or state is None else _since(state.last_modified)
            notice(f"Reading {item_type} from GLPI" + (f" changed since {since}" if since else "") + "…")
            try:
                titles, rows, newest = read_item_type(api, item_type, since, page_size)
            except GlpiError as exc:
                if "ERROR_RIGHT_MISSING" in str(exc) or "ERROR_ITEMTYPE_NOT_FOUND" in str(exc):
                    notice(f"Skipped {item_type}: {exc}")
                    continue
                raise
            if not rows:
                notice(f"{item_type}: nothing new")
                continue
            last = max(
                filter(None, [newest, state.last_modified if state is not None else None]), default=None
            )
            source = rows_source(f"glpi:{item_type}", titles, rows)
            options = Options(
                kind="equipment",
                fmt="glpi",
                dry_run=dry_run,
                strict=strict,
                rejects_dir=rejects_dir,
                item_type=item_type,
                site_level=site_level,
                reference_date=reference_date,
                on_wait=on_wait,
                after_write=_remember(scope, item_type, last, len(rows)),
            )
            summaries.append(
                import_source(database_url, org, source, options, rejects_name=f"glpi-{item_type}")
            )
    finally:
        api.close()
    return summaries


def _remember(
    scope: str, item_type: str, last: str | None, items: int
) -> Callable[[sa.Connection, int], None]:
    from sobre.orgs.models import utcnow

    def write(conn: sa.Connection, org_id: int) -> None:
        found = _state(conn, org_id, scope, item_type)
        values = {"last_modified": last, "items": items, "synced_at": utcnow()}
        if found is None:
            conn.execute(
                sa.insert(SyncState).values(
                    org_id=org_id, source="glpi", scope=scope[:500], item_type=item_type, **values
                )
            )
        else:
            conn.execute(sa.update(SyncState).where(SyncState.id == found.id).values(**values))

    return write
