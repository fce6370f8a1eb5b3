"""Opaque page tokens that carry a position, bound to what they page over.

A token names its scope (operation, account, region, filters) and an offset,
signed with a per-process key: a token from another listing, another
account or an earlier simulator run is refused like AWS refuses a bad token.
"""
import base64
import hashlib
import hmac
import json
import os


class BadToken(ValueError):
    pass


class Paginator:
    def __init__(self, key=None):
        self._key = key or os.urandom(16)

    def _mac(self, payload):
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:12]

    def token(self, scope, offset):
        payload = json.dumps([list(map(str, scope)), offset], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(payload + self._mac(payload)).decode().rstrip("=")

    def offset(self, token, scope):
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError):
            raise BadToken(token)
        payload, mac = raw[:-12], raw[-12:]
        if len(raw) <= 12 or not hmac.compare_digest(mac, self._mac(payload)):
            raise BadToken(token)
        got_scope, offset = json.loads(payload)
        if got_scope != list(map(str, scope)) or not isinstance(offset, int) or offset < 0:
            raise BadToken(token)
        return offset

    def page(self, seq, token, limit, scope):
        """(items, next token or None): up to limit items of seq from token's position."""
        start = self.offset(token, scope) if token else 0
        if start > len(seq):
            raise BadToken(token)
        end = min(start + limit, len(seq))
        items = seq[start:end]
        return list(items), (self.token(scope, end) if end < len(seq) else None)
