"""CSV import and export of members and schools."""

from netzwerk.accounts.access import coordinator_blueprint

bp = coordinator_blueprint("transfer", __name__, "/daten")
