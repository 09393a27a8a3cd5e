"""The local web console (`[web] listen`): rules with live back-testing, sources, alerts,
outbox, targets. Server-rendered (Starlette + Jinja2), htmx for the live parts. docs/web.md."""
