#!/usr/bin/python3
"""A heartbeat client for testing the stand-in (Debian's python3-websockets):
connects to URL with the bearer token read from TOKEN_FILE, trusting CA_FILE,
sends each MESSAGE (JSON), then waits up to WAIT seconds for the server to
close. Prints "status N" when the upgrade is refused, "sent N", then
"closed CODE" or "open after WAIT s"."""
import asyncio, ssl, sys
import websockets


async def run(url, ca, token_file, wait, messages):
    ctx = ssl.create_default_context(cafile=ca)
    with open(token_file) as f:
        token = f.read().strip()
    try:
        ws = await websockets.connect(url, ssl=ctx, open_timeout=10,
                                      ping_interval=None,  # silence is the point
                                      extra_headers={"Authorization": "Bearer " + token})
    except websockets.exceptions.InvalidStatusCode as e:
        print("status", e.status_code)
        return
    for m in messages:
        await ws.send(m)
    print("sent", len(messages), flush=True)
    try:
        await asyncio.wait_for(ws.wait_closed(), wait)
        print("closed", ws.close_code)
    except asyncio.TimeoutError:
        print("open after %g s" % wait)
        await ws.close()


if __name__ == "__main__":
    if len(sys.argv) < 5:
        sys.exit("usage: wsclient.py URL CA_FILE TOKEN_FILE WAIT [MESSAGE...]")
    asyncio.run(run(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5:]))
