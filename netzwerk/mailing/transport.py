"""The SMTP connection: verified TLS, a timeout, one connection for a batch."""

import smtplib
import ssl

from flask import current_app


def _tls_context(cfg) -> ssl.SSLContext:
    # Only when TLS is used: loading the CA store costs 50 ms, once per batch.
    return ssl.create_default_context(cafile=cfg.get("MAIL_CA_FILE"))


class SMTPTransport:
    """Opens one connection for a batch. flask-mail's own connection neither verifies
    certificates nor times out, so we open the socket ourselves; mime.py builds the
    messages."""

    def __init__(self, config=None):
        self.config = config or current_app.config
        self.host: smtplib.SMTP | None = None

    def __enter__(self):
        cfg = self.config
        timeout = cfg.get("MAIL_TIMEOUT", 30)
        if cfg.get("MAIL_USE_SSL"):
            self.host = smtplib.SMTP_SSL(
                cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=timeout, context=_tls_context(cfg)
            )
        else:
            self.host = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=timeout)
            if cfg.get("MAIL_USE_TLS"):
                self.host.starttls(context=_tls_context(cfg))
        if cfg.get("MAIL_USERNAME") and cfg.get("MAIL_PASSWORD"):
            self.host.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        return self

    def send(self, sender: str, recipient: str, message_bytes: bytes) -> None:
        assert self.host is not None
        self.host.sendmail(sender, [recipient], message_bytes)

    def __exit__(self, *exc):
        if self.host is not None:
            try:
                self.host.quit()
            except (smtplib.SMTPException, OSError):
                self.host.close()
        return False
