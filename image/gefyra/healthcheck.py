# The webhook's health check, as Gefyra 2.5's own image has it at this path:
# POST the client's check object to the webhook and expect 200 (which also
# makes the webhook post its `Gefyra-Webhook-Ready` Event). In this image
# `python` is a stand-in that runs bin/webhook-healthcheck.js instead; this
# file is the same check for a machine that has a real Python.
import json
import os
import ssl
import urllib.request

port = os.environ.get("GEFYRA_WEBHOOK_PORT", "9443")
body = json.dumps(
    {
        "request": {
            "resource": {"group": "gefyra.dev", "version": "v1", "resource": "gefyraclients"},
            "userInfo": {},
            "object": {"check": True},
        }
    }
).encode()
request = urllib.request.Request(
    f"https://127.0.0.1:{port}/client-parameters", data=body, headers={"content-type": "application/json"}, method="POST"
)
with urllib.request.urlopen(request, timeout=2, context=ssl._create_unverified_context()) as response:
    print(response.read())
    assert response.status == 200
