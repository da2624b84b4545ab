// The history page: login, the executions list (newest first, top-level only, filtered through
// the API's query parameters, the filters kept in the page's URL), one execution's detail with
// its children as a tree, live updates from the stream, and the chat panel (chat.js). Data is
// only ever written with textContent, never as HTML.
"use strict";

(function () {
  var PAGE_SIZE = 50;
  var RANGES = {"1h": 3600e3, "1d": 86400e3, "7d": 7 * 86400e3};
  var FILTER_FIELDS = ["action", "status", "user", "range", "from", "to"];
  var TIME_TEXT = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
  var state = {filters: {}, selectedId: null, stream: null, detailTimer: null, total: 0};

  var $ = Dom.byId;
  var element = Dom.element;

  function statusNode(tag, status) {
    return element(tag, "status status-" + status, status);
  }

  function shortTime(iso) {
    return iso ? String(iso).replace("T", " ").replace(/\.\d+/, "").replace(/(Z|\+00:00)$/, "")
               : "";
  }

  function userOf(execution) {
    return (execution.context && execution.context.user) || "";
  }

  function actionOf(execution) {
    return (execution.action && execution.action.ref) || "";
  }

  function pretty(value) {
    return value === undefined ? "" : JSON.stringify(value, null, 2);
  }

  // --- session ---------------------------------------------------------------------------

  function showLogin(message) {
    stopStream();
    $("history").hidden = true;
    $("session").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = message || "";
    $("login-user").focus();
  }

  function showHistory(user, authOn) {
    $("login").hidden = true;
    $("history").hidden = false;
    $("session").hidden = false;
    $("whoami").textContent = user;
    $("logout").hidden = !authOn;
    Chat.start(user, openDetail);
    loadFilterMenus();
    loadList().then(startStream);
  }

  // Who is this tab? With auth off the API answers without a token (no login, no logout).
  function start() {
    St2Api.get("/user").then(function (answer) {
      showHistory(answer.body.username, Boolean(St2Api.token()));
    }, function (error) {
      if (error.status === 401) {
        var hadToken = Boolean(St2Api.token());
        St2Api.forgetToken();
        showLogin(hadToken ? "Your session has ended: log in again." : "");
      } else {
        showLogin("The API did not answer: " + error.message);
      }
    });
  }

  function onLogin(event) {
    event.preventDefault();
    $("login-error").textContent = "";
    St2Api.login($("login-user").value, $("login-password").value).then(function () {
      $("login-password").value = "";
      start();
    }, function (error) {
      $("login-error").textContent = "Login failed: " + error.message;
    });
  }

  function onLogout() {
    St2Api.forgetToken();
    Chat.stop();
    $("executions").tBodies[0].textContent = "";
    closeDetail();
    showLogin("Logged out.");
  }

  // An expired or revoked token shows the login again, with what the API said.
  function failed(where) {
    return function (error) {
      if (error.status === 401 && St2Api.token()) {
        sessionEnded(error.message);
        return;
      }
      $(where).textContent = error.message;
    };
  }

  function sessionEnded(reason) {
    St2Api.forgetToken();
    Chat.stop();
    showLogin("Your session has ended (" + reason + "): log in again.");
  }

  // --- list --------------------------------------------------------------------------------

  // A time as typed (UTC unless it names a zone) as ISO 8601 for the API.
  function isoTime(text) {
    var iso = text.replace(" ", "T");
    if (iso.length === 10) iso += "T00:00:00";
    return /(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : iso + "Z";
  }

  // The API's timestamp_gt/timestamp_lt for the time filter: a quick range counts back from
  // now (so a shared "last hour" link means the last hour when it is opened).
  function timeQuery(filters) {
    if (RANGES[filters.range]) {
      return {timestamp_gt: new Date(Date.now() - RANGES[filters.range]).toISOString()};
    }
    if (filters.range !== "between") return {};
    return {timestamp_gt: filters.from ? isoTime(filters.from) : undefined,
            timestamp_lt: filters.to ? isoTime(filters.to) : undefined};
  }

  function listQuery() {
    var query = {parent: "null", limit: PAGE_SIZE, sort_desc: "true",
                 exclude_attributes: "result,trigger_instance",
                 action: state.filters.action, status: state.filters.status,
                 user: state.filters.user};
    var times = timeQuery(state.filters);
    Object.keys(times).forEach(function (name) { query[name] = times[name]; });
    return query;
  }

  function badTime(filters) {
    if (filters.range !== "between") return "";
    return [["From", filters.from], ["To", filters.to]].filter(function (pair) {
      return pair[1] && !TIME_TEXT.test(pair[1]);
    }).map(function (pair) {
      return pair[0] + ": \"" + pair[1] + "\" is not a time; write it as YYYY-MM-DD HH:MM:SS"
        + " (UTC), e.g. 2024-05-01 12:00:00";
    }).join(" ");
  }

  function loadList() {
    $("list-error").textContent = "";
    var problem = badTime(state.filters);
    if (problem) {
      $("list-error").textContent = problem;
      return Promise.resolve();
    }
    return St2Api.get("/executions", listQuery()).then(function (answer) {
      var body = $("executions").tBodies[0];
      body.textContent = "";
      answer.body.forEach(function (execution) { body.appendChild(row(execution)); });
      state.total = answer.total === null ? answer.body.length : Number(answer.total);
      showCount();
    }, failed("list-error"));
  }

  function showCount() {
    var shown = $("executions").tBodies[0].rows.length;
    $("list-count").textContent = shown + " of " + state.total + " executions";
  }

  function row(execution) {
    var tr = element("tr");
    tr.dataset.id = execution.id;
    fillRow(tr, execution);
    tr.addEventListener("click", function () { openDetail(execution.id); });
    if (execution.id === state.selectedId) tr.classList.add("selected");
    return tr;
  }

  function fillRow(tr, execution) {
    tr.textContent = "";
    tr.dataset.status = execution.status;
    tr.appendChild(element("td", "action", actionOf(execution)));
    tr.appendChild(statusNode("td", execution.status));
    tr.appendChild(element("td", "user", userOf(execution)));
    tr.appendChild(element("td", "started", shortTime(execution.start_timestamp)));
  }

  function matchesFilters(execution) {
    var f = state.filters;
    var before = timeQuery(f).timestamp_lt;
    return !execution.parent && (!f.action || f.action === actionOf(execution))
      && (!f.status || f.status === execution.status) && (!f.user || f.user === userOf(execution))
      && (!before || Date.parse(execution.start_timestamp) < Date.parse(before));
  }

  function fillDatalist(id, values) {
    var list = $(id);
    list.textContent = "";
    (values || []).forEach(function (value) {
      var option = element("option");
      option.value = value;
      list.appendChild(option);
    });
  }

  function loadFilterMenus() {
    St2Api.get("/executions/views/filters").then(function (answer) {
      fillDatalist("actions-seen", answer.body.action);
      fillDatalist("users-seen", answer.body.user);
    }, function () { /* the menus only help typing: the filters work without them */ });
  }

  // --- filters, kept in the page's URL (?action=&status=&user=&range=&from=&to=) ----------

  function filtersFromForm() {
    var filters = {};
    FILTER_FIELDS.forEach(function (name) {
      var value = $("filter-" + name).value.trim();
      if (value) filters[name] = value;
    });
    if (filters.range !== "between") {
      delete filters.from;
      delete filters.to;
    }
    return filters;
  }

  function showFilters(filters) {
    FILTER_FIELDS.forEach(function (name) { $("filter-" + name).value = filters[name] || ""; });
    showTimeInputs();
  }

  function showTimeInputs() {
    var between = $("filter-range").value === "between";
    $("filter-from-label").hidden = !between;
    $("filter-to-label").hidden = !between;
  }

  function filtersFromUrl() {
    var search = new URLSearchParams(window.location.search);
    var filters = {};
    FILTER_FIELDS.forEach(function (name) {
      if (search.get(name)) filters[name] = search.get(name);
    });
    return filters;
  }

  function keepFiltersInUrl(filters) {
    var search = new URLSearchParams();
    FILTER_FIELDS.forEach(function (name) {
      if (filters[name]) search.set(name, filters[name]);
    });
    var query = search.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
  }

  function applyFilters(filters) {
    state.filters = filters;
    showFilters(filters);
    keepFiltersInUrl(filters);
    loadList();
  }

  function onFilter(event) {
    event.preventDefault();
    applyFilters(filtersFromForm());
  }

  function onClearFilters() {
    applyFilters({});
  }

  // --- detail ------------------------------------------------------------------------------

  function closeDetail() {
    state.selectedId = null;
    $("detail").hidden = true;
  }

  function openDetail(id) {
    state.selectedId = id;
    Array.prototype.forEach.call($("executions").tBodies[0].rows, function (tr) {
      tr.classList.toggle("selected", tr.dataset.id === id);
    });
    return Promise.all([St2Api.get("/executions/" + id),
                        St2Api.get("/executions/" + id + "/children", {depth: -1}),
                        St2Api.get("/executions/" + id + "/output")])
      .then(function (answers) {
        if (state.selectedId !== id) return;
        showDetail(answers[0].body, answers[1].body);
        $("detail-output").textContent = answers[2].body;
        $("detail-output-block").hidden = !answers[2].body;
      }, failed("list-error"));
  }

  function showDetail(execution, children) {
    $("detail").hidden = false;
    $("detail").dataset.id = execution.id;
    $("detail-action").textContent = actionOf(execution);
    var status = $("detail-status");
    status.textContent = execution.status;
    status.className = "status status-" + execution.status;
    $("detail-id").textContent = execution.id;
    $("detail-user").textContent = userOf(execution);
    $("detail-start").textContent = shortTime(execution.start_timestamp);
    $("detail-elapsed").textContent = execution.elapsed_seconds === undefined ? "still running"
      : execution.elapsed_seconds.toFixed(2) + " s";
    $("detail-parameters").textContent = pretty(execution.parameters);
    showResult(execution.result);
    $("detail-children-block").hidden = children.length === 0;
    var tree = $("detail-children");
    tree.textContent = "";
    childTree(execution.id, children).forEach(function (node) { tree.appendChild(node); });
  }

  // The result as JSON with its http(s) URLs as links, and any environment report in it as a
  // table of its apps (state, URL, checks, logs).
  function showResult(result) {
    var reports = $("detail-reports");
    reports.textContent = "";
    Links.reportsIn(result).forEach(function (report) {
      reports.appendChild(Links.reportTable(report));
    });
    var shown = $("detail-result");
    shown.textContent = "";
    shown.appendChild(Links.textWithLinks(pretty(result)));
  }

  // The children list is flat (depth first); each one names its parent.
  function childTree(rootId, children) {
    var byParent = {};
    children.forEach(function (child) {
      (byParent[child.parent] = byParent[child.parent] || []).push(child);
    });
    function nodes(parentId) {
      return (byParent[parentId] || []).map(function (child) {
        var li = element("li", "node");
        li.dataset.id = child.id;
        li.dataset.status = child.status;
        var orquesta = (child.context && child.context.orquesta) || {};
        var label = element("span", "label");
        label.appendChild(element("span", "task", orquesta.task_name || actionOf(child)));
        if (orquesta.item_id !== undefined && orquesta.item_id !== null) {
          label.appendChild(element("span", "item", " [item " + orquesta.item_id + "]"));
        }
        label.appendChild(element("span", "ref", " " + actionOf(child) + " "));
        label.appendChild(statusNode("span", child.status));
        if (child.elapsed_seconds !== undefined) {
          label.appendChild(element("span", "muted", " " + child.elapsed_seconds.toFixed(2)
                                                     + " s"));
        }
        label.addEventListener("click", function (event) {
          event.stopPropagation();
          openDetail(child.id);
        });
        li.appendChild(label);
        var below = nodes(child.id);
        if (below.length) {
          var ul = element("ul");
          below.forEach(function (node) { ul.appendChild(node); });
          li.appendChild(ul);
        }
        return li;
      });
    }
    return nodes(rootId);
  }

  // --- live updates ------------------------------------------------------------------------

  function onExecutionEvent(name, execution) {
    var tr = document.querySelector('#executions tbody tr[data-id="' + execution.id + '"]');
    if (tr) {
      fillRow(tr, execution);
    } else if (name === "st2.execution__create" && matchesFilters(execution)) {
      var body = $("executions").tBodies[0];
      body.insertBefore(row(execution), body.firstChild);
      state.total += 1;
      showCount();
    }
    if (state.selectedId && (execution.id === state.selectedId || execution.parent)) {
      refreshDetailSoon();  // the shown execution or possibly one of its tasks changed
    }
  }

  // Coalesces a burst of events (a workflow's tasks) into one reload of the detail.
  function refreshDetailSoon() {
    if (state.detailTimer) return;
    state.detailTimer = window.setTimeout(function () {
      state.detailTimer = null;
      if (state.selectedId) openDetail(state.selectedId);
    }, 200);
  }

  // Output as it is written, when the stream sends it (st2.execution.output__create).
  function onOutputEvent(output) {
    if (!output || output.execution_id !== state.selectedId) return;
    $("detail-output").textContent += output.data || "";
    $("detail-output-block").hidden = !$("detail-output").textContent;
  }

  // Execution events and this page's own chat route only: never a chat bot's route, whose
  // kept results a listener of it would take.
  function streamHandlers() {
    var handlers = {};
    handlers["st2.execution__create"] = function (data) {
      onExecutionEvent("st2.execution__create", data);
    };
    handlers["st2.execution__update"] = function (data) {
      onExecutionEvent("st2.execution__update", data);
    };
    handlers["st2.execution.output__create"] = onOutputEvent;
    handlers[Chat.event()] = Chat.onAnnouncement;
    return handlers;
  }

  function startStream() {
    stopStream();
    if ($("history").hidden) return;
    state.stream = St2Api.events(streamHandlers(), function (connected) {
      $("live").classList.toggle("on", connected);
      $("live").title = connected ? "live" : "reconnecting to the stream";
    });
  }

  function stopStream() {
    if (state.stream) state.stream.close();
    state.stream = null;
    $("live").classList.remove("on");
  }

  $("login").addEventListener("submit", onLogin);
  $("logout").addEventListener("click", onLogout);
  $("filters").addEventListener("submit", onFilter);
  $("filter-clear").addEventListener("click", onClearFilters);
  $("filter-range").addEventListener("change", showTimeInputs);
  window.addEventListener("st2lite:unauthorized", function (event) { sessionEnded(event.detail); });
  state.filters = filtersFromUrl();
  showFilters(state.filters);
  start();
})();
