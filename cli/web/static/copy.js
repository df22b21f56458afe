// Copy buttons: hidden in the HTML (the page works without script), shown and wired here.  After a copy the
// button says so for two seconds, then takes its name back, ready for the next copy; when the browser
// refuses the clipboard, the text is selected instead, for the agent to copy by hand.
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  var source = document.getElementById(button.getAttribute("data-copy"));
  if (!source || !navigator.clipboard) { return; }
  var label = button.textContent;
  var timer = null;
  button.hidden = false;
  button.setAttribute("aria-live", "polite");  // the change of words is read out
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(source.textContent).then(function () {
      button.textContent = button.getAttribute("data-done");
      clearTimeout(timer);
      timer = setTimeout(function () { button.textContent = label; }, 2000);
    }, function () {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    });
  });
});
