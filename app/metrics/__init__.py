"""Prometheus metrics: request count and latency per endpoint and status, and business gauges read at scrape.

Access to ``GET /metrics`` (any one suffices):

- ``Authorization: Bearer <METRICS_TOKEN>`` when ``METRICS_TOKEN`` is configured (config or environment);
- a bearer token or API key of an officer with the ``admin`` role;
- a client address inside ``METRICS_ALLOW_FROM`` (comma-separated addresses/CIDRs, e.g. ``127.0.0.1,10.0.0.0/8``),
  for a Prometheus that scrapes over a private network. Behind a proxy, ``request.remote_addr`` must be the
  real client (ProxyFix), or leave this empty.

Several gunicorn workers: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty, writable directory **before** the
workers start (wipe it at each deploy); counters and histograms are then kept in files there and summed over
workers at scrape time (prometheus_client multiprocess mode). Add to ``gunicorn.conf.py``::

    from prometheus_client import multiprocess
    def child_exit(server, worker):
        multiprocess.mark_process_dead(worker.pid)

Latency is measured until the response object is ready; a streamed export's transfer time is not included.
"""
