"""The kinds of security event. A kind is a stable string: reports and filters name it."""
# ruff: noqa: S105  (event names such as "password.changed", not passwords)

LOGIN = "login"
LOGIN_FAILED = "login.failed"  # a wrong password or no such account: a guess, for all the log knows
LOGIN_REFUSED = "login.refused"  # the right password for a stopped account (disabled, being deleted): no guess
LOGOUT = "logout"
SIGNUP = "signup"  # self sign-ups before account.created existed (2026-12-05); still listed
# every new account, with details {"by": "signup" | "operator" | "admin", "role", "label"}: an added admin is seen
ACCOUNT_CREATED = "account.created"
PASSWORD_CHANGED = "password.changed"
EMAIL_CHANGED = "email.changed"
DISPLAY_NAME_CHANGED = "profile.display_name_changed"  # details {"old", "new"}: null is none chosen
ACCOUNT_DELETED = "account.deleted"  # its erasing queued; the event outlives the account (actor and subject NULL)
DEVICE_CREATED = "device.created"
DEVICE_REVOKED = "device.revoked"
OAUTH_APP_CREATED = "oauth.app_created"
OAUTH_APP_DELETED = "oauth.app_deleted"
OAUTH_GRANTED = "oauth.granted"
OAUTH_GRANT_REVOKED = "oauth.grant_revoked"
OAUTH_TOKEN_REVOKED = "oauth.token_revoked"  # by the app itself, RFC 7009
OAUTH_REPLAY_REVOKED = "oauth.replay_revoked"  # a spent refresh token or code came back: its grant's tokens end
LABEL_EXCLUSIVE_CREATED = "label.exclusive_created"
EXPORT_REQUESTED = "export.requested"
EXPORT_DOWNLOADED = "export.downloaded"
ADMIN_PREMIUM_GRANTED = "admin.premium_granted"
ADMIN_PREMIUM_REVOKED = "admin.premium_revoked"
ADMIN_CODES_CREATED = "admin.codes_created"
ADMIN_CAMPAIGN_CREATED = "admin.campaign_created"
ADMIN_STATEMENT_CLOSED = "admin.statement_closed"
LABEL_AVAILABILITY = "label.availability"
LABEL_EDIT = "label.edit"
LABEL_UPLOAD = "label.upload"
LABEL_PUBLISHED = "label.published"
LABEL_WITHDRAWN = "label.withdrawn"
LABEL_DRAFT_DELETED = "label.draft_deleted"
SIGNED_OUT_EVERYWHERE = "security.signed_out"
SIGNED_OUT_EVERYONE = "security.signed_out_everyone"
RESET_FORCED = "security.reset_forced"
RESET_FORCED_EVERYONE = "security.reset_forced_everyone"
PASSWORD_SET = "security.password_set"  # by an operator, for an owner locked out of their account
KEYS_ROTATED = "security.keys_rotated"
ACCOUNT_DISABLED = "security.account_disabled"  # by an operator: signed out everywhere, no sign-in until enabled
ACCOUNT_ENABLED = "security.account_enabled"

# What changed an account or moved data out: the security report lists these beside the log-ins.
CHANGES = frozenset(
    {
        SIGNUP,
        ACCOUNT_CREATED,
        PASSWORD_CHANGED,
        EMAIL_CHANGED,
        DISPLAY_NAME_CHANGED,
        ACCOUNT_DELETED,
        DEVICE_CREATED,
        DEVICE_REVOKED,
        OAUTH_APP_CREATED,
        OAUTH_APP_DELETED,
        OAUTH_GRANTED,
        OAUTH_GRANT_REVOKED,
        OAUTH_TOKEN_REVOKED,
        OAUTH_REPLAY_REVOKED,
        LABEL_EXCLUSIVE_CREATED,
        ADMIN_PREMIUM_GRANTED,
        ADMIN_PREMIUM_REVOKED,
        ADMIN_CODES_CREATED,
        ADMIN_CAMPAIGN_CREATED,
        ADMIN_STATEMENT_CLOSED,
        LABEL_AVAILABILITY,
        LABEL_EDIT,
        LABEL_UPLOAD,
        LABEL_PUBLISHED,
        LABEL_WITHDRAWN,
        LABEL_DRAFT_DELETED,
        SIGNED_OUT_EVERYWHERE,
        SIGNED_OUT_EVERYONE,
        RESET_FORCED,
        RESET_FORCED_EVERYONE,
        PASSWORD_SET,
        KEYS_ROTATED,
        ACCOUNT_DISABLED,
        ACCOUNT_ENABLED,
    }
)
EXPORTS = frozenset({EXPORT_REQUESTED, EXPORT_DOWNLOADED})

# The operator's takedowns (`encore catalog withdraw | restore`): details name the album, its label and the reason.
CATALOG_WITHDRAWN = "catalog.withdrawn"
CATALOG_RESTORED = "catalog.restored"
CHANGES = CHANGES | {CATALOG_WITHDRAWN, CATALOG_RESTORED}

# Stripe refused for good to refund a subscription Encore ended as unwanted (a disputed charge): the money was
# not given back by Encore. Details name the invoice, the subscription and Stripe's reason; the subject is the
# account. In the admin audit log (`GET /api/admin/audit?kind=billing`, the admin page's Audit log) and the
# account's own security events; the webhook's log line says it too. Not an account change: not in the report.
BILLING_REFUND_NOT_MADE = "billing.refund_not_made"
# Stripe refused (or could not be reached) to end a subscription Encore will not apply (`billing.unwanted`): the
# delivery is refused, so Stripe brings it again and the cancel is asked again, but until one is taken the card
# may be charged for Premium the listener has already. Details name the subscription, Stripe's reason and the
# rule that has it ended (`why`); the subject is the account. Recorded once per subscription, in a transaction
# of its own (the delivery's is rolled back); shown where `billing.refund_not_made` is.
BILLING_CANCEL_REFUSED = "billing.cancel_refused"
