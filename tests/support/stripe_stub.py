"""Stripe, offline: an API stub on 127.0.0.1 that stripe's own client is pointed at, and a hosted checkout
page served over TLS (a throwaway self-signed certificate) for a real browser to be sent to."""

import datetime
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr

HOOK_SECRET = "whsec_test_secret"  # a test secret, signed locally
PRICE = "price_premium_monthly"
SECRET_KEY = "sk_test_offline"
S = TypeVar("S", bound=ThreadingHTTPServer)


class StubStripe(ThreadingHTTPServer):
    """Answers the calls Encore makes, and keeps every request so tests can read what was sent."""

    def __init__(
        self,
        *,
        checkout_url: str = "https://checkout.stripe.com/c/cs_test_1",
        portal_url: str = "https://billing.stripe.com/p/s1",
    ) -> None:
        super().__init__(("127.0.0.1", 0), _ApiHandler)
        self.requests: list[tuple[str, dict[str, list[str]], dict[str, str]]] = []
        self.fail = False  # every request answers 500
        self.hang_up = False  # every request's connection is closed unanswered (Stripe unreachable)
        self.customers = 0
        self.checkout_url = checkout_url
        self.portal_url = portal_url  # a browser test points it at a local hosted page
        # What the list endpoints hold ("/v1/invoices": [invoice objects], oldest first); `fail_after` makes every
        # list request fail once that many list pages were served (an outage half-way through a backfill).
        self.lists: dict[str, list[dict[str, Any]]] = {}
        self.fail_after: int | None = None
        self.pages = 0
        # Subscriptions another run cancelled between a list and this DELETE: listed as they were, then 404.
        self.cancelled_elsewhere: set[str] = set()
        # Run while a checkout session is being made (what Encore's server does meanwhile is what is tested)
        self.during_checkout: Callable[[], None] | None = None
        self.during_cancel: Callable[[], None] | None = None  # likewise, while a subscription is being ended
        # Every checkout session made, oldest first; a test sets one's "status" to "complete" or "expired".
        self.checkout_sessions: list[dict[str, Any]] = []
        # Idempotency-Key -> the page made with it (None while it is being made), replayed as Stripe does; a key
        # still in flight answers 409 `idempotency_key_in_use` (stripe's client retries it).
        self.by_key: dict[str, dict[str, Any] | None] = {}
        self.keys = threading.Lock()
        # Every refund asked for: its id, Idempotency-Key and the payment intent or charge it refunded.
        self.refunds: list[dict[str, Any]] = []
        # A payment intent or charge whose refund Stripe refuses: (HTTP status, error code), e.g. (400,
        # "charge_disputed") for a charge the card's holder disputed.
        self.refuse_refund: dict[str, tuple[int, str]] = {}
        # A subscription whose cancel Stripe refuses: (HTTP status, error code), as `refuse_refund`.
        self.refuse_cancel: dict[str, tuple[int, str]] = {}

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def settings(self) -> dict[str, object]:
        """The Encore settings that switch Stripe on and point its client here."""
        return {
            "stripe_secret_key": SecretStr(SECRET_KEY),
            "stripe_webhook_secret": SecretStr(HOOK_SECRET),
            "stripe_price_id": PRICE,
            "stripe_api_base": self.api_base,
        }


def _id_of(value: object) -> object:
    return value.get("id") if isinstance(value, dict) else value


def _send(handler: BaseHTTPRequestHandler, status: int, raw: bytes, content_type: str) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(raw)))
    handler.end_headers()
    handler.wfile.write(raw)


class _ApiHandler(BaseHTTPRequestHandler):
    server: StubStripe

    def _down(self) -> bool:
        """Answer as an outage would, if the test made one."""
        if self.server.hang_up:
            self.close_connection = True
            return True
        if self.server.fail:
            self._json(500, {"error": {"type": "api_error", "message": "stub outage"}})
            return True
        return False

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        self.server.requests.append((self.path, parse_qs(body), dict(self.headers)))
        if self._down():
            return None
        if self.path == "/v1/customers":
            self.server.customers += 1
            return self._json(200, {"id": f"cus_{self.server.customers}", "object": "customer"})
        if self.path == "/v1/checkout/sessions":
            return self._checkout(body)
        if self.path.startswith("/v1/checkout/sessions/") and self.path.endswith("/expire"):
            return self._expire(self.path.split("/")[4])
        if self.path == "/v1/billing_portal/sessions":
            return self._json(200, {"id": "bps_1", "object": "billing_portal.session", "url": self.server.portal_url})
        if self.path == "/v1/refunds":
            return self._refund(body)
        return self._json(404, {"error": {"type": "invalid_request_error", "message": "no route"}})

    def _expire(self, session_id: str) -> None:
        """Only an open page can be expired, as Stripe answers."""
        found = [page for page in self.server.checkout_sessions if page["id"] == session_id]
        if not found or found[0]["status"] != "open":
            error = {"type": "invalid_request_error", "message": "Only Checkout Sessions with a status of open"}
            return self._json(400 if found else 404, {"error": error})
        found[0]["status"] = "expired"
        return self._json(200, found[0])

    def _refund(self, body: str) -> None:
        """A refund of a whole payment intent or charge; asked again with its idempotency key, the same refund.
        One already refunded (asked without the key) answers `charge_already_refunded`, as Stripe does."""
        form = {k: v[-1] for k, v in parse_qs(body).items()}
        key, paid_by = self.headers.get("Idempotency-Key"), form.get("payment_intent") or form.get("charge")
        if paid_by in self.server.refuse_refund:
            status, code = self.server.refuse_refund[paid_by]
            kind = "invalid_request_error" if status < 500 else "api_error"
            return self._json(status, {"error": {"type": kind, "code": code, "message": f"refused: {code}"}})
        with self.server.keys:
            earlier = [r for r in self.server.refunds if key is not None and r["key"] == key]
            if earlier:
                return self._json(200, earlier[0])
            if any(r["paid_by"] == paid_by for r in self.server.refunds):
                error = {"type": "invalid_request_error", "code": "charge_already_refunded", "message": "refunded"}
                return self._json(400, {"error": error})
            made = {"id": f"re_{len(self.server.refunds) + 1}", "object": "refund", "status": "succeeded"}
            self.server.refunds.append({**made, "key": key, "paid_by": paid_by})
        return self._json(200, made)

    def _checkout(self, body: str) -> None:
        key = self.headers.get("Idempotency-Key")
        if key is not None:
            with self.server.keys:
                seen, known = self.server.by_key.get(key), key in self.server.by_key
                if not known:
                    self.server.by_key[key] = None
            if known:
                if seen is None:
                    return self._json(409, {"error": {"type": "idempotency_error", "code": "idempotency_key_in_use"}})
                return self._json(200, seen)
        if self.server.during_checkout is not None:
            self.server.during_checkout()
        form = parse_qs(body)
        made = {
            "id": f"cs_test_{len(self.server.checkout_sessions) + 1}", "object": "checkout.session",
            "url": self.server.checkout_url, "status": "open", "mode": form.get("mode", [None])[-1],
            "customer": form.get("customer", [None])[-1],
            "metadata": {k[len("metadata[") : -1]: v[-1] for k, v in form.items() if k.startswith("metadata[")},
        }  # fmt: skip
        self.server.checkout_sessions.append(made)
        if key is not None:
            self.server.by_key[key] = dict(made)  # replayed as it was answered, whatever became of the page
        return self._json(200, made)

    def do_GET(self) -> None:
        """A Stripe list, newest first as Stripe sends it, `limit` a page, `starting_after` the cursor; filtered
        by `created[gte]` and `status` as Stripe filters them."""
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        self.server.requests.append((url.path, parse_qs(url.query), dict(self.headers)))
        if self._down():
            return None
        if url.path == "/v1/checkout/sessions":  # the customer's pages, newest first, by status
            pages = [
                page
                for page in reversed(self.server.checkout_sessions)
                if query.get("customer") in (None, page["customer"]) and query.get("status") in (None, page["status"])
            ][: int(query.get("limit", 10))]
            return self._json(200, {"object": "list", "url": url.path, "data": pages, "has_more": False})
        if self.server.fail_after is not None and self.server.pages >= self.server.fail_after:
            return self._json(500, {"error": {"type": "api_error", "message": "stub outage"}})
        listed, _, wanted = url.path.rpartition("/")
        if url.path not in self.server.lists and listed in self.server.lists:  # one object: GET /v1/charges/ch_1
            found = [obj for obj in self.server.lists[listed] if obj["id"] == wanted]
            if found:
                return self._json(200, found[0])
            return self._json(404, {"error": {"type": "invalid_request_error", "message": f"no such {wanted}"}})
        one_owners = {"subscription", "invoice"} & set(query)  # one subscription's invoices: none set up, none
        if url.path not in self.server.lists and not one_owners:
            return self._json(404, {"error": {"type": "invalid_request_error", "message": "no route"}})
        items = [
            obj
            for obj in reversed(self.server.lists.get(url.path, []))
            if obj.get("created", 0) >= int(query.get("created[gte]", 0))
            and query.get("status") in (None, "all", obj.get("status"))
            and all(query.get(owner) in (None, _id_of(obj.get(owner))) for owner in ("customer", *one_owners))
        ]
        if "starting_after" in query:
            ids = [obj["id"] for obj in items]
            items = items[ids.index(query["starting_after"]) + 1 :]
        limit = int(query.get("limit", 10))
        self.server.pages += 1
        return self._json(
            200, {"object": "list", "url": url.path, "data": items[:limit], "has_more": len(items) > limit}
        )

    def do_DELETE(self) -> None:
        """Cancel a subscription at once (`DELETE /v1/subscriptions/sub_1`); one already cancelled is 404
        `resource_missing`, as Stripe answers."""
        self.server.requests.append((self.path, {}, dict(self.headers)))
        if self._down():
            return None
        if self.server.during_cancel is not None:
            self.server.during_cancel()
        listed, _, wanted = self.path.rpartition("/")
        if wanted in self.server.refuse_cancel:
            status, code = self.server.refuse_cancel[wanted]
            kind = "invalid_request_error" if status < 500 else "api_error"
            return self._json(status, {"error": {"type": kind, "code": code, "message": f"refused: {code}"}})
        found = [obj for obj in self.server.lists.get(listed, []) if obj["id"] == wanted]
        ended = not found or found[0].get("status") in ("canceled", "incomplete_expired")
        if listed != "/v1/subscriptions" or ended or wanted in self.server.cancelled_elsewhere:
            return self._json(
                404, {"error": {"type": "invalid_request_error", "code": "resource_missing", "message": "no such"}}
            )
        now = int(time.time())
        found[0].update(status="canceled", canceled_at=now, ended_at=now)
        return self._json(200, found[0])

    def _json(self, status: int, body: dict[str, Any]) -> None:
        _send(self, status, json.dumps(body).encode(), "application/json")

    def log_message(self, *_args: object) -> None:
        pass


class HostedCheckout(ThreadingHTTPServer):
    """Stands in for checkout.stripe.com: an HTTPS page on 127.0.0.1 that records which paths were opened."""

    def __init__(self, cert_dir: Path) -> None:
        super().__init__(("127.0.0.1", 0), _PageHandler)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(*_self_signed(cert_dir))
        self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.opened: list[str] = []

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.server_address[1]}"


class _PageHandler(BaseHTTPRequestHandler):
    server: HostedCheckout

    def do_GET(self) -> None:
        self.server.opened.append(self.path)
        page = "<!doctype html><title>Stripe Checkout (stub)</title><h1>Pay for Encore Premium</h1>"
        _send(self, 200, page.encode(), "text/html; charset=utf-8")

    def log_message(self, *_args: object) -> None:
        pass


def _self_signed(cert_dir: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = cert_dir / "stub.crt", cert_dir / "stub.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@contextmanager
def running(server: S) -> Iterator[S]:
    """Serve in a daemon thread for the duration of the block. `shutdown` waits for the serving loop to look at
    its flag, which it does once per `poll_interval`: at socketserver's default of 0.5 s every stub's end waited
    ~0.5 s (185 tests end one), at 0.02 s it waits ~0.02 s."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
