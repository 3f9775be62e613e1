#!/usr/bin/env python3
"""Writes the few lines on which our `ralph` profile knowingly differs from Ralph (our own data).

They all come from JSON numbers: Python keeps integers exact and remembers that `42.0` was a float,
and its JSON reader accepts NaN / Infinity; JavaScript's JSON.parse does none of this. The unit
test asserts each difference exactly, so a change on either side shows up.

Usage: differences.py > differences-input.ndjson
"""

import json

BASE = (
    '{{"username": "diff", "event_source": "server", "event_type": "/dashboard", '
    '"time": "2023-05-01T12:34:56+00:00", "context": {{"user_id": {user_id}, "path": "/dashboard"}}, '
    '"event": {{}}}}'
)
VIDEO = (
    '{{"username": "diff", "event_source": "browser", "event_type": "{type}", '
    '"time": "2023-05-01T12:34:56+00:00", "session": "056aca2a8d6a4b9ab9e1ea02f5f3c9d4", "agent": {agent}, '
    '"context": {{"user_id": 7, "path": "/event", "course_id": "course-v1:E+1+2"}}, '
    '"event": {{"id": "v1", "code": "html5", "currentTime": {time}}}}}'
)

LINES = [
    BASE.format(user_id="12345678901234567890"),  # beyond 2**53
    BASE.format(user_id="42.0"),  # a float that JSON.parse turns into the integer 42
    BASE.format(user_id="1e16"),
    VIDEO.format(type="load_video", agent="3.0", time="0"),
    VIDEO.format(type="play_video", agent='"ua"', time="Infinity"),  # not JSON, Python reads it
    VIDEO.format(type="play_video", agent='"ua"', time="-0.0"),
]

if __name__ == "__main__":
    for line in LINES:
        json.loads(line)
        print(line)
