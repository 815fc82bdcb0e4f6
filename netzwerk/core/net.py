"""Facts about the current request that operations record (IP for consent proofs)."""

from flask import has_request_context, request


def client_ip() -> str:
    # Behind the production proxy, ProxyFix (see README) makes remote_addr the client's.
    if not has_request_context():
        return ""
    return (request.remote_addr or "")[:45]
