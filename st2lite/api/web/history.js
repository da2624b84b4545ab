// The history page: login, the executions list (newest first, top-level only, filtered through
// the API's query parameters), one execution's detail with its children as a tree, and live
// updates from the stream. Data is only ever written with textContent, never as HTML.
"use strict";

(function () {
  var PAGE_SIZE = 50;
  var state = {filters: {}, selectedId: null, stream: null, detailTimer: null, total: 0};

  function $(id) { return document.getElementById(id); }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

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
    $("executions").tBodies[0].textContent = "";
    closeDetail();
    showLogin("Logged out.");
  }

  // An expired or revoked token shows the login again, with what the API said.
  function failed(where) {
    return function (error) {
      if (error.status === 401 && St2Api.token()) {
        St2Api.forgetToken();
        showLogin("Your session has ended (" + error.message + "): log in again.");
        return;
      }
      $(where).textContent = error.message;
    };
  }

  // --- list --------------------------------------------------------------------------------

  function listQuery() {
    var query = {parent: "null", limit: PAGE_SIZE, sort_desc: "true",
                 exclude_attributes: "result,trigger_instance"};
    Object.keys(state.filters).forEach(function (name) { query[name] = state.filters[name]; });
    return query;
  }

  function loadList() {
    $("list-error").textContent = "";
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
    return !execution.parent && (!f.action || f.action === actionOf(execution))
      && (!f.status || f.status === execution.status) && (!f.user || f.user === userOf(execution));
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

  function onFilter(event) {
    event.preventDefault();
    state.filters = {};
    [["action", "filter-action"], ["status", "filter-status"], ["user", "filter-user"]]
      .forEach(function (pair) {
        var value = $(pair[1]).value.trim();
        if (value) state.filters[pair[0]] = value;
      });
    loadList();
  }

  function onClearFilters() {
    $("filter-action").value = "";
    $("filter-status").value = "";
    $("filter-user").value = "";
    state.filters = {};
    loadList();
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
    $("detail-result").textContent = pretty(execution.result);
    $("detail-children-block").hidden = children.length === 0;
    var tree = $("detail-children");
    tree.textContent = "";
    childTree(execution.id, children).forEach(function (node) { tree.appendChild(node); });
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

  function startStream() {
    stopStream();
    if ($("history").hidden) return;
    state.stream = St2Api.executionEvents(onExecutionEvent, function (connected) {
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
  start();
})();
