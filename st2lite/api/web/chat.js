// The chat panel: commands go to the API as a chat bot sends them (POST
// /aliasexecution/match_and_execute with the user, channel and this page's notification route),
// the ack is the answer's message and extra (or the refusal's faultstring), and the result comes
// back as `st2.announcement__web` on the page's stream. `help [TEXT]` lists the aliases
// (GET /actionalias/help), as a bot's help command does. All text is shown as text.
"use strict";

var Chat = (function () {
  var ROUTE = "web";
  var CHANNEL = "history-page";
  var HELP = /^help(\s+(.*))?$/i;
  var state = {user: "", sent: [], recall: 0, onOpenExecution: null};

  var $ = Dom.byId;
  var element = Dom.element;

  // One chat line: who said it, then its text (URLs as links), with `extra` beside it.
  function say(kind, who, text, extra) {
    var line = element("li", "chat-line chat-" + kind);
    line.appendChild(element("span", "chat-who", who));
    var said = element("span", "chat-text");
    said.appendChild(Links.textWithLinks(text));
    line.appendChild(said);
    if (extra !== undefined && extra !== null && !(typeof extra === "object"
                                                   && Object.keys(extra).length === 0)) {
      if (typeof extra === "object" && typeof extra.color === "string") {
        line.style.borderLeftColor = extra.color;  // CSSOM: an invalid colour is ignored
      }
      line.appendChild(element("pre", "chat-extra",
                               typeof extra === "string" ? extra : JSON.stringify(extra)));
    }
    var log = $("chat-log");
    log.appendChild(line);
    log.scrollTop = log.scrollHeight;
    return line;
  }

  function openLink(line, executionId) {
    var open = element("button", "chat-open", "open");
    open.type = "button";
    open.dataset.id = executionId;
    open.addEventListener("click", function () {
      if (state.onOpenExecution) state.onOpenExecution(executionId);
    });
    line.appendChild(open);
  }

  function ack(result) {
    var execution = result.execution || {};
    var text = result.message
      || "Started " + ((execution.action && execution.action.ref) || "the action")
         + ": your execution ID is " + execution.id;
    var line = say("ack", "st2", text, result.extra);
    line.dataset.execution = execution.id || "";
    if (execution.id) openLink(line, execution.id);
  }

  function run(command) {
    return St2Api.post("/aliasexecution/match_and_execute", {
      command: command, user: state.user, source_channel: CHANNEL,
      notification_channel: CHANNEL, notification_route: ROUTE
    }).then(function (answer) {
      (answer.results || []).forEach(ack);
    });
  }

  function help(filter) {
    return St2Api.get("/actionalias/help", {filter: filter || ""}).then(function (answer) {
      var found = answer.body.helpstrings || [];
      if (!found.length) {
        say("ack", "st2", filter ? "No command matches \"" + filter + "\"." : "No commands.");
        return;
      }
      say("ack", "st2", found.map(function (entry) {
        return entry.display + (entry.description ? " - " + entry.description : "");
      }).join("\n"));
    });
  }

  function onSubmit(event) {
    event.preventDefault();
    var input = $("chat-input");
    var command = input.value.trim();
    if (!command) return;
    input.value = "";
    state.sent.push(command);
    state.recall = state.sent.length;
    say("mine", state.user, command);
    var asked = HELP.exec(command);
    (asked ? help(asked[2]) : run(command)).catch(function (error) {
      if (error.status === 401 && St2Api.token()) {
        window.dispatchEvent(new CustomEvent("st2lite:unauthorized", {detail: error.message}));
        return;
      }
      say("refused", "st2", "Refused: " + error.message);
    });
  }

  // Up and down walk through the commands sent from this tab, as in a shell.
  function onKey(event) {
    if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
    if (!state.sent.length) return;
    event.preventDefault();
    var step = event.key === "ArrowUp" ? -1 : 1;
    state.recall = Math.max(0, Math.min(state.sent.length, state.recall + step));
    $("chat-input").value = state.recall < state.sent.length ? state.sent[state.recall] : "";
  }

  // A result posted to this page's route for this user (other users' are theirs).
  function onAnnouncement(data) {
    var payload = (data && data.payload) || {};
    if (payload.user && payload.user !== state.user) return;
    say("result", "st2", payload.message, payload.extra);
  }

  function start(user, onOpenExecution) {
    state.user = user;
    state.onOpenExecution = onOpenExecution;
    $("chat-user").textContent = user;
  }

  function stop() {
    state.user = "";
    state.sent = [];
    state.recall = 0;
    $("chat-log").textContent = "";
    $("chat-input").value = "";
  }

  $("chat-form").addEventListener("submit", onSubmit);
  $("chat-input").addEventListener("keydown", onKey);

  return {EVENT: "st2.announcement__" + ROUTE, start: start, stop: stop,
          onAnnouncement: onAnnouncement};
})();
