// Links in untrusted text and results: only http(s) URLs become links (never javascript: or
// data:), always built as elements with textContent, never as HTML. An execution's result is
// shown as JSON with its URLs clickable, and an environment report in it (qaeci's env_up,
// env_report, env_status: {env, apps: {APP: {status, url, ...}}}) also as a table of its apps.
"use strict";

var Links = (function () {
  var URL_IN_TEXT = /https?:\/\/[^\s"'<>\\`]+/gi;
  var TRAILING_PUNCTUATION = /[.,;:!?)\]}]+$/;
  var SEARCH_DEPTH = 4;

  var element = Dom.element;

  // The URL if `value` is one http(s) URL, else null.
  function safeUrl(value) {
    if (typeof value !== "string" || !/^https?:\/\/\S+$/i.test(value)) return null;
    try {
      var parsed = new URL(value);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (ignored) {
      return null;
    }
  }

  function link(url, text) {
    var anchor = element("a", "link", text === undefined ? url : text);
    anchor.href = url;
    anchor.target = "_blank";
    anchor.rel = "noopener noreferrer";
    return anchor;
  }

  // `text` as text nodes, with each http(s) URL in it as a link.
  function textWithLinks(text) {
    var fragment = document.createDocumentFragment();
    var rest = String(text === undefined || text === null ? "" : text);
    var done = 0;
    rest.replace(URL_IN_TEXT, function (found, at) {
      var url = found.replace(TRAILING_PUNCTUATION, "");
      var safe = safeUrl(url);
      if (!safe) return found;
      fragment.appendChild(document.createTextNode(rest.slice(done, at)));
      fragment.appendChild(link(safe, url));
      done = at + url.length;
      return found;
    });
    fragment.appendChild(document.createTextNode(rest.slice(done)));
    return fragment;
  }

  // --- environment reports -----------------------------------------------------------------

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  function isReport(value) {
    if (!isObject(value) || !isObject(value.apps)) return false;
    var apps = Object.keys(value.apps);
    return apps.length > 0 && apps.every(function (code) {
      return isObject(value.apps[code]) && typeof value.apps[code].status === "string";
    });
  }

  // The environment reports in a result, outermost first (an env_up result holds its
  // report in `output`, a python action's in `result`).
  function reportsIn(value, depth) {
    if (depth === undefined) depth = SEARCH_DEPTH;
    if (!isObject(value) || depth < 0) return [];
    if (isReport(value)) return [value];
    return Object.keys(value).reduce(function (found, key) {
      return found.concat(reportsIn(value[key], depth - 1));
    }, []);
  }

  function checksText(app) {
    var check = app.last_check;
    if (isObject(check)) {
      return (check.ok ? "passed" : "failed" + (check.reason ? ": " + check.reason : ""))
        + (check.at ? " (" + check.at + ")" : "");
    }
    if (app.status === "healthy") return "passed";
    return [app.stage, app.reason].filter(Boolean).join(": ");
  }

  // What the app's entry offers for its log: http(s) links (its `links`, a `log_url`), a
  // log file's path, the log's last lines.
  function logCell(app) {
    var cell = element("td", "logs");
    var named = isObject(app.links) ? app.links : {};
    Object.keys(named).sort().forEach(function (name) {
      var url = safeUrl(named[name]);
      if (url) cell.appendChild(link(url, name));
    });
    var logUrl = safeUrl(app.log_url);
    if (logUrl) cell.appendChild(link(logUrl, "log"));
    if (typeof app.log_path === "string" && app.log_path) {
      cell.appendChild(element("code", "log-path", app.log_path));
    }
    if (typeof app.log_tail === "string" && app.log_tail) {
      var details = element("details", "log-tail");
      details.appendChild(element("summary", null, "log tail"
                                  + (app.log_of ? " (" + app.log_of + ")" : "")));
      details.appendChild(element("pre", null, app.log_tail));
      cell.appendChild(details);
    }
    return cell;
  }

  function appRow(code, app) {
    var tr = element("tr");
    tr.dataset.app = code;
    tr.appendChild(element("td", "app", code));
    tr.appendChild(element("td", "status status-" + app.status, app.status));
    var urlCell = element("td", "url");
    var url = safeUrl(app.url);
    if (url) urlCell.appendChild(link(url));
    else if (app.url) urlCell.textContent = String(app.url);
    tr.appendChild(urlCell);
    tr.appendChild(element("td", "checks", checksText(app)));
    tr.appendChild(logCell(app));
    return tr;
  }

  function reportTable(report) {
    var block = element("div", "env-report");
    var title = "Environment " + (report.env || "");
    if (report.template) title += " (template " + report.template + ")";
    block.appendChild(element("h4", null, title));
    var table = element("table", "report");
    var head = element("tr");
    ["App", "State", "URL", "Checks", "Logs"].forEach(function (name) {
      head.appendChild(element("th", null, name));
    });
    table.appendChild(element("thead")).appendChild(head);
    var body = table.appendChild(element("tbody"));
    Object.keys(report.apps).sort().forEach(function (code) {
      body.appendChild(appRow(code, report.apps[code]));
    });
    block.appendChild(table);
    return block;
  }

  return {safeUrl: safeUrl, textWithLinks: textWithLinks, reportsIn: reportsIn,
          reportTable: reportTable};
})();
