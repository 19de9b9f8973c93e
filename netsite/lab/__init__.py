"""
The lab: small pages and one socket that show how the web works.

Each page takes its input from the query string and answers bad input with a
400 that names the parameter at fault (``views``); ``/ws/echo/`` sends every
WebSocket frame back as it came (``consumers``), for the echo page's client.
"""
