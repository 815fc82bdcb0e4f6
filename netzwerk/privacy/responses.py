"""The export as a file download: JSON, never cached, named by the day it was made."""

import json

from flask import Response

from netzwerk.core.timeutil import berlin_today
from netzwerk.privacy.collect import json_default


def json_attachment(document: dict, stem: str = "datenauskunft") -> Response:
    body = json.dumps(document, ensure_ascii=False, indent=2, default=json_default)
    filename = f"{stem}-{berlin_today().isoformat()}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",  # personal data: no copies in caches
        },
    )
