#!/usr/bin/env python3
"""Checks Home Assistant MQTT discovery messages against Home Assistant's rules, as its documentation states them
(the required keys per component, unique ids, the device block, availability, the topic's form). Reads the lines
`mosquitto_sub -v -t 'homeassistant/#'` prints; prints one line per problem and exits 1 if there is any."""
import json
import re
import sys

REQUIRED = {"sensor": [], "switch": ["command_topic"], "number": ["command_topic"], "select": ["command_topic", "options"]}
ID = re.compile(r"^[a-zA-Z0-9_-]+$")
problems = []
seen_ids = {}
entities = 0
for line in sys.stdin:
    line = line.rstrip("\n")
    if not line.startswith("homeassistant/") or not line.endswith(tuple(["}"])):
        continue
    topic, payload = line.split(" ", 1)
    parts = topic.split("/")
    if len(parts) not in (4, 5) or parts[-1] != "config":
        problems.append(f"{topic}: not <prefix>/<component>/[<node_id>/]<object_id>/config")
        continue
    component = parts[1]
    if component not in REQUIRED:
        problems.append(f"{topic}: component {component} is not one this check knows")
        continue
    for part in parts[2:-1]:
        if not ID.match(part):
            problems.append(f"{topic}: '{part}' may hold only [a-zA-Z0-9_-]")
    config = json.loads(payload)
    entities += 1
    for key in REQUIRED[component]:
        if key not in config:
            problems.append(f"{topic}: a {component} requires {key}")
    if component == "select" and not all(isinstance(o, str) for o in config.get("options", [])):
        problems.append(f"{topic}: options must be a list of strings")
    if component == "number" and ("min" not in config or "max" not in config or config["min"] >= config["max"]):
        problems.append(f"{topic}: a current needs explicit min < max (the defaults are 1 and 100)")
    uid = config.get("unique_id") or config.get("uniq_id")
    if not uid:
        problems.append(f"{topic}: no unique_id (the device registry needs one)")
    elif seen_ids.setdefault(uid, topic) != topic:
        problems.append(f"{topic}: unique_id {uid} is also {seen_ids[uid]}'s")
    device = config.get("device") or config.get("dev")
    if not device or not (device.get("identifiers") or device.get("ids") or device.get("connections")):
        problems.append(f"{topic}: the device block needs identifiers or connections")
    if not (config.get("availability") or config.get("availability_topic") or config.get("avty_t")):
        problems.append(f"{topic}: no availability")
    if config.get("state_class") == "total_increasing" and config.get("device_class") == "energy" and \
            config.get("unit_of_measurement") not in ("Wh", "kWh", "MWh", "MJ", "GJ"):
        problems.append(f"{topic}: an energy sensor needs Wh, kWh, MWh, MJ or GJ")
for problem in problems:
    print(problem)
print(f"{entities} entities checked, {len(problems)} problems")
sys.exit(1 if problems or entities == 0 else 0)
