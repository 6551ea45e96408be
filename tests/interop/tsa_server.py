#!/usr/bin/env python3
"""A real RFC 3161 TSA for tests: `openssl ts -reply` behind a tiny HTTP server.

Usage: tsa_server.py DIR   (DIR holds ts.cnf, tsa.pem, tsa.key, chain.pem)
Listens on 127.0.0.1 on a free port and prints the port on its first line.
Every POST body is a TimeStampReq; the reply is what `openssl ts -reply`
makes of it. A file DIR/down makes it answer 503 (a TSA that is down).
"""
import http.server
import os
import subprocess
import sys
import tempfile

DIR = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        if n > 1 << 16:
            self.send_error(413)
            return
        body = self.rfile.read(n)
        if os.path.exists(os.path.join(DIR, "down")):
            self.send_error(503)
            return
        with tempfile.TemporaryDirectory() as t:
            q = os.path.join(t, "q.tsq")
            r = os.path.join(t, "r.tsr")
            with open(q, "wb") as f:
                f.write(body)
            p = subprocess.run(
                ["openssl", "ts", "-reply", "-config", os.path.join(DIR, "ts.cnf"),
                 "-queryfile", q, "-signer", os.path.join(DIR, "tsa.pem"),
                 "-inkey", os.path.join(DIR, "tsa.key"),
                 "-chain", os.path.join(DIR, "chain.pem"), "-out", r],
                capture_output=True)
            if p.returncode != 0:
                self.send_error(500, p.stderr.decode(errors="replace")[:200])
                return
            with open(r, "rb") as f:
                data = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
