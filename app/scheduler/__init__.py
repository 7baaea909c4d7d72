"""Time-driven work. APScheduler only drives the polling loop; the truth lives in database tables, so any
number of scheduler processes can run and each piece of work happens once."""
