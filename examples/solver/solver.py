#!/usr/bin/env python3
"""A small market maker for intentd's external solver protocol.

It connects to ws://HOST:PORT/api/v1/solver-ws, proves its ed25519 key
(the challenge), then answers every `quote_request` with a signed quote
priced from the token prices the simulated chain swaps at, less a spread,
and logs what it wins and how each settlement ends. docs/solvers.md
specifies the protocol and walks through running two of these against the
quick-start daemon.

    intentctl solver-keygen mm-1 > mm-1.key
    python3 examples/solver/solver.py --url ws://127.0.0.1:8080 \\
        --key-file mm-1.key --spread-bps 30

Pricing. The simulated chain swaps at fixed token prices: `amount_in *
price_in / price_out` (the `tokens` list of the daemon's config, each
`{id, decimals, price}`; the quick start uses usdc.near 1, usdt.near 1 and
wrap.near 5). The daemon does not publish them over HTTP, so this client
takes the same table: the quick-start one by default, `--config PATH` to
read the `tokens` of a daemon's config, `--prices ID=PRICE:DECIMALS,...` to
set it by hand. For a swap it offers that fair output less `--spread-bps`
(rounded down to the output token's decimals) and charges no fee (on a swap
the spread is the price); it skips a request whose fair output less the
spread is below the intent's `min_output_amount`, and caps its output at
`--max-output` (whole tokens) when given, like a maker minding its balance.
For a transfer or a stake it passes the whole amount on and charges
`--fee-units` base units of the input token: the chain refuses a fee above
the gas the user reserved (`chain.simulated.gas_per_execution` x
`gas_price` base units; 30000 by default), so the default is 10000.

Standard library plus `cryptography` (Debian: python3-cryptography). The
WebSocket client is written out here (RFC 6455: handshake, masked client
frames, fragments, ping/pong, close codes); `SolverClient`, `Pricer` and
the signing helpers can be imported by tests that need to send quotes a
well-behaved solver never would.
"""

import argparse
import base64
import datetime as dt
import decimal
import hashlib
import json
import logging
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (Encoding,
                                                          PublicFormat)

log = logging.getLogger("solver")

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SOLVER_PATH = "/api/v1/solver-ws"

# The quick-start token table (examples/intentd.yaml, also the daemon's
# default): id -> (decimals, price).
DEFAULT_TOKENS = {
    "usdc.near": (6, decimal.Decimal("1")),
    "usdt.near": (6, decimal.Decimal("1")),
    "wrap.near": (24, decimal.Decimal("5")),
}


# ----------------------------------------------------------------- keys

class SolverKey:
    """An ed25519 key pair from a 32-byte seed."""

    def __init__(self, seed_hex, solver_id=None, account=None):
        seed = bytes.fromhex(seed_hex)
        if len(seed) != 32:
            raise ValueError("an ed25519 seed is 64 hex digits")
        self.seed_hex = seed_hex.lower()
        self.private = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = self.private.public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw).hex()
        self.solver_id = solver_id
        self.account = account

    def sign(self, text):
        """The signature over `text` (str, UTF-8), as 128 hex digits."""
        return self.private.sign(text.encode()).hex()


def load_key(path):
    """The key in `path`: what `intentctl solver-keygen` prints (a JSON line
    with `seed`, `public_key`, `solver_id`, `account`, then the config entry,
    which is ignored), or a file holding only the 64 hex digits of a seed."""
    with open(path) as f:
        text = f.read()
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    if re.fullmatch(r"[0-9a-fA-F]{64}", first):
        return SolverKey(first)
    try:
        keys = json.loads(first)
    except ValueError:
        raise ValueError(f"{path}: neither solver-keygen output nor a seed")
    key = SolverKey(keys["seed"], keys.get("solver_id"), keys.get("account"))
    if keys.get("public_key") and keys["public_key"].lower() != key.public_key:
        raise ValueError(f"{path}: public_key is not the seed's")
    return key


# ------------------------------------------------------------- protocol

def auth_text(nonce):
    """What a solver signs to answer the challenge."""
    return "intentd-solver-auth:" + nonce


def canonical_quote(request_id, intent_id, output_amount, fee, valid_until):
    """The text a quote's signature covers (docs/solvers.md, "The
    canonical quote"): six lines, no trailing newline."""
    return "\n".join(["intentd-quote", request_id, intent_id, output_amount,
                      fee, valid_until])


def rfc3339(t):
    """A Unix time as an RFC 3339 UTC date-time, whole seconds."""
    return dt.datetime.fromtimestamp(int(t), dt.timezone.utc) \
        .strftime("%Y-%m-%dT%H:%M:%SZ")


def quote_frame(key, request_id, intent_id, output_amount, fee, valid_until,
                signature=None):
    """A `quote` frame signed by `key` (or carrying `signature` as given)."""
    if signature is None:
        signature = key.sign(canonical_quote(request_id, intent_id,
                                             output_amount, fee, valid_until))
    return {"type": "quote", "request_id": request_id, "intent_id": intent_id,
            "output_amount": output_amount, "fee": fee,
            "valid_until": valid_until, "signature": signature}


# ------------------------------------------------------------ WebSocket

class WsClosed(ConnectionError):
    """The connection is closed; `code` is the peer's close code (None when
    the TCP connection ended without a close frame)."""

    def __init__(self, code=None, reason=""):
        super().__init__(f"closed: {code} {reason}".strip())
        self.code = code
        self.reason = reason


class WebSocket:
    """A client WebSocket (RFC 6455) on a plain socket: text frames, masked
    as a client must, fragments joined, pings answered with pongs, a close
    answered and reported as WsClosed with its code."""

    def __init__(self, url, timeout=10):
        u = urllib.parse.urlsplit(url)
        if u.scheme != "ws":
            raise ValueError(f"{url}: only ws:// URLs (no TLS here)")
        self.host = u.hostname or "127.0.0.1"
        self.port = u.port or 80
        path = u.path or "/"
        if u.query:
            path += "?" + u.query
        self.sock = socket.create_connection((self.host, self.port),
                                             timeout=timeout)
        self.buf = b""
        self.closed = None
        self.pings = 0  # pings answered
        self._send_lock = threading.Lock()
        key = base64.b64encode(os.urandom(16)).decode()
        host = self.host if ":" not in self.host else f"[{self.host}]"
        self.sock.sendall(
            (f"GET {path} HTTP/1.1\r\nHost: {host}:{self.port}\r\n"
             "Upgrade: websocket\r\nConnection: Upgrade\r\n"
             f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
            .encode())
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        if " 101 " not in lines[0] + " ":
            raise ConnectionError(f"no upgrade: {lines[0]}")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        want = base64.b64encode(hashlib.sha1(
            (key + WS_GUID).encode()).digest()).decode()
        if headers.get("sec-websocket-accept") != want:
            raise ConnectionError("bad Sec-WebSocket-Accept")

    def send_text(self, text):
        self._send(0x1, text.encode())

    def close(self, code=1000, reason=""):
        """Sends a close frame (when still open) and closes the socket."""
        if self.closed is None:
            try:
                self._send(0x8, struct.pack("!H", code) + reason.encode())
            except OSError:
                pass
            self.closed = code
        try:
            self.sock.close()
        except OSError:
            pass

    def abort(self):
        """Drops the TCP connection without a close frame."""
        self.closed = -1
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def _send(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        m = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
        body = (int.from_bytes(payload, "big") ^ m).to_bytes(n, "big")
        with self._send_lock:
            self.sock.sendall(head + mask + body)

    def _frame(self):
        """One whole frame from the buffer, or None: (fin, opcode, payload)."""
        b = self.buf
        if len(b) < 2:
            return None
        n = b[1] & 0x7F
        at = 2
        if n == 126:
            if len(b) < 4:
                return None
            n = struct.unpack("!H", b[2:4])[0]
            at = 4
        elif n == 127:
            if len(b) < 10:
                return None
            n = struct.unpack("!Q", b[2:10])[0]
            at = 10
        masked = b[1] & 0x80
        if masked:
            at += 4
        if len(b) < at + n:
            return None
        payload = b[at:at + n]
        if masked:
            mask = b[at - 4:at]
            payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
        self.buf = b[at + n:]
        return bool(b[0] & 0x80), b[0] & 0x0F, payload

    def recv_text(self, timeout=None):
        """The next text message. Raises socket.timeout after `timeout`
        seconds (None: wait) with nothing lost, WsClosed when closed."""
        deadline = None if timeout is None else time.monotonic() + timeout
        parts, kind = [], None
        while True:
            frame = self._frame()
            if frame is None:
                if self.closed is not None:
                    raise WsClosed(self.closed)
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise socket.timeout("no message in time")
                self.sock.settimeout(left)
                try:
                    chunk = self.sock.recv(65536)
                except OSError as e:
                    if isinstance(e, socket.timeout):
                        raise
                    self.closed = None
                    raise WsClosed(None, str(e))
                if not chunk:
                    raise WsClosed(None, "connection ended")
                self.buf += chunk
                continue
            fin, opcode, payload = frame
            if opcode == 0x9:
                self._send(0xA, payload)
                self.pings += 1
            elif opcode == 0xA:
                pass
            elif opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] \
                    if len(payload) >= 2 else 1005
                reason = payload[2:].decode(errors="replace")
                try:
                    self._send(0x8, payload[:2])
                except OSError:
                    pass
                self.closed = code
                self.sock.close()
                raise WsClosed(code, reason)
            else:
                if opcode in (0x1, 0x2):
                    parts, kind = [payload], opcode
                else:
                    parts.append(payload)
                if fin:
                    data = b"".join(parts)
                    if kind == 0x1:
                        return data.decode()
                    parts, kind = [], None


# ---------------------------------------------------------------- solver

class SolverClient:
    """One authenticated solver connection. `connect()` answers the
    challenge and returns after `ready`; WsClosed(1008) when the daemon
    refuses the key."""

    def __init__(self, url, key, solver_id=None, timeout=10):
        base = url.rstrip("/")
        if not base.endswith(SOLVER_PATH):
            base += SOLVER_PATH
        self.url = base
        self.key = key
        self.solver_id = solver_id or key.solver_id
        if not self.solver_id:
            raise ValueError("no solver id: pass --id or a solver-keygen file")
        self.timeout = timeout
        self.ws = None
        self.stats = {"asked": 0, "quoted": 0, "skipped": 0, "assigned": 0,
                      "settled": 0, "failed": 0, "errors": 0}

    def connect(self):
        self.ws = WebSocket(self.url, self.timeout)
        challenge = self.recv(self.timeout)
        if challenge.get("type") != "challenge":
            raise ConnectionError(f"expected a challenge, got {challenge}")
        self.send({"type": "auth", "solver_id": self.solver_id,
                   "signature": self.key.sign(auth_text(challenge["nonce"]))})
        ready = self.recv(self.timeout)
        if ready.get("type") != "ready":
            raise ConnectionError(f"expected ready, got {ready}")
        return self

    def send(self, msg):
        self.ws.send_text(json.dumps(msg))

    def recv(self, timeout=None):
        """The next message as a dict; socket.timeout or WsClosed."""
        return json.loads(self.ws.recv_text(timeout))

    def quote(self, request, output_amount, fee, valid_for_s=30,
              valid_until=None, **overrides):
        """Sends a signed quote for `request` (a quote_request message);
        `overrides` replace fields after signing (request_id, intent_id,
        signature, ...), to send what a well-behaved solver never would.
        Returns the frame sent."""
        if valid_until is None:
            valid_until = rfc3339(time.time() + valid_for_s)
        frame = quote_frame(self.key, request["request_id"],
                            request["intent_id"], output_amount, fee,
                            valid_until)
        frame.update(overrides)
        self.send(frame)
        return frame

    def close(self, code=1000):
        if self.ws is not None:
            self.ws.close(code)

    def handle(self, msg, pricer, valid_for_s=30):
        """What the market maker does with one message from the daemon."""
        t = msg.get("type")
        if t == "quote_request":
            self.stats["asked"] += 1
            priced = pricer.price(msg)
            if priced is None:
                self.stats["skipped"] += 1
                log.info("skip %s (%s %s %s): no quote at this spread",
                         msg["intent_id"], msg["action"], msg["input_amount"],
                         msg["input_token"])
                return
            out, fee = priced
            self.quote(msg, out, fee, valid_for_s)
            self.stats["quoted"] += 1
            log.info("quote %s %s: output %s fee %s", msg["request_id"],
                     msg["intent_id"], out, fee)
        elif t == "assigned":
            self.stats["assigned"] += 1
            log.info("WON %s (request %s)", msg["intent_id"],
                     msg["request_id"])
        elif t == "settled":
            self.stats["settled"] += 1
            log.info("SETTLED %s: tx %s, paid %s", msg["intent_id"],
                     msg["tx_hash"], msg["output_amount"])
        elif t == "settlement_failed":
            self.stats["failed"] += 1
            log.warning("SETTLEMENT FAILED %s: %s", msg["intent_id"],
                        msg["reason"])
        elif t == "error":
            self.stats["errors"] += 1
            log.warning("refused: %s %s", msg.get("code"), msg.get("message"))
        else:
            log.info("message %s", msg)

    def serve(self, pricer, stop=None, valid_for_s=30):
        """Quotes until `stop` (a threading.Event) is set or the connection
        closes (WsClosed is raised)."""
        while stop is None or not stop.is_set():
            try:
                msg = self.recv(0.2 if stop is not None else None)
            except socket.timeout:
                continue
            self.handle(msg, pricer, valid_for_s)


# ---------------------------------------------------------------- prices

def parse_tokens_yaml(text):
    """The `tokens` list of an intentd config: {id: (decimals, price)}.
    PyYAML when installed; otherwise the block and flow forms the examples
    use (`- id: x` lines, or `- {id: x, decimals: 6, price: "1"}`)."""
    try:
        import yaml
        doc = yaml.safe_load(text) or {}
        items = doc.get("tokens")
        if items is None:
            return None
        return {str(t["id"]): (int(t["decimals"]),
                               decimal.Decimal(str(t["price"])))
                for t in items}
    except ImportError:
        pass
    out, cur, inside = {}, None, False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line:
            continue
        if not line.startswith(" ") and not line.startswith("-"):
            inside = line.startswith("tokens:")
            continue
        if not inside:
            continue
        body = line.strip()
        if body.startswith("-"):
            cur = {}
            body = body[1:].strip()
            if body.startswith("{"):
                body = body.strip("{}")
                for part in body.split(","):
                    k, _, v = part.partition(":")
                    cur[k.strip()] = v.strip().strip("\"'")
                body = ""
            if cur is not None:
                out[len(out)] = cur
        if body and cur is not None:
            k, _, v = body.partition(":")
            cur[k.strip()] = v.strip().strip("\"'")
    if not out:
        return None
    return {t["id"]: (int(t["decimals"]), decimal.Decimal(t["price"]))
            for t in out.values()}


def parse_prices(text):
    """`ID=PRICE:DECIMALS,...` -> {id: (decimals, price)}."""
    out = {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        tid, _, rest = item.partition("=")
        price, _, decimals = rest.partition(":")
        if not tid or not price or not decimals:
            raise ValueError(f"{item}: expected ID=PRICE:DECIMALS")
        out[tid] = (int(decimals), decimal.Decimal(price))
    return out


def fmt(amount, decimals):
    """An exact decimal string with at most `decimals` digits after the
    point, rounded down, trailing zeros dropped."""
    q = amount.quantize(decimal.Decimal(1).scaleb(-decimals),
                        rounding=decimal.ROUND_DOWN)
    s = format(q, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


class Pricer:
    """Prices quote requests like the simulated chain swaps, less a spread
    (see the top of this file)."""

    def __init__(self, tokens=None, spread_bps=30, fee_units=10000,
                 max_output=None):
        self.tokens = dict(tokens or DEFAULT_TOKENS)
        self.spread_bps = decimal.Decimal(spread_bps)
        self.fee_units = int(fee_units)
        self.max_output = None if max_output is None \
            else decimal.Decimal(max_output)

    def fair_output(self, input_token, input_amount, output_token):
        """What the simulated chain's swap gives for `input_amount`."""
        d_in, p_in = self.tokens[input_token]
        d_out, p_out = self.tokens[output_token]
        return decimal.Decimal(input_amount) * p_in / p_out

    def price(self, request):
        """(output_amount, fee) as strings for a quote_request, or None when
        this maker does not quote it."""
        with decimal.localcontext() as ctx:
            ctx.prec = 80
            try:
                if request["action"] == "swap":
                    d_out = self.tokens[request["output_token"]][0]
                    fair = self.fair_output(request["input_token"],
                                            request["input_amount"],
                                            request["output_token"])
                    out = fair * (1 - self.spread_bps / 10000)
                    if self.max_output is not None:
                        out = min(out, self.max_output)
                    out = decimal.Decimal(fmt(out, d_out))
                    minimum = decimal.Decimal(request["min_output_amount"])
                    if out <= 0 or out < minimum:
                        return None
                    return fmt(out, d_out), "0"
                d_in = self.tokens[request["input_token"]][0]
                fee = decimal.Decimal(self.fee_units).scaleb(-d_in)
                return request["input_amount"], fmt(fee, d_in)
            except (KeyError, decimal.InvalidOperation):
                return None


# ------------------------------------------------------------------ main

def main(argv=None):
    ap = argparse.ArgumentParser(
        description="A market maker for intentd's external solver protocol.")
    ap.add_argument("--url", default="ws://127.0.0.1:8080",
                    help="the daemon (ws://HOST:PORT; /api/v1/solver-ws is "
                         "added when missing)")
    ap.add_argument("--key-file", required=True,
                    help="intentctl solver-keygen's output, or a 64-hex seed")
    ap.add_argument("--id", help="solver id (default: the key file's)")
    ap.add_argument("--spread-bps", type=decimal.Decimal, default=30,
                    help="basis points below the chain's price (default 30)")
    ap.add_argument("--fee-units", type=int, default=10000,
                    help="fee of a transfer or stake, in base units of the "
                         "input token (default 10000)")
    ap.add_argument("--max-output", help="largest swap output to offer, in "
                    "whole tokens")
    ap.add_argument("--config", help="read token prices from this intentd "
                    "config's `tokens`")
    ap.add_argument("--prices", help="token table ID=PRICE:DECIMALS,... "
                    "(default: the quick start's)")
    ap.add_argument("--valid-s", type=int, default=30,
                    help="seconds a quote stands (valid_until; at most 600)")
    ap.add_argument("--reconnect", action="store_true",
                    help="reconnect after a lost connection (not after 1008)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s")

    key = load_key(args.key_file)
    tokens = DEFAULT_TOKENS
    if args.config:
        with open(args.config) as f:
            tokens = parse_tokens_yaml(f.read()) or DEFAULT_TOKENS
    if args.prices:
        tokens = parse_prices(args.prices)
    pricer = Pricer(tokens, args.spread_bps, args.fee_units, args.max_output)

    def stop(signum, frame):
        raise KeyboardInterrupt
    # SIGTERM stops it like Ctrl-C: the connection is closed (1000) and the
    # counters logged.
    signal.signal(signal.SIGTERM, stop)
    delay = 0.5
    while True:
        client = SolverClient(args.url, key, args.id)
        try:
            client.connect()
            log.info("connected to %s as %s (key %s)", client.url,
                     client.solver_id, key.public_key)
            delay = 0.5
            client.serve(pricer, valid_for_s=args.valid_s)
        except WsClosed as e:
            if e.code == 1008:
                log.error("refused (1008 %s): is %s with key %s in "
                          "solvers.external?", e.reason, client.solver_id,
                          key.public_key)
                return 1
            log.warning("connection closed (%s %s)", e.code, e.reason)
        except OSError as e:
            log.warning("cannot connect to %s: %s", client.url, e)
        except KeyboardInterrupt:
            client.close()
            log.info("stopped: %s", client.stats)
            return 0
        if not args.reconnect:
            log.info("stopped: %s", client.stats)
            return 2
        time.sleep(delay)
        # At most 2 s between tries: a restarted daemon holds recovered
        # intents for solvers.reconnect_grace_ms (5 s by default).
        delay = min(delay * 2, 2)


if __name__ == "__main__":
    sys.exit(main())
