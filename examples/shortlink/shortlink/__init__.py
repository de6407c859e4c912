"""shortlink: a link shortener with a web service and a click-counting worker."""
