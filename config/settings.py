"""One settings module for every environment, driven by environment variables.

Without any variable beyond DEBUG and SECRET_KEY (written to `.env` by `make run`), the
project runs embedded: SQLite, local media, Celery tasks executed eagerly, e-mails printed
on the console. `DATABASE_URL`, `CELERY_BROKER_URL`, `CACHE_URL`, `EMAIL_URL`… switch to
PostgreSQL, Redis and SMTP. `.env.example` in `deploy/` documents every variable.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# GENERAL
# ------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# DATABASES
# ------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Embedded mode: a transaction takes SQLite's write lock when it begins, so concurrent requests
    # queue (up to `timeout` seconds) instead of failing with "database is locked" on their first write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT compilation: the application's queries are short, and on the indicators' subqueries
    # compiling costs more than it saves (bench `indicators`: 3.35× one hand-written query with it,
    # 2.34× without). `PG_OPTIONS` adds other server options the same way.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = env("PG_OPTIONS", default="-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# APPS
# ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "accounts",
    "cms",
    "training",
    "evaluations",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "import_export",
    "allauth",
    "allauth.account",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside the public page cache, so that cached pages get the headers too.
    "config.security.ContentSecurityPolicyMiddleware",
    "config.security.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session: a cached public page is served to anonymous visitors without SQL.
    "cms.cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# AUTHENTICATION
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# django-allauth: e-mail is the login, and it must be verified before the account is used.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_PRESERVE_USERNAME_CASING = False

# E-MAIL
# ------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Promotion Santé Occitanie <formation@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# STATIC AND MEDIA
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Scans and issued documents: never served by the web server (see `config/storages.py`).
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# CACHES
# ------------------------------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# CELERY
# ------------------------------------------------------------------------------
# With no broker the tasks run eagerly, in the request that enqueued them.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "expire-offers": {"task": "training.tasks.registration_offers_expire_task", "schedule": 15 * 60},
    "send-reminders": {
        "task": "evaluations.tasks.reminders_send_task",
        "schedule": crontab(hour=8, minute=0),
    },
    "send-due-surveys": {"task": "evaluations.tasks.surveys_due_send_task", "schedule": crontab(minute=5)},
    "remind-overdue-complaints": {
        "task": "evaluations.tasks.complaints_overdue_remind_task",
        "schedule": crontab(hour=8, minute=10),
    },
    "purge-expired-data": {
        "task": "accounts.tasks.personal_data_purge_task",
        "schedule": crontab(hour=3, minute=30),
    },
}

# RELIABILITY UNDER FAULTS
# ------------------------------------------------------------------------------
# Tasks are acknowledged when they end (acks_late): a message taken by a worker that dies (SIGKILL,
# out of memory, a machine lost) is delivered again. Redis has no per-consumer acknowledgement:
# kombu keeps the messages taken and not yet acknowledged, and puts back in the queue those taken
# more than `visibility_timeout` seconds ago, when a worker starts and then every 100 s or so. It
# must exceed the longest task (a session's certificates, the evidence pack: minutes) and the
# longest retry countdown (10 min), or a task still running would be delivered a second time.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
# An SMTP server that stops answering must not hold a task (and the row it locks) forever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# REGISTRATION RULES
# ------------------------------------------------------------------------------
# A confirmed person may cancel online until midnight this many days before the first day.
REGISTRATION_CANCELLATION_DAYS = env.int("REGISTRATION_CANCELLATION_DAYS", default=3)
# A seat freed is offered to the next person waiting for this many hours (never past the start).
REGISTRATION_OFFER_HOURS = env.int("REGISTRATION_OFFER_HOURS", default=48)

# ATTENDANCE
# ------------------------------------------------------------------------------
# Trainees sign from this many minutes before a half-day starts to this many after it ends.
ATTENDANCE_SIGN_BEFORE_MINUTES = env.int("ATTENDANCE_SIGN_BEFORE_MINUTES", default=30)
ATTENDANCE_SIGN_AFTER_MINUTES = env.int("ATTENDANCE_SIGN_AFTER_MINUTES", default=30)
# The QR code shown in the room changes this often (the previous code is still accepted).
ATTENDANCE_QR_SECONDS = env.int("ATTENDANCE_QR_SECONDS", default=120)
# A one-time signing link sent by e-mail after a scan is valid this long.
ATTENDANCE_LINK_MINUTES = env.int("ATTENDANCE_LINK_MINUTES", default=15)

# EXPORTS
# ------------------------------------------------------------------------------
# A back-office list longer than this is exported in the background (see `training.exports`).
EXPORT_INLINE_MAX_ROWS = env.int("EXPORT_INLINE_MAX_ROWS", default=2000)

# COMPLAINTS (Qualiopi indicator 31)
# ------------------------------------------------------------------------------
# A complaint is acknowledged within this many working days and answered within this many days.
COMPLAINT_ACKNOWLEDGE_DAYS = env.int("COMPLAINT_ACKNOWLEDGE_DAYS", default=2)
COMPLAINT_ANSWER_DAYS = env.int("COMPLAINT_ANSWER_DAYS", default=15)
# Messages the public complaint form accepts per hour from one address.
COMPLAINT_FORM_RATE = env.int("COMPLAINT_FORM_RATE", default=5)

# HISTORICAL WORKBOOK
# ------------------------------------------------------------------------------
# The largest workbook `import_history` (and its back-office page) accepts.
HISTORY_IMPORT_MAX_BYTES = env.int("HISTORY_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)

# SURVEYS
# ------------------------------------------------------------------------------
# The end-of-training survey leaves when the last half-day ends; the follow-up this many months after.
SURVEY_COLD_MONTHS = env.int("SURVEY_COLD_MONTHS", default=6)
# The positioning questionnaire goes to confirmed trainees this many days before the first day.
SURVEY_POSITIONING_DAYS = env.int("SURVEY_POSITIONING_DAYS", default=15)
# A survey can be answered (and its answers edited) this many days after it is sent.
SURVEY_OPEN_DAYS = env.int("SURVEY_OPEN_DAYS", default=30)
# Reminders to those who have not answered, this many days after the invitation (one per delay).
SURVEY_REMINDER_DAYS = env.list("SURVEY_REMINDER_DAYS", cast=int, default=[3, 10])
# Sessions that ended longer ago than this when the system starts get no automatic survey.
SURVEY_CATCH_UP_DAYS = env.int("SURVEY_CATCH_UP_DAYS", default=14)

# PERSONAL DATA: RETENTION AND PURGE (`accounts/retention.py`, docs/rgpd-registre.md)
# ------------------------------------------------------------------------------
# Evidence of a training (attendance, signature proofs, certificates, e-mails sent, survey answers),
# from the end of the training; contracts (training agreements); information sent (convocations).
RETENTION_EVIDENCE_YEARS = env.int("RETENTION_EVIDENCE_YEARS", default=6)
RETENTION_CONTRACT_YEARS = env.int("RETENTION_CONTRACT_YEARS", default=5)
RETENTION_INFORMATION_YEARS = env.int("RETENTION_INFORMATION_YEARS", default=3)
# Accounts and prospects without activity (CNIL): from the last contact.
RETENTION_ACCOUNT_YEARS = env.int("RETENTION_ACCOUNT_YEARS", default=3)
# Accessibility needs (health data): from the end of the training.
RETENTION_ACCESSIBILITY_MONTHS = env.int("RETENTION_ACCESSIBILITY_MONTHS", default=3)
# Survey invitations (addressee, link): from the close of the survey.
RETENTION_SURVEY_INVITATION_MONTHS = env.int("RETENTION_SURVEY_INVITATION_MONTHS", default=3)
# Complainants' identity: from the closing of the complaint (a Qualiopi cycle and the next audit).
RETENTION_COMPLAINT_YEARS = env.int("RETENTION_COMPLAINT_YEARS", default=4)
# Files made on request (back-office exports, batch ZIPs, evidence packs).
RETENTION_EXPORT_DAYS = env.int("RETENTION_EXPORT_DAYS", default=30)

# WAGTAIL
# ------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Promotion Santé Occitanie — Formations"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILADMIN_PERMITTED_LANGUAGES = [("fr", "Français")]
WAGTAIL_DATE_FORMAT = "%d/%m/%Y"
WAGTAIL_DATETIME_FORMAT = "%d/%m/%Y %H:%M"
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "odt", "ods", "csv", "txt", "zip"]
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# No avatar from Gravatar: staff e-mail hashes are not sent to a third party.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# SECURITY
# ------------------------------------------------------------------------------
# Production sits behind nginx terminating TLS; these follow DEBUG unless set explicitly.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# DEPLOYMENT (deploy/: nginx, gunicorn, Celery, backups)
# ------------------------------------------------------------------------------
# Behind nginx, private files (scans, issued documents, exports) are still permission-checked by
# Django, then sent by nginx: set this to the `internal` location aliasing PRIVATE_MEDIA_ROOT
# (`/protected/` in deploy/nginx/formations.conf). Empty: Django streams the file itself.
PRIVATE_MEDIA_X_ACCEL_PREFIX = env("PRIVATE_MEDIA_X_ACCEL_PREFIX", default="")
# The health check (`config/health.py`) answers plain HTTP on the app's own port.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# HARDENING (issue 11): content policy, rate limits, uploads, admin login
# ------------------------------------------------------------------------------
# Content-Security-Policy (django-csp). The site has no inline script or style and loads nothing
# from another origin; images may be data: URLs (signature pads, QR codes).
_csp_report_uri = env("CSP_REPORT_URI", default="")
_CSP_REPORT = {"report-uri": [_csp_report_uri]} if _csp_report_uri else {}
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **_CSP_REPORT,
    }
}
# Wagtail's admin writes inline scripts and styles and frames its own previews.
CONTENT_SECURITY_POLICY_ADMIN_PREFIXES = ["/admin/"]
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
        **_CSP_REPORT,
    }
}
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}
# The room's QR code may be shown full screen by the page itself.
PERMISSIONS_POLICY["fullscreen"] = ["self"]
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True
# A signed-in session lasts at most this many seconds (Django's two weeks unless set; the
# environment template proposes 12 hours: staff see health data); without "remember me" it also
# ends when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)

# Client address behind nginx: the number of proxies that append to X-Forwarded-For (0: use the
# connection's address). allauth's limits, the token limits below and signature proofs read it.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# allauth's limits ("amount/period/per": per client address, per e-mail address or per user).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,30/h/ip,5/15m/key",
    "signup": "20/m/ip,100/h/ip",
    "reset_password": "10/m/ip,3/15m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
# Every back-office login goes through allauth (and its limits): /admin/login/ redirects there.
WAGTAIL_PASSWORD_RESET_ENABLED = False
# No request from the admin to releases.wagtail.org (the admin policy allows no other origin).
WAGTAIL_ENABLE_UPDATE_CHECK = False

# Links that carry a secret (verification code, survey token, signing link, QR code): failed
# look-ups allowed per client address in the window, then 429 until the window passes.
TOKEN_LOOKUP_FAILURES = env.int("TOKEN_LOOKUP_FAILURES", default=20)
TOKEN_LOOKUP_WINDOW_SECONDS = env.int("TOKEN_LOOKUP_WINDOW_SECONDS", default=600)

# Uploads: files above this size go to a temporary file rather than memory; at most this many
# form fields (a session's attendance grid posts three per trainee and half-day).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2621440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
# A document's content must match its extension (`WAGTAILDOCS_EXTENSIONS`).
WAGTAILDOCS_DOCUMENT_FORM_BASE = "cms.forms.DocumentForm"

# LOGGING
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
