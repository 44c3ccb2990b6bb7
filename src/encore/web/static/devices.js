// "Apps and devices" (settings): app passwords for Subsonic apps. Says what to type into an app (server URL,
// username), offers the server URL as a QR code for phones, and shows a new device's secrets once, in a modal
// dialog above everything (the player bar included) until the listener closes it.
import { api } from "./api.js";
import { h, named, shownOnceDialog } from "./dom.js";
import { failed } from "./offline.js";
import { section } from "./views.js";

export function copyLine(label, value) {
  return h("p", { class: "secret-line" }, h("span", { text: `${label}: ` }), h("code", { text: value || "" }),
    h("button", { type: "button", class: "ghost", text: "Copy", "aria-label": `Copy ${label}`, onclick: () => navigator.clipboard.writeText(value).catch(() => {}) }));
}

function secretDialog(connect, device) {
  const title = ["Connect “", named(device.name), "”"];
  return shownOnceDialog({ id: "device-dialog-title", title, what: "password", done: "I have copied them" },
    copyLine("Server URL", connect.server_url), copyLine("Username", connect.username),
    copyLine("App password", device.app_password),
    h("p", { class: "card-sub", text: "Apps that support the OpenSubsonic API key need no username or password:" }),
    copyLine("API key", device.api_key));
}

export async function devicesSection() {
  const list = h("ul", { class: "devices" });
  const error = h("p", { class: "form-error", role: "alert" });
  const load = async () => {
    const data = await api("/api/me/devices");
    list.replaceChildren(...data.items.map((d) => h("li", {}, h("span", { text: d.name }),
      h("span", { class: "card-sub", text: d.last_used_at ? `last used ${d.last_used_at.slice(0, 10)}` : "never used" }),
      h("button", { type: "button", class: "ghost danger", text: "Revoke", "aria-label": `Revoke ${d.name}`, onclick: async () => {
        error.textContent = ""; // a refusal is said under the list, not lost as an unhandled rejection
        try { await api(`/api/me/devices/${encodeURIComponent(d.id)}`, { method: "DELETE" }); await load(); } catch (err) { error.textContent = failed(err, "Revoking"); }
      } }))));
    if (!data.items.length) list.append(h("li", { class: "empty", text: "No apps connected." }));
  };
  const [connect] = await Promise.all([api("/api/me/devices/connect"), load()]);
  const how = h("div", { class: "connect-how" },
    h("img", { src: "/api/me/devices/connect/qr.svg", alt: `QR code of the server URL ${connect.server_url}`, width: 148, height: 148, class: "connect-qr" }),
    h("div", {},
      h("p", { text: "In a Subsonic app (Symfonium, DSub, Substreamer…), add a server with:" }),
      copyLine("Server URL", connect.server_url), copyLine("Username", connect.username),
      h("p", { class: "card-sub", text: "Password: an app password made below, one per device. Scan the code with your phone to open the server address." })));
  const name = h("input", { id: "device-name", maxlength: 100, required: true, placeholder: "e.g. Phone (DSub)" });
  const form = h("form", { class: "inline-form", onsubmit: async (e) => {
    e.preventDefault();
    error.textContent = "";
    try {
      const d = await api("/api/me/devices", { method: "POST", body: { name: name.value } });
      name.value = "";
      secretDialog(connect, d);
      load();
    } catch (err) { error.textContent = failed(err); }
  } }, h("label", { for: "device-name", text: "Connect an app (Subsonic)" }), name, h("button", { type: "submit", class: "ghost", text: "Create app password" }));
  return section("Apps and devices", how, list, form, error);
}
