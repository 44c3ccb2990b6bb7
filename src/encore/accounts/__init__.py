"""Accounts: users, roles, passwords, sessions and login throttling."""

from encore.accounts._listen_tokens import (
    ListenTokenInfo,
    listen_token_info,
    regenerate_listen_token,
    user_for_listen_token,
)
from encore.accounts._models import AuthSession, ListenToken, LoginAttempt, Role, User
from encore.accounts._passwords import hash_password, verify_password
from encore.accounts._policy import Decision, check_password, check_username, next_login_delay
from encore.accounts._service import (
    LoginFailed,
    LoginOutcome,
    LoginThrottled,
    NewSession,
    authenticate,
    create_user,
    end_session,
    get_active_user,
    get_user_by_name,
    start_session,
    user_for_token,
)
from encore.accounts._throttle import LoginThrottle, ThrottleLimits, Verdict

__all__ = [
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
    "check_password",
    "check_username",
    "create_user",
    "end_session",
    "get_active_user",
    "get_user_by_name",
    "hash_password",
    "listen_token_info",
    "next_login_delay",
    "regenerate_listen_token",
    "start_session",
    "user_for_listen_token",
    "user_for_token",
    "verify_password",
]
