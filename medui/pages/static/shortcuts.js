// medui keyboard shortcuts for Correggi: 1-9 pick the label of new mentions (outside a text field),
// Alt+S saves, Alt+A accepts the prediction as it is, Alt+N skips to the next one.
document.addEventListener("keydown", (event) => {
  if (!/\/correggi\/?$/.test(window.location.pathname)) return;
  const target = event.target;
  const typing = target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))
    && target.type !== "radio";
  if (event.altKey && !event.ctrlKey && !event.metaKey) {
    const button = { KeyS: "correggi-salva", KeyA: "correggi-accetta", KeyN: "correggi-salta" }[event.code];
    if (button && document.getElementById(button)) {
      event.preventDefault();
      document.getElementById(button).click();
    }
    return;
  }
  if (typing || event.ctrlKey || event.metaKey || !/^Digit[1-9]$/.test(event.code)) return;
  const choices = document.querySelectorAll("#correggi-etichetta input[type=radio]");
  const choice = choices[Number(event.code.slice(5)) - 1];
  if (choice) {
    event.preventDefault();
    choice.click();
  }
});
