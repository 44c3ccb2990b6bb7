// A refused form says what is wrong next to the field it is about: the server's per-field sentences
// (`error.fields`) or, for the rules only the server knows (a taken username), its error code.
import { h } from "./dom.js";
import { failed } from "./offline.js";

const CODE_FIELD = { bad_username: "username", username_taken: "username", bad_password: "password" };

// inputs: { fieldName: <input> }; summary: the form's role=alert line for anything not about one field.
export function showFieldErrors(inputs, summary, err) {
  clearFieldErrors(inputs, summary);
  const fields = { ...(err.fields || {}) };
  if (CODE_FIELD[err.code] && !fields[CODE_FIELD[err.code]]) fields[CODE_FIELD[err.code]] = err.message;
  let shown = 0;
  for (const [name, message] of Object.entries(fields)) {
    const input = inputs[name];
    if (!input) continue;
    const note = h("p", { class: "field-error", id: `${input.id}-error`, text: message });
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", note.id);
    input.after(note);
    if (!shown) input.focus();
    shown += 1;
  }
  summary.textContent = shown ? "Please check the highlighted fields." : failed(err); // offline: not "Failed to fetch"
}

export function clearFieldErrors(inputs, summary) {
  summary.textContent = "";
  for (const input of Object.values(inputs)) {
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
    const old = document.getElementById(`${input.id}-error`);
    if (old) old.remove();
  }
}
