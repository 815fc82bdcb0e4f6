# Copy to instance/config.py and adapt. Environment variables prefixed NETZWERK_
# (e.g. NETZWERK_MAIL_SERVER) override these values.

# SECRET_KEY = "a long random string"  # or NETZWERK_SECRET_KEY
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://netzwerk:secret@localhost/netzwerk"

SITE_NAME = "Netzwerk Schulsozialarbeit"
OFFICE_NAME = "Koordinierungsstelle Schulsozialarbeit Musterstadt"
OFFICE_EMAIL = "koordination@example.org"
BASE_URL = "https://netzwerk.example.org"

MAIL_SERVER = "smtp.example.org"
MAIL_PORT = 587
MAIL_USE_TLS = True
MAIL_USERNAME = "netzwerk@example.org"
# MAIL_PASSWORD: set NETZWERK_MAIL_PASSWORD in the environment, not in a file.
MAIL_DEFAULT_SENDER = ("Netzwerk Schulsozialarbeit", "netzwerk@example.org")

# Behind https (production): secure cookies.
SESSION_COOKIE_SECURE = True
REMEMBER_COOKIE_SECURE = True
