// Log in, or sign up (/login?mode=signup). On success the app continues to ?next= (same-origin paths only).

import { api } from "../api.js";
import { h } from "../dom.js";
import { app } from "../state.js";

function field(label, input) {
  return h("label", { class: "field" }, h("span", { class: "field-label", text: label }), input);
}

export function safeNext(query) {
  const next = query.get("next") ?? "/";
  return next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : "/";
}

export async function loginView({ query }) {
  const signup = query.get("mode") === "signup";
  document.title = signup ? "Sign up – Encore" : "Log in – Encore";
  const next = safeNext(query);
  const username = h("input", { name: "username", autocomplete: "username", required: true, maxlength: 64, "aria-label": "Username" });
  const password = h("input", {
    name: "password", type: "password", required: true, minlength: signup ? 8 : null, maxlength: 1024,
    autocomplete: signup ? "new-password" : "current-password", "aria-label": "Password",
  });
  const displayName = signup ? h("input", { name: "display_name", autocomplete: "nickname", maxlength: 100, "aria-label": "Display name" }) : null;
  const error = h("p", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "button primary", text: signup ? "Create account" : "Log in" });

  const form = h("form", { class: "auth-form", novalidate: true },
    field("Username", username),
    displayName ? field("Display name (optional)", displayName) : null,
    field("Password", password),
    error,
    submit);

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    if (!username.value.trim() || !password.value) {
      error.textContent = "Enter your username and password.";
      return;
    }
    submit.disabled = true;
    try {
      const result = signup
        ? await api.signup({ username: username.value.trim(), password: password.value, display_name: displayName.value.trim() || null })
        : await api.login(username.value.trim(), password.value);
      app.user = result.user;
      window.dispatchEvent(new CustomEvent("encore:signedin"));
      app.router.navigate(next, { replace: true });
    } catch (err) {
      error.textContent = err.status === 401 ? "Wrong username or password." : err.message;
      submit.disabled = false;
      password.select();
    }
  });

  const nextQuery = next !== "/" ? `&next=${encodeURIComponent(next)}` : "";
  const switchLink = signup
    ? h("p", { class: "switch" }, "Already have an account? ", h("a", { href: `/login?mode=login${nextQuery}`, text: "Log in" }))
    : h("p", { class: "switch" }, "New to Encore? ", h("a", { href: `/login?mode=signup${nextQuery}`, text: "Create an account" }));

  return h("div", { class: "auth" },
    h("div", { class: "auth-card" },
      h("img", { src: "/static/logo.svg", alt: "", width: 56, height: 56, class: "auth-logo" }),
      h("h1", { text: signup ? "Create your account" : "Log in to Encore" }),
      h("p", { class: "dim", text: "Your music, on your own server." }),
      form,
      switchLink));
}
