#!/usr/bin/env python3
"""Writes a varied, deterministic NDJSON file of edX tracking-log events for the Ralph comparison.

Our own generator (no Ralph code): it covers the nine event selections that `ralph convert
--from edx --to xapi` knows, plus events it must skip, with realistic noise: anonymous users,
unicode, IPv6, missing or empty optional fields, `event` payloads as JSON strings (as browsers
send them) or objects, odd timestamps and raw formatting variations (the statement id hashes the
raw line, so spacing and key order matter).

Usage: generate.py [--count N] [--seed S] [--bad-ratio R] [--ralph-valid] > out.ndjson
       generate.py --bytes > lines-input.ndjson        (byte-level families, see byte_lines)
       generate.py --long-run N > long.ndjson          (history check, see long_run)
  With no --count, writes the fixture set (every template, several variants each).
"""

import argparse
import json
import random

HOSTS = ["https://lms.example.org", "https://courses.université.example", "http://localhost:8000"]
COURSES = [
    "course-v1:FUN+CS101+2023_T1",
    "course-v1:edX+DemoX+Demo_Course",
    "edX/Open_DemoX/edx_demo_course",
    "course-v1:Université+Ç1+2024",
    "course-v1:org+a b+1",  # a space: not a valid IRI once pasted into an object id
    "",
]
USERS = [
    ("alice", 17),
    ("Zoë_Ω", 123456),
    ("李雷", 99),
    ("", None),  # anonymous
    ("bob", ""),
    ("carol", "42"),
    ("dave", 0),
    ("erin", True),
    ("frank", 3.5),
    ("gus", [1, "a"]),
    ("hana", {"k": "v"}),
]
IPS = ["203.0.113.7", "2001:db8::1", "::1", "", "198.51.100.23"]
AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "curl/8.4.0 «test» ✓",
    "",
]
SESSIONS = [
    "056aca2a8d6a4b9ab9e1ea02f5f3c9d4",
    "9F1C0E2D4B5A69788796A5B4C3D2E1F0",
    "1f0e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    "{1f0e2d3c-4b5a-6978-8796-a5b4c3d2e1f0}",
    "urn:uuid:1f0e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    "not-a-session",
    "",
]
TIMES = [
    "2023-05-01T12:34:56.123456+00:00",
    "2023-05-01T12:34:56.120000+00:00",
    "2023-05-01T12:34:56+00:00",
    "2023-05-01T12:34:56Z",
    "2023-05-01T12:34:56.5+02:00",
    "2023-05-01 12:34:56",
    "2023-05-01T12:34:56.1234567-05:30",
    "2024-02-29T23:59:59.999999+0100",
    "2023-05-01",
    "2023-05-01T12:34",
    1700000000,
    "1700000000.25",
    "2023-02-30T00:00:00",
    "not a date",
    "",
]
VIDEO_IDS = ["0b9e39477cf34507a7a48f74be381fdd", "a1b2c3", "vidéo_1", ""]


def pick(rng, seq, weights=None):
    return rng.choices(seq, weights=weights, k=1)[0]


def base_context(rng, user, course, path):
    ctx = {
        "course_id": course,
        "org_id": course.split(":")[-1].split("+")[0] if course else "",
        "path": path,
        "user_id": user[1],
    }
    if rng.random() < 0.15:
        del ctx["user_id"]
    return ctx


def common(rng, user, event_source, event_type, course, path, good):
    time_value = TIMES[rng.randrange(0, 4)] if good else pick(rng, TIMES)
    ev = {
        "username": user[0],
        "event_source": event_source,
        "name": event_type,
        "accept_language": pick(rng, ["en-US,en;q=0.9", "fr-FR", ""]),
        "time": time_value,
        "agent": pick(rng, AGENTS),
        "page": None,
        "host": "lms.example.org",
        "session": pick(rng, SESSIONS[:3]) if good else pick(rng, SESSIONS),
        "referer": "",
        "context": base_context(rng, user, course, path),
        "ip": pick(rng, IPS),
        "event": {},
        "event_type": event_type,
    }
    if not good and rng.random() < 0.1:
        del ev["time"]
    return ev


def server_event(rng, good):
    user = pick(rng, USERS)
    course = pick(rng, COURSES[:4]) if good else pick(rng, COURSES)
    path = pick(
        rng,
        [
            "/courses/{c}/courseware/a1/b2/",
            "/courses/{c}/xblock/block-v1:{c2}+type@problem+block@abc/handler/xmodule_handler/problem_get",
            "/dashboard",
            "/courses/{c}/wiki/Éléments/",
            "/courses/{c}/search?q=x&lang=fr",
            "/courses/{c}/bad path",
            "/courses/{c}/a|b",
        ][: 5 if good else 7],
    ).format(c=course, c2=course[10:] if course.startswith("course-v1:") else course)
    ev = common(rng, user, "server", path, course, path, good)
    ev["event"] = pick(rng, ['{"POST": {}, "GET": {}}', {"POST": {}, "GET": {"page": ["2"]}}, ""])
    if not good:
        variant = rng.randrange(0, 6)
        if variant == 0:
            ev["context"]["path"] = "/somewhere/else"  # no longer a server page view
        elif variant == 1:
            ev["event_type"] = ""
            ev["context"]["path"] = ""
        elif variant == 2:
            del ev["event_type"]
            del ev["context"]["path"]
        elif variant == 3:
            ev["event_type"] = "showanswer"
            ev["context"]["path"] = "showanswer"
        elif variant == 4:
            ev["event_type"] = "problem_check"
            ev["context"]["path"] = "problem_check"
    return ev


def enrollment_event(rng, good, activated):
    user = pick(rng, USERS)
    course = pick(rng, COURSES[:4]) if good else pick(rng, COURSES)
    event_type = "edx.course.enrollment." + ("activated" if activated else "deactivated")
    ev = common(rng, user, "server", event_type, course, "/change_enrollment", good)
    payload = {"course_id": course, "user_id": user[1], "mode": pick(rng, ["audit", "verified", "honor"])}
    ev["event"] = payload
    if not good:
        variant = rng.randrange(0, 7)
        if variant == 0:
            ev["event"] = json.dumps(payload)
        elif variant == 1:
            del payload["course_id"]
        elif variant == 2:
            payload["course_id"] = "/" + course + "/"
        elif variant == 3:
            ev.pop("time", None)
        elif variant == 4:
            ev["context"]["path"] = event_type  # collides with the server-page selection rule
        elif variant == 5:
            payload["course_id"] = 12
    return ev


def page_close_event(rng, good):
    user = pick(rng, USERS)
    course = pick(rng, COURSES[:4])
    ev = common(rng, user, "browser", "page_close", course, "/event", good)
    ev["event"] = "{}"
    host = pick(rng, HOSTS)
    ev["page"] = pick(
        rng,
        [
            host + "/courses/" + course + "/courseware/",
            host + "/dashboard",
            host + "/courses/" + course + "/jump_to/x?a=1#frag",
            "http://[2001:db8::7]:8080/courses/" + course + "/",
        ],
    )
    if not good:
        ev["page"] = pick(rng, [None, "", "not a url", 5, host + "/a b", host + "/ok\n", ev["page"]])
        if ev["page"] is None and rng.random() < 0.5:
            del ev["page"]
    return ev


VIDEO_TYPES = ["load_video", "play_video", "pause_video", "stop_video", "seek_video"]


def video_event(rng, good, event_type):
    user = pick(rng, USERS)
    course = pick(rng, COURSES[:4]) if good else pick(rng, COURSES)
    ev = common(rng, user, "browser", event_type, course, "/event", good)
    ev["page"] = pick(rng, HOSTS) + "/courses/" + course + "/courseware/v/"
    payload = {"id": pick(rng, VIDEO_IDS[:3]) if good else pick(rng, VIDEO_IDS), "code": "html5"}
    if event_type in ("play_video", "pause_video", "stop_video"):
        payload["currentTime"] = pick(rng, [0, 12, 63.25, 1.5e3, "7.5"]) if good else pick(
            rng, [0, 12.5, -1, "7.5", " 3 ", "inf", "nan", "abc", True, None, "1_000"]
        )
        if not good and rng.random() < 0.15:
            del payload["currentTime"]
    if event_type == "seek_video":
        payload["old_time"] = pick(rng, [0, 10, 33.3]) if good else pick(rng, [0, -5, "4", None])
        payload["new_time"] = pick(rng, [0, 20, 99.9]) if good else pick(rng, [1, "x", 7])
        payload["type"] = pick(rng, ["onSlideSeek", "onSkipSeek"])
    if event_type == "load_video" and not good:
        ev["agent"] = pick(rng, AGENTS + [12, 1.5, True, None])
    # Browsers send the payload as a JSON string; Ralph reads ids from objects only.
    string_payload = (not good) and rng.random() < 0.35
    ev["event"] = json.dumps(payload) if string_payload else payload
    if not good and rng.random() < 0.1:
        ev["event_source"] = "mobile"
    if not good and rng.random() < 0.08:
        ev["context"] = "not an object"
    return ev


def unsupported_event(rng):
    user = pick(rng, USERS)
    course = pick(rng, COURSES[:4])
    kind = rng.randrange(0, 5)
    if kind == 0:
        return common(rng, user, "browser", "seq_goto", course, "/event", True)
    if kind == 1:
        return common(rng, user, "server", "problem_check", course, "/courses/x/problem_check", True)
    if kind == 2:
        return common(rng, user, "server", "edx.course.enrollment.mode_changed", course, "/x", True)
    if kind == 3:
        return common(rng, user, "browser", "speed_change_video", course, "/event", True)
    return {"event_type": "something", "time": "2023-05-01T00:00:00Z"}


def make_event(rng, good):
    kind = rng.randrange(0, 10)
    if kind == 0:
        return server_event(rng, good)
    if kind == 1:
        return enrollment_event(rng, good, True)
    if kind == 2:
        return enrollment_event(rng, good, False)
    if kind == 3:
        return page_close_event(rng, good)
    if kind == 9:
        return unsupported_event(rng) if not good else server_event(rng, good)
    return video_event(rng, good, VIDEO_TYPES[kind - 4])


def ralph_valid(ev):
    """Reshapes a well-formed event so that it also passes Ralph's strict edX models (`ralph
    validate --format edx`): IPv4 only, 32 lower-case hex sessions, int user ids, course-v1 ids,
    no name/session on server page views. Used for the validation benchmark."""
    if not (2 <= len(ev["username"]) <= 30):
        ev["username"] = ""
    if ":" in ev["ip"]:
        ev["ip"] = "203.0.113.9"
    ctx = ev["context"]
    if not isinstance(ctx.get("user_id"), int) or isinstance(ctx.get("user_id"), bool):
        ctx["user_id"] = None
    if not ctx["course_id"].startswith("course-v1:") or " " in ctx["course_id"]:
        ctx["course_id"] = "course-v1:FUN+CS101+2023_T1"
    if ev["event_source"] == "server":
        if ev["event_type"].startswith("edx.course.enrollment."):
            ev["event"]["user_id"] = ctx["user_id"]
            ev.pop("session", None)
        else:
            ev.pop("name", None)
            ev.pop("session", None)
            ev["event"] = {"POST": {}, "GET": {}}
    else:
        ev["session"] = "056aca2a8d6a4b9ab9e1ea02f5f3c9d4"
        ev["page"] = "https://lms.example.org/courses/" + ctx["course_id"] + "/courseware/"
        if ev["event_type"] == "page_close":
            ev["event"] = "{}"
        elif isinstance(ev["event"], dict) and isinstance(ev["event"].get("currentTime"), str):
            ev["event"]["currentTime"] = float(ev["event"]["currentTime"])
    return ev


def serialize(rng, ev):
    """Varies raw formatting: the statement id is the uuid5 of the raw line, not of its content."""
    style = rng.randrange(0, 4)
    if style == 0:
        return json.dumps(ev)
    if style == 1:
        return json.dumps(ev, ensure_ascii=False)
    if style == 2:
        return json.dumps(ev, separators=(",", ":"), ensure_ascii=False)
    return json.dumps(ev, sort_keys=True)


def edge_lines():
    """Hand-picked boundary cases: coercions, IRIs, selector corner cases, raw-line quirks."""
    base = {
        "username": "edge",
        "event_source": "server",
        "time": "2023-05-01T12:34:56.123456+00:00",
        "context": {"user_id": 5, "path": "/dashboard", "course_id": "course-v1:E+1+2"},
        "session": "056aca2a8d6a4b9ab9e1ea02f5f3c9d4",
        "event_type": "/dashboard",
        "event": {},
    }

    def variant(**changes):
        ev = json.loads(json.dumps(base))
        for key, value in changes.items():
            if value is DELETE:
                ev.pop(key, None)
            else:
                ev[key] = value
        return ev

    def video(event_type, payload, **changes):
        ev = variant(event_source="browser", event_type=event_type, event=payload, **changes)
        if isinstance(ev["context"], dict):
            ev["context"]["path"] = "/event"
        return ev

    events = []
    for t in [
        "2023-05-01t12:34:56z", "2023-05-01_12:34:56", "2023-05-01T12:34:56,5Z", "2023-05-01T12:34:56-00:00",
        "2023-05-01T12:34:56+23:59", "2023-05-01T24:00:00", "2023-05-01T12", "2023-05-01T12:34:56+05",
        "+5", ".5", "-1", "5.", 1700000000.1234567, 20000000001, -20000000001, "99999999999999999999",
        "00001700000000", 1e20, "0000-01-01T00:00:00", "9999-12-31T23:59:59.999999Z",
        "2023-05-01T12:34:56.9999999Z", True, [1], {"a": 1}, {}, "2023-05-01T12:34Z", " 2023-05-01",
    ]:
        events.append(variant(time=t))
        events.append(variant(event_type="edx.course.enrollment.activated", time=t,
                              event={"course_id": "course-v1:E+1+2"}))
    for ct in ["1_.5", "1e_3", "Infinity", "INF", "-inf", "NaN", "1.5E+2", "\t3\n", "\u00a012",
               "1.7976931348623159e308", False, -0.0, "-0", 1e308, "1__0", "_1", "0x10", [], {}, 0.1]:
        events.append(video("play_video", {"id": "v1", "currentTime": ct}))
    for session in ["056ACA2A-8D6A-4B9A-B9E1-EA02F5F3C9D4", "{056aca2a-8d6a-4b9a-b9e1-ea02f5f3c9d4}",
                    "urn:uuid:056aca2a8d6a4b9ab9e1ea02f5f3c9d4", "URN:UUID:056aca2a-8d6a-4b9a-b9e1-ea02f5f3c9d4",
                    " 056aca2a8d6a4b9ab9e1ea02f5f3c9d4", "056aca2a8d6a4b9ab9e1ea02f5f3c9d", 42, None, DELETE]:
        events.append(video("pause_video", {"id": "v1", "currentTime": 3}, session=session))
        events.append(video("seek_video", {"id": "v1", "old_time": 1, "new_time": 2}, session=session))
    for agent in [12, 1.5, 0.0001, True, [], {}, "", None]:
        events.append(video("load_video", {"id": "v1"}, agent=agent))
    for user_id in [1.5, [], {}, [0], {"a": [1, None, True, "it's"]}, "it's", 0.0, -3, False, "0"]:
        events.append(variant(context={"user_id": user_id, "path": "/dashboard"}))
    for page in ["http://[v1.x]/", "http://[::ffff:1.2.3.4]/", "http://[1:2:3:4:5:6:7:8:9]/",
                 "https://x.org/\ue000", "https://x.org/?\ue000", "HTTPS://X.ORG", "https://x.org:port",
                 "mailto:a@b", "urn:x", "a:", "https://x.org/a%zz", "https://x.org/a%2F", "https://x.org/\U0001F600",
                 "https://x.org/#a#b", "https://us er@x.org/", "https://[2001:db8::1]:443/a?b=c#d", True, ["x:y"]]:
        events.append(variant(event_source="browser", event_type="page_close", page=page))
    events += [
        variant(event_type="edx.course.enrollment.activated", context={"path": "edx.course.enrollment.activated"},
                event={"course_id": "c"}),
        variant(event_type="edx.bookmark.added", context={"path": "edx.bookmark.added"}),
        variant(event_type="xblock.poll.submitted", context={"path": "xblock.poll.submitted"}),
        variant(event_type="showanswer", context={"path": "/x"}),
        variant(event_type=DELETE, context=DELETE),
        variant(event_type=1, context={"path": 1.0}),
        variant(event_type=True, context={"path": 1}),
        variant(event_type="/a b", context={"path": "/a b"}),
        variant(event_source="Browser", event_type="page_close", page="https://x.org/"),
        variant(event_source=["server"]),
        variant(event_type="edx.course.enrollment.deactivated", event={"course_id": "///"}),
        variant(event_type="edx.course.enrollment.deactivated", event={"course_id": "/a/b/"}),
        variant(event_type="edx.course.enrollment.deactivated", event=[]),
        video("stop_video", {"id": "v1", "currentTime": 1}, context={"course_id": ""}),
        video("stop_video", {"id": "vidéo 1", "currentTime": 1}),
        video("stop_video", {"id": "vidéo_1", "currentTime": 1}),
        video("stop_video", {"id": 7, "currentTime": 1}),
        video("stop_video", {"id": "v1", "currentTime": 1}, context=None),
        video("stop_video", {"id": "v1", "currentTime": 1}, context=["x"]),
        video("play_video", {"id": "v1", "currentTime": 1}, session=DELETE),
        video("play_video", ["v1"]),
    ]
    lines = [json.dumps(ev, ensure_ascii=False) for ev in events]
    lines += ["[]", "5", '"text"', "null", "{bad json", "", "   " + lines[0] + "  ",
              json.dumps(variant(username="\U0001F600"), ensure_ascii=True)]
    return lines


DELETE = object()

# Two complete events that Ralph's strict edX models accept and `ralph convert` converts; the
# families below change one thing at a time so that both `validate` and `convert` have a verdict.
FULL_PAGE_CLOSE = {
    "username": "edge", "event_source": "browser", "name": "page_close",
    "time": "2023-05-01T12:34:56.123456+00:00",
    "context": {"user_id": 5, "path": "/event", "course_id": "course-v1:E+1+2", "org_id": "E",
                "course_user_tags": {"k1": "v1"}},
    "session": "056aca2a8d6a4b9ab9e1ea02f5f3c9d4", "event_type": "page_close", "event": "{}",
    "page": "https://lms.example.org/x", "host": "lms.example.org", "ip": "203.0.113.7", "agent": "ua",
    "accept_language": "en", "referer": "",
}
FULL_PLAY = {
    "username": "alice", "ip": "172.18.0.1", "agent": "Mozilla/5.0", "host": "lms.example.org", "referer": "",
    "accept_language": "fr-FR",
    "context": {"course_id": "course-v1:edX+DemoX+Demo_Course", "org_id": "edX", "path": "/event", "user_id": 17},
    "time": "2023-05-23T13:53:13.460372Z",
    "page": "https://lms.example.org/courses/course-v1:edX+DemoX+Demo_Course/courseware/a/b/",
    "session": "e66eb4482b4b273809b5788c9f42dc36", "event_source": "browser", "event_type": "play_video",
    "event": {"code": "html5", "id": "video-1", "currentTime": 3},
}
# Characters JavaScript's \s matches (and U+0085, U+200B, which it does not); all are RFC 3987 ucschar.
UNICODE_SPACES = ["\u00a0", "\u2028", "\u2029", "\ufeff", "\u3000", "\u1680", "\u2000", "\u200a", "\u202f",
                  "\u205f", "\u0085", "\u200b"]
NON_ASCII_URLS = ["https://université.example/cours/1", "http://münchen.example/", "https://ÿ.example/?q=ç#é",
                  "https://例え.jp/", "https://lms.example.org/ç", "https://xn--ls8h.example/", "https://é/"]


def changed(base, *edits):
    """A copy of `base` with (path, value) edits; value DELETE removes the key."""
    ev = json.loads(json.dumps(base))
    for path, value in edits:
        node = ev
        for key in path[:-1]:
            node = node[key]
        if value is DELETE:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = value
    return ev


def family_lines():
    """Families where `validate` or `convert` once differed from Ralph outside the valid share:
    non-ASCII URLs (checked for history-dependence by the tests, which repeat them), Unicode
    spaces in IRIs, comma decimal separators, coercible wrong types, lone surrogates."""
    events = [FULL_PAGE_CLOSE, FULL_PLAY]
    for url in NON_ASCII_URLS:
        events.append(changed(FULL_PAGE_CLOSE, (["page"], url)))
        events.append(changed(FULL_PAGE_CLOSE, (["referer"], url)))
        events.append(changed(FULL_PLAY, (["page"], url)))
    for ch in UNICODE_SPACES:
        events.append(changed(FULL_PAGE_CLOSE, (["page"], "https://lms.example.org/a" + ch + "b")))
        events.append(changed(FULL_PAGE_CLOSE, (["page"], "https://lms" + ch + "x.example.org/")))
        events.append(changed(FULL_PAGE_CLOSE, (["referer"], "https://lms.example.org/a" + ch + "b")))
        events.append(changed(FULL_PLAY, (["event", "id"], "video" + ch + "1")))
    for t in ["2024-03-04T06:00:14,123Z", "2024-03-04T06:00:14,Z", "2024-03-04T06:00,5Z",
              "2024-03-04 06:00:14,1234567", "2024-03-04T06:00:14,123+01:00"]:
        events.append(changed(FULL_PAGE_CLOSE, (["time"], t)))
        events.append(changed(FULL_PLAY, (["time"], t)))
    # Coercible wrong types: what pydantic's lax mode turns into the declared type, and what it does not.
    for ip in [True, False, 0, 1, 2130706433, 4294967295, 4294967296, -1, "1", "", None, [1]]:
        events.append(changed(FULL_PAGE_CLOSE, (["ip"], ip)))
    for path, values in [
        (["username"], [12345, 7, True, None]),
        (["context", "user_id"], [True, False, "42", " 42 ", "4_2", "x", None, ""]),
        (["session"], [123, True, None]),
        (["agent"], [5, True, None]),
        (["host"], [5, None]),
        (["accept_language"], [5, None]),
        (["referer"], [5, None]),
        (["page"], [5, True]),
        (["time"], [1700000000, "1700000000", True, None]),
        (["event_type"], [5]),
    ]:
        for value in values:
            events.append(changed(FULL_PAGE_CLOSE, (path, value)))
    for value in [True, False, "7.5", " 3 ", "1_0", "inf", None]:
        events.append(changed(FULL_PLAY, (["event", "currentTime"], value)))
    lines = [json.dumps(ev, ensure_ascii=False) for ev in events]
    # Lone surrogates: JSON escapes, so only ensure_ascii output can carry them.
    for path, value in [
        (["username"], "\ud800user"), (["page"], "https://lms.example.org/\udc00x"), (["agent"], "ua\udbff"),
        (["referer"], "https://lms.example.org/\ud800"), (["context", "course_user_tags", "k1"], "v\udfff"),
        (["context", "user_id"], "1\ud800"), (["username"], "ok\ud83d\ude00"), (["username"], "\ude00\ud83d"),
    ]:
        lines.append(json.dumps(changed(FULL_PAGE_CLOSE, (path, value))))
    for path, value in [(["event", "id"], "v\ud800"), (["agent"], "ua\udc80")]:
        lines.append(json.dumps(changed(FULL_PLAY, (path, value))))
    load = changed(FULL_PLAY, (["event_type"], "load_video"), (["event"], {"id": "video-1", "code": "html5"}))
    for agent in ["ua", "ua\udc80", "\ud83d\ude00", 5]:
        lines.append(json.dumps(changed(load, (["agent"], agent))))
    lines.append(json.dumps(changed(FULL_PAGE_CLOSE, (["context", "course_user_tags"], {"k\ud800": "v"}))))
    return lines


def byte_lines():
    """Byte-level families, written as bytes (the statement id hashes the raw line): BOM, line
    ends, encodings (invalid UTF-8, Latin-1, CESU-8 surrogates, overlong forms), and the exact
    lines of the Ralph-comparison issue."""
    page_close = json.dumps(FULL_PAGE_CLOSE, ensure_ascii=False).encode()
    play = json.dumps(FULL_PLAY, ensure_ascii=False).encode()

    def with_username(raw):
        return page_close.replace(b'"username": "edge"', b'"username": "' + raw + b'"')

    lines = [
        page_close + b"\n",
        b"\xef\xbb\xbf" + page_close + b"\n",
        b"\xef\xbb\xbf" + play + b"\n",
        b"\xef\xbb\xbf  " + page_close + b"\n",
        b"  \xef\xbb\xbf" + page_close + b"\n",
        with_username(b"a\xef\xbb\xbfb") + b"\n",  # U+FEFF inside a string is text
        page_close + b"\r\n",
        play + b"\r\n",
        page_close.replace(b'"edge"', b'"edge-cr"') + b"\r\r\n",
        page_close.replace(b'"edge"', b'"cr-inside"').replace(b", ", b",\r ", 1) + b"\n",
        b'{"event_type": "not json"\r\n',
        with_username(b"caf\xe9") + b"\n",  # Latin-1
        with_username(b"a\x80b") + b"\n",  # lone continuation byte
        with_username(b"a\xc0\xafb") + b"\n",  # overlong "/"
        with_username(b"a\xed\xa0\x80b") + b"\n",  # CESU-8 / WTF-8 surrogate
        with_username(b"a\xe2\x82") + b"\n",  # truncated sequence
        with_username(b"a\xffb") + b"\n",
        page_close + b"\xff\n",  # after the JSON
        with_username("a😀€b".encode()) + b"\n",  # valid 4- and 3-byte sequences
        json.dumps(changed(FULL_PAGE_CLOSE, (["username"], "caf\xe9")), ensure_ascii=False).encode("latin-1") + b"\n",
    ]
    # The lines: a non-ASCII host, comma decimals, ip true, a lone surrogate, Unicode spaces.
    lines.append(json.dumps(changed(FULL_PAGE_CLOSE, (["page"], "https://université.example/cours/1")),
                            ensure_ascii=False).encode() + b"\n")
    lines.append(json.dumps(changed(FULL_PAGE_CLOSE, (["time"], "2024-03-04T06:00:14,123Z"))).encode() + b"\n")
    lines.append(json.dumps(changed(FULL_PAGE_CLOSE, (["ip"], True))).encode() + b"\n")
    lines.append(with_username(b"\\ud800user") + b"\n")
    for ch in ["\u00a0", "\u2028", "\ufeff", "\u3000"]:
        lines.append(json.dumps(changed(FULL_PAGE_CLOSE, (["page"], "https://lms.example.org/a" + ch + "b")),
                                ensure_ascii=False).encode() + b"\n")
    lines.append(page_close.replace(b'"edge"', b'"last"'))  # last line, no terminator
    return lines


def long_run(count):
    """The history check of the issue: a non-ASCII URL, `count` ordinary lines, the same URL."""
    special = json.dumps(changed(FULL_PAGE_CLOSE, (["page"], "https://université.example/cours/1")),
                         ensure_ascii=False)
    lines = [special]
    for i in range(count):
        lines.append(json.dumps(changed(FULL_PAGE_CLOSE, (["username"], "user%d" % i))))
    lines.append(special)
    return lines



def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--bad-ratio", type=float, default=0.35)
    parser.add_argument("--ralph-valid", action="store_true", help="only events Ralph's edX models accept")
    parser.add_argument("--bytes", action="store_true", help="the byte-level families (BOM, line ends, encodings)")
    parser.add_argument("--long-run", type=int, default=0, help="history check: URL, N lines, the same URL")
    args = parser.parse_args()
    if args.bytes:
        with open(1, "wb", closefd=False) as out:
            out.write(b"".join(byte_lines()))
        return
    if args.long_run:
        with open(1, "w", encoding="utf-8", newline="", closefd=False) as out:
            out.write("".join(line + "\n" for line in long_run(args.long_run)))
        return
    rng = random.Random(args.seed)
    count = args.count or 600
    lines = []
    distinct = set()
    # Lines must be distinct (statement ids map back to lines); draw until `count` distinct ones.
    while len(distinct) < count:
        good = rng.random() >= args.bad_ratio
        event = make_event(rng, good)
        line = serialize(rng, ralph_valid(event) if args.ralph_valid else event)
        if line not in distinct:
            distinct.add(line)
            lines.append(line)
    # Each line is distinct so that statement ids map back to lines.
    if not args.count:
        lines += edge_lines() + family_lines()
    seen = set()
    with open(1, "w", encoding="utf-8", newline="", closefd=False) as out:
        for line in lines:
            if line in seen:
                continue
            seen.add(line)
            out.write(line + "\n")
        if not args.count:
            # On Linux Ralph splits stdin at "\n" only: this line is hashed with its "\r\n".
            out.write(json.dumps({"event_source": "server", "event_type": "/crlf", "context": {"path": "/crlf"}}) + "\r\n")


if __name__ == "__main__":
    main()
