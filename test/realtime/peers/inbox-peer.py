# A python-socketio client (Socket.IO v5, another implementation than socket.io-client): it acks
# two durable messages, asks who is in its presence channel, and prints what it saw as JSON lines.
import json
import sys
import threading

import socketio

url, token, user, channel = sys.argv[1:5]
client = socketio.Client()
received = []
done = threading.Event()


@client.on('note')
def note(message):
    received.append(message)
    if len(received) == 2:
        done.set()
    return 'ok'  # a handler's return value is its ack


client.connect(f'{url}?userId={user}&channel={channel}', auth={'token': token, 'info': {'lang': 'python'}},
               transports=['websocket'], wait_timeout=10)
if not done.wait(20):
    sys.exit('the two messages did not arrive')
print(json.dumps({'received': received}), flush=True)
print(json.dumps({'presence': client.call('presence', {'channel': channel}, timeout=10)}), flush=True)
client.disconnect()
