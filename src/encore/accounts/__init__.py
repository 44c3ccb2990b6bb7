"""Accounts: users, roles, passwords, sessions and login throttling."""

from encore.accounts._listen_tokens import (
    ListenTokenInfo,
    listen_token_info,
    regenerate_listen_token,
    user_for_listen_token,
)
from encore.accounts._models import AuthSession, ListenToken, LoginAttempt, Role, User
from encore.accounts._passwords import hash_password, verify_password
from encore.accounts._policy import Decision, check_password, check_username, may_attempt_login
from encore.accounts._service import (
    LoginFailed,
    LoginLimits,
    LoginOutcome,
    LoginThrottled,
    NewSession,
    authenticate,
    create_user,
    end_session,
    find_users,
    get_active_user,
    get_user_by_name,
    start_session,
    user_for_token,
)

__all__ = [
    "AuthSession",
    "Decision",
    "ListenToken",
    "ListenTokenInfo",
    "LoginAttempt",
    "LoginFailed",
    "LoginLimits",
    "LoginOutcome",
    "LoginThrottled",
    "NewSession",
    "Role",
    "User",
    "authenticate",
    "check_password",
    "check_username",
    "create_user",
    "end_session",
    "find_users",
    "get_active_user",
    "get_user_by_name",
    "hash_password",
    "listen_token_info",
    "may_attempt_login",
    "regenerate_listen_token",
    "start_session",
    "user_for_listen_token",
    "user_for_token",
    "verify_password",
]
