// A field's error shown under it and tied to it (aria-invalid, aria-describedby), so
// screen readers announce it with the field. "form" is the form-wide error line.

export function showFieldError(field, message) {
  const shown = document.getElementById(`${field}-error`);
  shown.textContent = message;
  shown.hidden = !message;
  const input = document.getElementById(field)
    ?? document.querySelector(`[aria-describedby~="${field}-error"]`);
  if (input) input.toggleAttribute("aria-invalid", Boolean(message));
}

export function clearErrors(form) {
  for (const shown of form.querySelectorAll(".field-error, .form-error")) {
    showFieldError(shown.id.replace(/-error$/, ""), "");
  }
}
