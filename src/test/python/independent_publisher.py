#!/usr/bin/python3
"""A Reizi publisher written from shared/protocol.md alone, with no code of the agent's.

It is the interoperability check: another language, another MQTT stack (paho-mqtt), another CBOR
library (cbor2) and another crypto library (cryptography) must be able to update the agent.

usage: independent_publisher.py HOST PORT DEVICE IMAGE VER KEY.pem CHUNK
Exit 0 when the device reports committed for VER, 1 when it reports failed/rolled_back, 2 on time-out.
"""
import hashlib
import json
import sys
import threading
import time

import cbor2
import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def cose_sign1(payload, key):
    if isinstance(key, ed25519.Ed25519PrivateKey):
        alg = -8
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        alg = -7
    else:
        raise SystemExit("key must be Ed25519 or P-256")
    protected = cbor2.dumps({1: alg})
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    if alg == -8:
        signature = key.sign(to_be_signed)
    else:
        r, s = decode_dss_signature(key.sign(to_be_signed, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    kid = hashlib.sha256(spki).digest()[:8]
    return cbor2.dumps(cbor2.CBORTag(18, [protected, {4: kid}, payload, signature]))


def main():
    host, port, device, image_path, ver, key_path, chunk = sys.argv[1:8]
    port, ver, chunk = int(port), int(ver), int(chunk)
    image = open(image_path, "rb").read()
    key = serialization.load_pem_private_key(open(key_path, "rb").read(), password=None)
    count = (len(image) + chunk - 1) // chunk
    manifest = {"v": 1, "fw": "interop", "ver": ver, "label": "py-%d" % ver, "kind": "image",
                "size": len(image), "chunk": chunk, "count": count,
                "hash": "sha256:" + hashlib.sha256(image).hexdigest()}
    signed = cose_sign1(cbor2.dumps(manifest), key)

    wanted = set()
    lock = threading.Condition()
    outcome = {}

    def on_connect(client, userdata, flags, rc, properties=None):
        client.subscribe("/ota/status/" + device, qos=1)
        client.publish("ota/firmware/%s/manifest" % device, signed, qos=1, retain=True)

    def on_message(client, userdata, msg):
        if msg.retain:
            return  # an answer to some earlier manifest
        status = json.loads(msg.payload)
        if status.get("ver") != ver:
            return
        with lock:
            if status["state"] in ("committed", "failed", "rolled_back"):
                outcome["status"] = status
            for first, last in status.get("need") or []:
                wanted.update(range(first, min(last, count - 1) + 1))
            lock.notify_all()

    client = mqtt.Client(client_id="py-publisher-%d" % time.time_ns(), protocol=mqtt.MQTTv5)
    client.on_connect = on_connect
    client.on_message = on_message
    client.max_inflight_messages_set(32)
    client.connect(host, port)
    client.loop_start()
    deadline = time.time() + 120
    while time.time() < deadline:
        with lock:
            if "status" in outcome:
                break
            if not wanted:
                lock.wait(0.1)
                continue
            seq = min(wanted)
            wanted.discard(seq)
        data = image[seq * chunk:(seq + 1) * chunk]
        chunk_map = {"ver": ver, "seq": seq, "size": len(data),
                     "hash": "sha256:" + hashlib.sha256(data).hexdigest(), "data": data}
        client.publish("ota/firmware/%s/chunk" % device, cbor2.dumps(chunk_map), qos=1).wait_for_publish()
    client.loop_stop()
    status = outcome.get("status")
    print(json.dumps(status))
    if status is None:
        return 2
    return 0 if status["state"] == "committed" else 1


if __name__ == "__main__":
    sys.exit(main())
