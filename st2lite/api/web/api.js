// The public StackStorm API, as st2web reaches it through nginx: /auth/v1, /api/v1, /stream/v1
// on the page's own origin. The token lives in this tab's sessionStorage and only there: calls
// send it in X-Auth-Token (the stream, which cannot send headers, as ?x-auth-token=) and never
// send cookies, so the HttpOnly `auth-token` cookie the API sets (for st2web) cannot keep
// answering after a logout, which only forgets the token.
"use strict";

var St2Api = (function () {
  var TOKEN_KEY = "st2lite.token";

  function ApiError(status, message) {
    this.status = status;
    this.message = message;
  }

  function token() {
    return window.sessionStorage.getItem(TOKEN_KEY);
  }

  function forgetToken() {
    window.sessionStorage.removeItem(TOKEN_KEY);
  }

  function faultOf(response) {
    return response.text().then(function (text) {
      var message = text;
      try {
        message = JSON.parse(text).faultstring || text;
      } catch (ignored) { /* not JSON: the text itself */ }
      throw new ApiError(response.status, message || response.statusText);
    });
  }

  // GET /api/v1<path>: the parsed body (text unless JSON), with the total count of a list.
  function get(path, query) {
    var url = "/api/v1" + path;
    var search = new URLSearchParams();
    Object.keys(query || {}).forEach(function (name) {
      if (query[name] !== "" && query[name] !== undefined) search.set(name, query[name]);
    });
    if (search.toString()) url += "?" + search.toString();
    var headers = {};
    if (token()) headers["X-Auth-Token"] = token();
    return fetch(url, {headers: headers, credentials: "omit"}).then(function (response) {
      if (!response.ok) return faultOf(response);
      var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
      return (json ? response.json() : response.text()).then(function (body) {
        return {body: body, total: response.headers.get("X-Total-Count")};
      });
    });
  }

  // POST /auth/v1/tokens with Basic credentials; keeps the token it answers.
  function login(user, password) {
    var basic = btoa(unescape(encodeURIComponent(user + ":" + password)));
    return fetch("/auth/v1/tokens", {
      method: "POST", credentials: "omit",
      headers: {"Authorization": "Basic " + basic, "Content-Type": "application/json"},
      body: "{}"
    }).then(function (response) {
      if (!response.ok) return faultOf(response);
      return response.json().then(function (body) {
        window.sessionStorage.setItem(TOKEN_KEY, body.token);
        return body;
      });
    });
  }

  function send(method, url, body) {
    var headers = {"Content-Type": "application/json"};
    if (token()) headers["X-Auth-Token"] = token();
    return fetch(url, {method: method, headers: headers, credentials: "omit",
                       body: JSON.stringify(body)}).then(function (response) {
      if (!response.ok) return faultOf(response);
      return response.json();
    });
  }

  // POST /api/v1<path> with a JSON body: the parsed answer.
  function post(path, body) {
    return send("POST", "/api/v1" + path, body);
  }

  // The stream of the events named in `handlers` ({event name: function (data)}) and only
  // those; with auth off there is no token to send.
  function events(handlers, onState) {
    var names = Object.keys(handlers);
    var url = "/stream/v1/stream?events=" + names.map(encodeURIComponent).join(",");
    if (token()) url += "&x-auth-token=" + encodeURIComponent(token());
    var source = new EventSource(url);
    names.forEach(function (name) {
      source.addEventListener(name, function (event) {
        handlers[name](JSON.parse(event.data));
      });
    });
    source.onopen = function () { onState(true); };
    source.onerror = function () { onState(false); };  // EventSource reconnects by itself
    return source;
  }

  return {ApiError: ApiError, token: token, forgetToken: forgetToken, get: get, post: post,
          login: login, events: events};
})();
