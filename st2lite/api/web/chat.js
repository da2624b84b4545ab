// The chat panel: commands go to the API as a chat bot sends them (POST
// /aliasexecution/match_and_execute with the user, channel and this page's notification route),
// the ack is the answer's message and extra (or the refusal's faultstring), and the result comes
// back as `st2.announcement__web-USER` on the page's stream. `help [TEXT]` lists the aliases
// (GET /actionalias/help), as a bot's help command does. All text is shown as text.
// The route is the user's own (`web-USER`; rule chatops.notify-web takes every `web-` route):
// results kept while a user has no page open wait for that user's page, never another's.
"use strict";

var Chat = (function () {
  var ROUTE_PREFIX = "web-";
  var CHANNEL = "history-page";
  var HELP = /^help(\s+(.*))?$/i;
  var TAB = Math.random().toString(36).slice(2);
  var state = {user: "", sent: [], recall: 0, onOpenExecution: null, commands: 0,
               acking: {}, early: {}};

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

  // The command goes with an id of its own as `source_context`, which comes back in the
  // result's `context`: a result that overtakes its ack waits for it.
  function run(command) {
    state.commands += 1;
    var id = TAB + "-" + state.commands;
    state.acking[id] = true;
    return St2Api.post("/aliasexecution/match_and_execute", {
      command: command, user: state.user, source_channel: CHANNEL,
      notification_channel: CHANNEL, notification_route: route(), source_context: {id: id}
    }).then(function (answer) {
      (answer.results || []).forEach(ack);
    }).finally(function () {
      delete state.acking[id];
      (state.early[id] || []).forEach(showResult);
      delete state.early[id];
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

  // A result posted to this user's route (a payload naming another user is not for this page).
  function onAnnouncement(data) {
    var payload = (data && data.payload) || {};
    if (payload.user && payload.user !== state.user) return;
    var id = payload.context && payload.context.id;
    if (id && state.acking[id]) {
      (state.early[id] = state.early[id] || []).push(payload);
      return;
    }
    showResult(payload);
  }

  function route() {
    return ROUTE_PREFIX + state.user;
  }

  // The stream event of this user's results (set once start() knows the user).
  function event() {
    return "st2.announcement__" + route();
  }

  function showResult(payload) {
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
    state.acking = {};
    state.early = {};
    $("chat-log").textContent = "";
    $("chat-input").value = "";
  }

  $("chat-form").addEventListener("submit", onSubmit);
  $("chat-input").addEventListener("keydown", onKey);

  return {event: event, start: start, stop: stop, onAnnouncement: onAnnouncement};
})();
