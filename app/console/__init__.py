"""The web console (bảng điều khiển): one HTML shell and vanilla JS modules working over the public API.

Rules of this boundary: the console holds no business logic and no database access — every action is an
API call with the officer's bearer token, so the API stays complete without it. bpmn-js is copied from the
npm registry into ``static/vendor/`` by ``make console``; without it the editor says how to install it.
"""
