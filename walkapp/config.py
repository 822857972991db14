"""Configuration defaults. Every key is documented here and in the README.

Precedence (lowest first): these defaults, `<instance>/config.py`, environment variables
prefixed `WALKAPP_` (values parsed as JSON where possible, e.g. `WALKAPP_OPEN311_PUBLIC=true`),
and finally the `test_config` mapping given to `create_app`.
"""
from datetime import timedelta

from walkapp import dates

# Signs session cookies and CSRF tokens. Unset: a random key is generated once and kept in
# `<instance>/secret_key`, so no well-known default can ever sign a valid cookie.
SECRET_KEY: str | None = None

# SQLAlchemy database URL. Unset: SQLite file `<instance>/walkapp.sqlite3`.
# Production: postgresql+psycopg://user:password@host/dbname
SQLALCHEMY_DATABASE_URI: str | None = None

# SQLite only: how long a write waits for the database's write lock (milliseconds) before the
# request is answered 503 with Retry-After (the phones' outbox sends it again).
SQLITE_BUSY_TIMEOUT_MS = 5000

# Largest request body accepted (bytes); larger uploads are answered with 413.
MAX_CONTENT_LENGTH = 25 * 1024 * 1024

# Route import limits: file size in bytes and number of points in the LineString.
ROUTE_MAX_BYTES = 5 * 1024 * 1024
ROUTE_MAX_POINTS = 5000

# Largest decoded photo accepted, in pixels (width * height).
PHOTO_MAX_PIXELS = 40_000_000

# Where photos, thumbnails, check photos and voice notes are kept: "local" (files under
# `<instance>/photos`, the default) or "s3" (an S3-compatible bucket, for several app servers).
PHOTO_STORAGE = "local"
# S3 only: the bucket (must exist), a key prefix inside it (e.g. "walkapp/"; "" = the bucket's
# root), the endpoint of a non-AWS server (e.g. "https://s3.example.net"; "" = AWS) and its
# region ("" = boto3's default). Credentials are read the usual boto3 way: AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY in the environment, ~/.aws/credentials, or the machine's role.
S3_BUCKET = ""
S3_PREFIX = ""
S3_ENDPOINT_URL = ""
S3_REGION = ""
# S3 only: "" streams each photo and voice note from the bucket through the app; "presigned"
# answers the same access-checked URL with a 302 to a presigned URL of the object, valid for
# PHOTO_PRESIGN_SECONDS (the bucket must be reachable by the browsers then).
PHOTO_REDIRECT = ""
PHOTO_PRESIGN_SECONDS = 60

# Background map tiles for Leaflet (the app works without them: route and points still show).
MAP_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
MAP_TILE_ATTRIBUTION = "&copy; OpenStreetMap-bidragydere"
# Where maps open when a walk has no route yet (lat, lon, zoom): Copenhagen.
MAP_DEFAULT_CENTER = [55.6761, 12.5683, 12]

# Languages offered in the UI; the first is the default.
LANGUAGES = ["da", "en"]
BABEL_DEFAULT_LOCALE = "da"
# Times are stored in UTC and shown in this time zone.
BABEL_DEFAULT_TIMEZONE = dates.LOCAL_TZ.key

# Rate limits (Flask-Limiter syntax). Storage: memory:// counts in each process, so it only
# holds for one process; with several workers or servers use one Redis for all of them,
# e.g. redis://127.0.0.1:6379/0 (redis://:password@host:6379/0, rediss:// for TLS).
RATELIMIT_STORAGE_URI = "memory://"
# Passed to the storage (redis-py's connection options; memory:// ignores them). A Redis that
# does not answer must not hold a login for long: one second to connect and to answer.
RATELIMIT_STORAGE_OPTIONS: dict = {"socket_connect_timeout": 1, "socket_timeout": 1}
# Redis unreachable: each process counts in its own memory until Redis answers again (checked
# again after 1, 2, 4 … 32 s) and logs "Rate limit storage unreachable" as a warning. Login and
# join keep working and keep a limit, per process (so N processes allow up to N times as many
# attempts during the outage). False: every rate-limited request fails with 500 until Redis is
# back (a login outage rather than looser limits).
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
# Part of every counter's key (LIMITS:LIMITER/walkapp/…), so a Redis shared with other
# applications keeps their counters apart.
RATELIMIT_KEY_PREFIX = "walkapp"
# Explicit, so each app reads its own: Flask-Limiter's extension object is shared by every app
# of the process and would otherwise carry one app's "false" over to the next.
RATELIMIT_ENABLED = True
RATELIMIT_HEADERS_ENABLED = True
LOGIN_RATE_LIMIT = "10 per minute"
JOIN_RATE_LIMIT = "20 per minute"

# CSRF tokens stay valid for a whole evening walk (seconds).
WTF_CSRF_TIME_LIMIT = 12 * 3600
# CSRF is enforced by walkapp.auth.security for every cookie-authenticated write (forms and
# JSON alike); requests with an API bearer token are exempt, which the default hook can't know.
WTF_CSRF_CHECK_DEFAULT = False

# Session cookie: participants stay joined on their phone for the walk and its follow-up.
PERMANENT_SESSION_LIFETIME = timedelta(days=30)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Set to true behind HTTPS in production (WALKAPP_SESSION_COOKIE_SECURE=true).
SESSION_COOKIE_SECURE = False
REMEMBER_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True

# Behind a reverse proxy (nginx, Caddy …): how many proxies in front of the app set the
# X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host headers. 0 (no proxy): the headers are
# ignored, since any client could send them to dodge the per-IP login limit or fake its host.
# 1 (one nginx): the client address is the last one nginx appended, so each staff member has
# their own login limit again. Each proxy must append to X-Forwarded-For and overwrite (not pass
# through) the other two. X-Forwarded-Prefix is never trusted: the app is served at the root of
# its host (the service worker and the outbox use root paths).
TRUSTED_PROXIES = 0

# Public address of the app, scheme and host only, e.g. "https://tryg.example.dk". When set,
# join links (QR code, invitation, API join_url), calendar files, the Open311 feed and every
# other absolute link are built from it instead of from the request's Host header. Empty: from
# the request. (Not Flask's SERVER_NAME, which also changes routing and the test client's host.)
PUBLIC_URL = ""

# Host names the app answers to (Flask's own setting, checked on every request): a request with
# another Host header gets 400 and no page. "tryg.example.dk" matches exactly (any port),
# ".example.dk" also matches its subdomains. Empty: any host.
TRUSTED_HOSTS: list[str] = []

# Open311 GeoReport v2 feed: findings can be sensitive, so it needs a staff token unless true.
OPEN311_PUBLIC = False

# Password hashing (argon2id). Raised in production, lowered only by the test-suite for speed.
ARGON2_TIME_COST = 3
ARGON2_MEMORY_COST = 65536

SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

# Retention: this many months after a walk was closed, `flask --app app retention --apply`
# deletes its photos, the participants' names and the text they typed (finding texts, check
# notes); categories, places, ratings, measures and plan items stay. The join page and the
# privacy page tell participants this period.
RETENTION_MONTHS = 36

# Who is the data controller (dataansvarlig) for what participants enter, with a contact, e.g.
# "Boligselskabet X, Eksempelvej 1, 2300 København S, kontakt@boligselskabetx.dk". Shown on
# the join page and the privacy page (/privacy). Empty: those pages ask participants to contact
# the organiser of the walk.
DATA_CONTROLLER = ""
