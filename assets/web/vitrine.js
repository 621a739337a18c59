// The live view: plays the show's frames and calls the control API.
// A token (when the show has one) comes in the page's address as #token=…, which browsers
// never send to the server; it goes in the Authorization header and the WebSocket's ?token=.
"use strict";
(function () {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromHash) {
    sessionStorage.setItem("vitrine-token", fromHash);
    history.replaceState(null, "", location.pathname);
  }
  const token = sessionStorage.getItem("vitrine-token");
  const $ = (id) => document.getElementById(id);
  let paused = false;

  const wsUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws" +
    (token ? "?token=" + encodeURIComponent(token) : "");
  window.vitrinePlayer = AsciinemaPlayer.create(
    { driver: "websocket", url: wsUrl, bufferTime: 0 },
    $("player"),
    { fit: "width", autoPlay: true, controls: false, theme: "asciinema" }
  );

  async function api(command, fields) {
    const headers = { "Content-Type": "application/json" };
    if (token) headers["Authorization"] = "Bearer " + token;
    const init = command === "status" ? { headers } :
      { method: "POST", headers, body: JSON.stringify(fields || {}) };
    try {
      const response = await fetch("/api/" + command, init);
      const reply = await response.json();
      $("error").textContent = reply.ok ? "" : reply.error;
      if (reply.status) show(reply.status);
      return reply;
    } catch (err) {
      $("error").textContent = "cannot reach the show: " + err;
    }
  }

  function show(status) {
    paused = status.paused;
    $("pause").textContent = paused ? "▶ resume" : "❚❚ pause";
    let text;
    if (status.dark) {
      text = "dark: " + status.dark;
    } else if (status.say) {
      text = "saying “" + status.say.text + "” (" + Math.ceil(status.say.time_left) + " s left)";
    } else {
      text = "item " + status.item + "/" + status.items + ": " + status.effect +
        " — “" + status.message + "”" +
        (status.time_left != null ? " — next in " + Math.ceil(status.time_left) + " s" : "") +
        (paused ? " — paused" : "");
    }
    $("now").textContent = text;
    $("now").dataset.effect = status.effect;
    $("now").dataset.item = status.item;
  }

  $("prev").addEventListener("click", () => api("prev"));
  $("next").addEventListener("click", () => api("next"));
  $("pause").addEventListener("click", () => api(paused ? "resume" : "pause"));
  $("clear").addEventListener("click", () => api("clear"));
  $("say").addEventListener("submit", (event) => {
    event.preventDefault();
    const fields = { text: $("say-text").value };
    if ($("say-for").value.trim()) fields.for = $("say-for").value.trim();
    api("say", fields);
  });
  api("status");
  setInterval(() => api("status"), 1000);
})();
