"""The floor: a bare Flask "hello" route, served by the same gunicorn settings as Netzwerk.

Every path's throughput is divided by this route's, measured in the same run, so the
ratios hold across machines of different speed.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hallo"
