#!/usr/bin/python3
"""Write models/http.json (run: python3 models/http.py > models/http.json).

The built-in "http" model is hand-written: its byte weights are the byte
counts of the small sample of HTTP/1.1 traffic below (a browser's requests;
a server's response headers and HTML), with, from server to client, half of
the weight spread evenly over all 256 values for compressed bodies (gzip
looks uniform).  Requests hold printable ASCII and CR LF only, so the other
bytes get weight 0 from client to server.  Weights are integers (counts).
"""
import json
import sys

REQUESTS = [
    "GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 "
    "Firefox/115.0\r\nAccept: text/html,application/xhtml+xml,application/"
    "xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\nAccept-Language: en-US,en;"
    "q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\n"
    "Upgrade-Insecure-Requests: 1\r\n\r\n",
    "GET /static/css/main.3f9a2c1e.css HTTP/1.1\r\nHost: www.example.com\r\n"
    "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"
    " (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\nAccept: text/css,"
    "*/*;q=0.1\r\nReferer: http://www.example.com/index.html\r\n"
    "Accept-Encoding: gzip, deflate\r\nAccept-Language: en-GB,en;q=0.9\r\n"
    "Cookie: session=8f14e45fceea167a5a36dedd4bea2543; theme=light\r\n"
    "If-None-Match: \"5e8a-61d1c0a5b9f40\"\r\n\r\n",
    "POST /api/v1/comments?post=1842 HTTP/1.1\r\nHost: blog.example.org\r\n"
    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 58\r\n"
    "Origin: http://blog.example.org\r\nConnection: keep-alive\r\n\r\n"
    "name=Alice&email=alice%40example.org&text=Nice+post%21+Thanks",
    "GET /images/logo.png?v=20231102 HTTP/1.1\r\nHost: cdn.example.net\r\n"
    "Accept: image/avif,image/webp,image/apng,image/*,*/*;q=0.8\r\n"
    "Sec-Fetch-Dest: image\r\nSec-Fetch-Mode: no-cors\r\nCache-Control: "
    "max-age=0\r\nIf-Modified-Since: Thu, 02 Nov 2023 10:14:07 GMT\r\n\r\n",
]

RESPONSES = [
    "HTTP/1.1 200 OK\r\nDate: Wed, 25 Nov 2026 14:03:11 GMT\r\nServer: "
    "nginx/1.22.1\r\nContent-Type: text/html; charset=utf-8\r\n"
    "Content-Length: 1843\r\nLast-Modified: Mon, 02 Oct 2023 08:12:44 GMT\r\n"
    "Connection: keep-alive\r\nETag: \"651a7b2c-733\"\r\nAccept-Ranges: bytes"
    "\r\n\r\n<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8"
    "\">\n<title>Example Domain</title>\n<meta name=\"viewport\" content=\""
    "width=device-width, initial-scale=1\">\n<link rel=\"stylesheet\" href=\""
    "/static/css/main.css\">\n</head>\n<body>\n<div class=\"container\">\n"
    "  <h1>Example Domain</h1>\n  <p>This domain is for use in illustrative "
    "examples in documents. You may use this domain in literature without "
    "prior coordination or asking for permission.</p>\n  <p><a href=\""
    "https://www.iana.org/domains/example\">More information...</a></p>\n"
    "  <ul class=\"nav\">\n    <li><a href=\"/about\">About us</a></li>\n"
    "    <li><a href=\"/news\">News and events</a></li>\n    <li><a href=\""
    "/contact\">Contact</a></li>\n  </ul>\n</div>\n<script src=\"/static/js/"
    "app.js\" defer></script>\n</body>\n</html>\n",
    "HTTP/1.1 304 Not Modified\r\nDate: Wed, 25 Nov 2026 14:03:12 GMT\r\n"
    "Server: Apache/2.4.57 (Debian)\r\nETag: \"5e8a-61d1c0a5b9f40\"\r\n"
    "Cache-Control: max-age=3600, public\r\nConnection: keep-alive\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 212"
    "\r\nVary: Accept-Encoding\r\n\r\n{\"id\": 1842, \"status\": \"ok\", "
    "\"comments\": [{\"author\": \"Alice\", \"text\": \"Nice post! Thanks\", "
    "\"time\": \"2026-11-25T14:03:12Z\"}, {\"author\": \"bob\", \"text\": "
    "\"Agreed, very useful.\", \"time\": \"2026-11-25T13:58:40Z\"}]}\n",
]


def counts(texts):
    c = [0] * 256
    for t in texts:
        for b in t.encode():
            c[b] += 1
    return c


def weights(c):
    rows = []
    for i in range(0, 256, 16):
        rows.append("      " + ", ".join(str(x) for x in c[i:i + 16]))
    return "[\n" + ",\n".join(rows) + "\n    ]"


TEMPLATE = """{
  "name": "http",
  "description": "Hand-written imitation of HTTP/1.1: requests from client to server, responses (headers, HTML, compressed bodies) back; see models/http.py.",
  "client_to_server": {
    "coder": "huffman",
    "prefix": "GET /",
    "bytes": %s,
    "length": {"family": "normal", "mean": 420, "sigma": 160, "min": 40, "max": 1460},
    "flow": {"family": "poisson", "lambda": 3},
    "duration": {"family": "exponential", "mean": 20000, "min": 2000, "max": 120000}
  },
  "server_to_client": {
    "coder": "huffman",
    "prefix": "HTTP/1.1 200 OK\\r\\n",
    "bytes": %s,
    "length": {"family": "empirical", "points": [[1460, 50], [1448, 10], [1200, 5], [800, 5], [512, 5], [300, 10], [150, 10], [60, 5]]},
    "flow": {"family": "poisson", "lambda": 25},
    "duration": {"family": "exponential", "mean": 20000, "min": 2000, "max": 120000}
  }
}
"""


def main():
    req = counts(REQUESTS)
    # Every printable byte and CR LF may occur in a request.
    for b in list(range(32, 127)) + [13, 10]:
        req[b] += 1
    rsp = counts(RESPONSES)
    text = sum(rsp)
    # Half the weight on compressed bodies: text + text/256 per value.
    scale = 4
    rsp = [scale * c + (scale * text) // 256 for c in rsp]
    sys.stdout.write(TEMPLATE % (weights(req), weights(rsp)))


if __name__ == "__main__":
    main()
