// The console's only script, and optional: a form with data-confirm asks in a dialog and, when
// the user agrees, posts confirmed=1 so the server skips its own confirmation page. Without
// script the server asks on a page of its own.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (!question) return;
  if (!window.confirm(question)) {
    event.preventDefault();
    return;
  }
  const input = document.createElement("input");
  input.type = "hidden";
  input.name = "confirmed";
  input.value = "1";
  form.appendChild(input);
});
