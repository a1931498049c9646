#!/usr/bin/env python3
"""A loopback stand-in for the API server, for measuring plugin-controller's own cost where no
control plane can run (e.g. while the machine's cluster tools are still being built). It is not the
real API server: no TLS, no admission, no watch events (watches stay open and silent), every write
is echoed back. What it measures is the controller's side: requests per run (counted here, by verb
and resource) and the controller's CPU seconds and RSS (read from /proc by the driver).

  fake_api_server.py --port P --namespace NS --runs N --state new|finished --plugin-dir DIR \
      --counts FILE
Serves N PluginRuns in NS (new ones, or finished ones as the controller writes them), the plugin's
ConfigMap, no Pods. On SIGTERM writes the request counts as JSON to FILE."""
import argparse
import json
import re
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

GROUP = "/apis/sandbox.plugins.dev/v1alpha1"
counts = {}
counts_lock = threading.Lock()
version = [1000]
version_lock = threading.Lock()


def next_version():
    with version_lock:
        version[0] += 1
        return str(version[0])


def finished_status(name):
    now = "2026-12-04T20:00:05Z"
    result = json.dumps({"todo": 17, "fixme": 4, "files": 128,
                         "top": [{"path": f"src/module_{i}/handler.py", "markers": 5 - i}
                                 for i in range(5)]}) + "\n"
    return {"observedGeneration": 1,
            "conditions": [
                {"type": t, "status": s, "reason": r, "message": m, "observedGeneration": 1,
                 "lastTransitionTime": now}
                for t, s, r, m in [("Succeeded", "True", "Succeeded", "the plugin exited 0"),
                                   ("Ready", "True", "Succeeded", "the plugin exited 0"),
                                   ("Reconciling", "False", "Succeeded", ""),
                                   ("Stalled", "False", "Succeeded", "")]],
            "pluginID": "techdebt", "pluginVersion": "1.2.0",
            "signedBy": "sha256:6979484945b60886e63d56fb00865f52263f93983dc83b6766548ed039a73078",
            "podName": name + "-plugin", "policyConfigured": True,
            "startTime": "2026-12-04T20:00:00Z", "completionTime": now, "exitCode": 0,
            "result": result}


def make_runs(ns, count, state):
    runs = []
    for i in range(count):
        name = f"run-{i}"
        run = {"apiVersion": "sandbox.plugins.dev/v1alpha1", "kind": "PluginRun",
               "metadata": {"name": name, "namespace": ns, "uid": str(uuid.uuid4()),
                            "resourceVersion": str(100 + i), "generation": 1,
                            "creationTimestamp": "2026-12-04T20:00:00Z",
                            "managedFields": [{"manager": "controller_bench", "operation": "Update",
                                               "apiVersion": "sandbox.plugins.dev/v1alpha1",
                                               "fieldsType": "FieldsV1",
                                               "fieldsV1": {"f:spec": {"f:plugin": {}}}}]},
               "spec": {"plugin": {"configMap": "techdebt"}}}
        if state == "finished":
            run["status"] = finished_status(name)
        runs.append(run)
    return runs


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def count(self, verb, resource):
        with counts_lock:
            key = f"{verb} {resource}"
            counts[key] = counts.get(key, 0) + 1

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def resource(self, path):
        match = re.match(r"^(?:/api/v1|/apis/[^/]+/[^/]+)(?:/namespaces/[^/]+)?/([a-z]+)(?:/([^/]+))?(?:/([a-z]+))?$", path)
        return match.groups() if match else (None, None, None)

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        resource, name, sub = self.resource(url.path)
        if query.get("watch") == ["1"] or query.get("watch") == ["true"]:
            self.count("WATCH", resource)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            timeout = int(query.get("timeoutSeconds", ["300"])[0])
            end = time.time() + timeout
            try:
                while time.time() < end and not self.server.stopping:
                    time.sleep(0.5)
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
            return
        if url.path == "/fake-counts":
            with counts_lock:
                return self.reply(200, dict(counts))
        if resource is None:
            return self.reply(404, {"kind": "Status", "code": 404, "reason": "NotFound"})
        if name is None:
            self.count("LIST", resource)
            items = {"pluginruns": self.server.runs, "configmaps": [self.server.config_map],
                     "pods": []}.get(resource)
            if items is None:
                return self.reply(404, {"kind": "Status", "code": 404, "reason": "NotFound"})
            # Pages as the API server does: ?limit=N, the next page's offset as the continue token.
            start = int(query.get("continue", ["0"])[0] or 0)
            limit = int(query.get("limit", ["0"])[0] or 0)
            end = len(items) if limit <= 0 else min(len(items), start + limit)
            metadata = {"resourceVersion": str(version[0])}
            if end < len(items):
                metadata["continue"] = str(end)
            return self.reply(200, {"kind": "List", "apiVersion": "v1", "metadata": metadata,
                                    "items": items[start:end]})
        self.count("GET", resource)
        if resource == "configmaps" and name == "techdebt":
            return self.reply(200, self.server.config_map)
        return self.reply(404, {"kind": "Status", "code": 404, "reason": "NotFound",
                                "message": f"{resource} \"{name}\" not found"})

    def write(self, verb, code):
        url = urlparse(self.path)
        resource, name, sub = self.resource(url.path)
        self.count(verb, resource + (f" {sub}" if sub else ""))
        obj = self.body()
        obj.setdefault("metadata", {})
        obj["metadata"]["resourceVersion"] = next_version()
        obj["metadata"].setdefault("uid", str(uuid.uuid4()))
        obj["metadata"].setdefault("creationTimestamp", "2026-12-04T20:00:00Z")
        self.reply(code, obj)

    def do_POST(self):
        self.write("POST", 201)

    def do_PUT(self):
        self.write("PUT", 200)

    def do_PATCH(self):
        self.write("PATCH", 200)

    def do_DELETE(self):
        self.write("DELETE", 200)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--runs", type=int, required=True)
    parser.add_argument("--state", choices=["new", "finished"], required=True)
    parser.add_argument("--plugin-dir", required=True)
    parser.add_argument("--counts", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.stopping = False
    server.runs = make_runs(args.namespace, args.runs, args.state)
    data = {f: open(f"{args.plugin_dir}/{f}").read() for f in ("manifest.json", "plugin.py")}
    server.config_map = {"apiVersion": "v1", "kind": "ConfigMap",
                         "metadata": {"name": "techdebt", "namespace": args.namespace,
                                      "uid": str(uuid.uuid4()), "resourceVersion": "50"},
                         "data": data}

    def stop(*_):
        server.stopping = True
        with open(args.counts, "w") as out:
            json.dump(counts, out, indent=1, sort_keys=True)
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
