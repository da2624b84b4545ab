"""StackStorm's REST API (auth, API and stream services) on top of the st2lite runtime.

`server` listens (one port as StackStorm behind its nginx, or one port per service), `http`
turns requests into `Request` objects and answers with StackStorm's error bodies, `routing`
maps paths to the handlers in `resources/`, `auth` checks credentials, `events` and `stream`
carry execution changes to SSE clients.
"""
