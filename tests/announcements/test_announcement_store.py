"""What the stream will rely on: announcements survive a restart, stay bounded in count (per
route) and age, and wait for a listener of their route until it marks them delivered."""

import pytest

from st2lite import announcements
from st2lite.store import announcements as store_module
from st2lite.store.announcements import AnnouncementStore
from st2lite.store.db import Database


class Clock(object):
    def __init__(self):
        self.now = 1_800_000_000.0

    def time(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(store_module.time, "time", fake.time)
    return fake


def messages(rows):
    return [row["payload"]["message"] for row in rows]


def test_announcements_outlive_the_process_that_published_them(tmp_path):
    published = announcements.publish(
        Database(str(tmp_path)), "chatops", {"message": "hi"}, {"trace_tag": "t1"}
    )
    reopened = Database(str(tmp_path))  # another process, after a restart
    [pending] = announcements.undelivered(reopened, "chatops")
    assert pending == published
    assert announcements.event_name(pending) == "st2.announcement__chatops"
    assert announcements.event_data(pending) == {
        "payload": {"message": "hi"},
        "trace_context": {"trace_tag": "t1"},
    }


def test_each_route_keeps_only_its_newest(tmp_path, clock):
    store = AnnouncementStore(Database(str(tmp_path)), max_per_route=3)
    for n in range(5):
        store.add("chatops", {"message": "c%d" % n})
    store.add("errbot", {"message": "e0"})
    assert messages(store.recent(route="chatops")) == ["c4", "c3", "c2"]
    assert messages(store.recent(route="errbot")) == ["e0"]
    assert store.add("chatops", {"message": "c5"})["id"] == 7  # ids are never reused


def test_old_announcements_are_neither_delivered_nor_kept(tmp_path, clock):
    store = AnnouncementStore(Database(str(tmp_path)), max_age=3600)
    store.add("chatops", {"message": "old"})
    clock.now += 3000
    store.add("chatops", {"message": "recent"})
    clock.now += 1000  # "old" is now 4000 s old
    assert messages(store.undelivered("chatops")) == ["recent"]
    assert messages(store.recent()) == ["recent"]
    store.add("errbot", {"message": "new"})  # any publish prunes
    rows = store.db.query("SELECT payload FROM announcements")
    assert len(rows) == 2


def test_a_listener_takes_what_waits_for_its_route_once(tmp_path):
    db = Database(str(tmp_path))
    first = announcements.publish(db, "chatops", {"message": "one"})
    announcements.publish(db, "errbot", {"message": "other route"})
    second = announcements.publish(db, "chatops", {"message": "two"})
    assert messages(announcements.undelivered(db, "chatops")) == ["one", "two"]
    assert messages(announcements.undelivered(db, "chatops", after_id=first["id"])) == ["two"]
    assert announcements.mark_delivered(db, [first["id"], second["id"]]) == 2
    assert announcements.mark_delivered(db, [first["id"]]) == 0
    assert announcements.undelivered(db, "chatops") == []
    [listed] = [a for a in announcements.recent(db, route="chatops", limit=1)]
    assert listed["id"] == second["id"] and listed["delivered_at"].endswith("Z")
    assert messages(announcements.undelivered(db, "errbot")) == ["other route"]


@pytest.mark.parametrize(
    "route, payload, trace_context, complaint",
    [
        ("", {}, None, "route must be non-empty text"),
        (None, {}, None, "route must be non-empty text"),
        ("chatops", ["a"], None, "payload must be an object, got list"),
        ("chatops", {}, "t", "trace context must be an object, got str"),
    ],
)
def test_what_stackstorm_refuses_to_dispatch_is_refused(
    tmp_path, route, payload, trace_context, complaint
):
    db = Database(str(tmp_path))
    with pytest.raises(announcements.AnnouncementError, match=complaint):
        announcements.publish(db, route, payload, trace_context)
    assert announcements.recent(db) == []


def test_a_listener_in_the_process_hears_each_publish_and_cannot_break_it(tmp_path):
    db = Database(str(tmp_path))
    heard = []

    def broken(announcement):
        raise RuntimeError("listener bug")

    announcements.add_listener(broken)
    announcements.add_listener(heard.append)
    try:
        published = announcements.publish(db, "errbot", {"message": "hi"})
    finally:
        announcements.remove_listener(broken)
        announcements.remove_listener(heard.append)
    assert heard == [published]
    announcements.publish(db, "errbot", {"message": "unheard"})
    assert heard == [published]


def test_the_stream_reads_every_route_in_order_and_the_newest_id_outlives_pruning(tmp_path):
    store = AnnouncementStore(Database(str(tmp_path)), max_per_route=2)
    assert store.latest_id() == 0
    for route, message in (("chatops", "a"), ("errbot", "b"), ("chatops", "c"), ("chatops", "d")):
        store.add(route, {"message": message})
    assert messages(store.after(0)) == ["b", "c", "d"]  # "a" was pruned (2 per route)
    first = store.after(0)[0]["id"]
    assert messages(store.after(first)) == ["c", "d"]
    store.mark_delivered([first])
    assert messages(store.undelivered_through(store.latest_id())) == ["c", "d"]
    assert messages(store.undelivered_through(first + 1)) == ["c"]
    assert store.latest_id() == 4
    store.mark_delivered([r["id"] for r in store.after(0)])
    assert AnnouncementStore(Database(str(tmp_path))).latest_id() == 4  # ids are never reused
