"""Accounts: users, roles, passwords, sessions and login throttling."""

from encore.accounts._epochs import AuthEpoch, issue_epoch, live_credential, sign_out_account, sign_out_everyone
from encore.accounts._listen_tokens import (
    ListenTokenInfo,
    listen_token_info,
    regenerate_listen_token,
    user_for_listen_token,
)
from encore.accounts._models import AuthSession, ListenToken, LoginAttempt, Role, User
from encore.accounts._passwords import hash_password, verify_password
from encore.accounts._policy import (
    Decision,
    check_password,
    check_username,
    may_use_account,
    next_login_delay,
)
from encore.accounts._service import (
    LoginFailed,
    LoginOutcome,
    LoginThrottled,
    NewSession,
    authenticate,
    change_email,
    change_password,
    create_user,
    end_session,
    find_users,
    force_password_reset,
    get_active_user,
    get_user_by_name,
    start_session,
    user_for_token,
)
from encore.accounts._throttle import LoginThrottle, ThrottleLimits, Verdict

__all__ = [
    "AuthEpoch",
    "AuthSession",
    "Decision",
    "ListenToken",
    "ListenTokenInfo",
    "LoginAttempt",
    "LoginFailed",
    "LoginOutcome",
    "LoginThrottle",
    "LoginThrottled",
    "NewSession",
    "Role",
    "ThrottleLimits",
    "User",
    "Verdict",
    "authenticate",
    "change_email",
    "change_password",
    "check_password",
    "check_username",
    "create_user",
    "end_session",
    "find_users",
    "force_password_reset",
    "get_active_user",
    "get_user_by_name",
    "hash_password",
    "issue_epoch",
    "listen_token_info",
    "live_credential",
    "may_use_account",
    "next_login_delay",
    "regenerate_listen_token",
    "sign_out_account",
    "sign_out_everyone",
    "start_session",
    "user_for_listen_token",
    "user_for_token",
    "verify_password",
]
