"""Security headers on every response: CSP without inline code, HSTS over https, and more."""

from flask import Flask, Response, request, session

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# One year; browsers then refuse plain http for this host and its subdomains.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
# No page needs any of these browser features.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # same-origin rather than strict-origin-when-cross-origin: links in event descriptions
    # lead to other sites, and they need not learn even which host the reader came from.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP 2
    "Cross-Origin-Opener-Policy": "same-origin",
}


# Lower-cased once: HTTP header names compare without case.
_HEADER_ITEMS = [(name.lower(), name, value) for name, value in HEADERS.items()]


def add_security_headers(response: Response) -> Response:
    # As setdefault each: a view may be stricter (personal links send no Referer at all).
    # One look at the view's headers instead of six: werkzeug's setdefault searches them
    # anew for every name, a tenth of a polled feed's 304.
    headers = response.headers
    present = {name.lower() for name, _ in headers}
    for key, name, value in _HEADER_ITEMS:
        if key not in present:
            headers.add(name, value)
    if request.is_secure:  # behind the proxy, ProxyFix tells us the original scheme
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    # Pages of a logged-in person hold personal data: keep them out of every cache.
    # Only responses that used the session can be personal; asking a session nobody
    # touched would add "Vary: Cookie" to public feeds and files.
    if session.accessed and "_user_id" in session:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_headers(app: Flask) -> None:
    app.after_request(add_security_headers)
