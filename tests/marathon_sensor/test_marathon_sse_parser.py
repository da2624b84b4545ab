"""The SSE parser on the recorded `/v2/events` body: however the bytes are split into chunks,
the same events come out, each the recorded payload."""

import json

import pytest
from qaeci.marathon_sse import SseParser

from tests.marathon_sensor.stream_helpers import event_payload, recorded_stream

RECORDED_TYPES = [
    "event_stream_attached",
    "api_post_event",
    "deployment_info",
    "status_update_event",
    "instance_changed_event",
    "status_update_event",
    "instance_changed_event",
    "deployment_step_success",
    "deployment_success",
    "group_change_success",
]


def parse_in_chunks(raw, size):
    parser = SseParser()
    events = []
    for start in range(0, len(raw), size):
        events += parser.feed(raw[start : start + size])
    return events, parser


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 333, 100000])
def test_the_recorded_stream_parses_the_same_in_any_chunking(size):
    events, parser = parse_in_chunks(recorded_stream(), size)
    assert [kind.decode() for kind, _ in events] == RECORDED_TYPES
    assert not parser.pending
    running = json.loads(events[5][1])
    assert running["taskStatus"] == "TASK_RUNNING"
    assert json.loads(events[0][1]) == event_payload("event_stream_attached")
    assert json.loads(events[8][1]) == event_payload("deployment_success")


def test_heartbeats_end_nothing_and_data_stays_bytes():
    parser = SseParser()
    assert parser.feed(b"\r\n\r\n\r\n") == []
    assert parser.feed(b"event: deployment_info\r\ndata: {}\r\n") == []
    assert parser.pending
    assert parser.feed(b"\r\n\r\n") == [(b"deployment_info", b"{}")]
    assert not parser.pending


def test_lf_endings_multi_line_data_comments_and_ids():
    parser = SseParser()
    events = parser.feed(
        b': a comment\nid: 7\nretry: 10\nevent:x\ndata:{"a":\ndata: 1}\n\ndata: plain\n\n'
    )
    assert events == [(b"x", b'{"a":\n1}'), (b"message", b"plain")]


def test_a_cut_mid_event_leaves_it_pending_not_dispatched():
    raw = recorded_stream()
    cut = raw.index(b"TASK_RUNNING")
    events, parser = parse_in_chunks(raw[:cut], 4096)
    assert [kind for kind, _ in events][-1] == b"instance_changed_event"
    assert parser.pending
