"""The parts behind the local events sensor, without supervisord: the spool (bounded, replayable,
one consumer), how a program ended (supervisord's log, the kernel's OOM records) and the
mapping of a spooled event to triggers."""

import json
import os
import time

import pytest
from qaeci.backends import local_event_spool as spool
from qaeci.backends.local_event_triggers import MalformedRecord, check_record, triggers_for
from qaeci.backends.local_exits import ExitFinder, exit_code_of, oom_killed


def record(number):
    return {
        "v": 1,
        "time": 1700000000.0 + number,
        "event": "PROCESS_STATE_RUNNING",
        "process": "env1.web",
        "pid": 100 + number,
    }


def pids(lines):
    return [json.loads(line.text)["pid"] for line in lines]


def read_all(reader, batch=100):
    seen = []
    while True:
        lines = reader.read(batch)
        if not lines:
            return seen
        seen.extend(pids(lines))
        reader.commit(lines[-1])


# -- the spool --------------------------------------------------------------------------------


def test_a_new_reader_starts_where_the_last_one_committed(tmp_path):
    writer = spool.SpoolWriter(str(tmp_path))
    for number in range(5):
        writer.append(record(number))
    first = spool.SpoolReader(str(tmp_path))
    lines = first.read(3)
    assert pids(lines) == [100, 101, 102]
    first.commit(lines[1])
    assert pids(spool.SpoolReader(str(tmp_path)).read(10)) == [102, 103, 104]


def test_the_spool_is_bounded_and_the_reader_says_what_was_dropped(tmp_path):
    writer = spool.SpoolWriter(str(tmp_path), segment_bytes=300, max_segments=3)
    reader = spool.SpoolReader(str(tmp_path))
    writer.append(record(0))
    reader.commit(reader.read(1)[0])
    for number in range(1, 40):
        writer.append(record(number))
    assert len(os.listdir(os.path.join(str(tmp_path), "spool"))) == 3
    seen = read_all(reader)
    assert "dropped unread" in reader.notices[0]
    assert seen[-1] == 139 and 101 not in seen
    assert seen == list(range(seen[0], 140))  # from the oldest segment kept, nothing skipped


def test_reading_crosses_segments_and_deletes_the_ones_consumed(tmp_path):
    writer = spool.SpoolWriter(str(tmp_path), segment_bytes=300, max_segments=100)
    for number in range(12):
        writer.append(record(number))
    reader = spool.SpoolReader(str(tmp_path))
    assert read_all(reader, batch=2) == [100 + number for number in range(12)]
    assert len(os.listdir(os.path.join(str(tmp_path), "spool"))) == 1


def test_a_spool_made_anew_is_read_from_its_start(tmp_path):
    directory = str(tmp_path / "events")
    spool.SpoolWriter(directory).append(record(0))
    reader = spool.SpoolReader(directory)
    reader.commit(reader.read(1)[0])
    for name in os.listdir(directory):  # the work_dir wiped and the back end run again
        path = os.path.join(directory, name)
        if os.path.isdir(path):
            for inner in os.listdir(path):
                os.unlink(os.path.join(path, inner))
        else:
            os.unlink(path)
    spool.SpoolWriter(directory).append(record(7))
    assert pids(reader.read(10)) == [107]
    assert "made anew" in reader.notices[0]


def test_a_torn_line_is_ended_by_the_next_writer_and_read_as_one_bad_line(tmp_path):
    spool.SpoolWriter(str(tmp_path)).append(record(0))
    segment = os.path.join(str(tmp_path), "spool", "0000000001.jsonl")
    with open(segment, "a") as handle:
        handle.write('{"v": 1, "ti')  # a writer died here
    spool.SpoolWriter(str(tmp_path)).append(record(1))
    texts = [line.text for line in spool.SpoolReader(str(tmp_path)).read(10)]
    assert texts[1] == '{"v": 1, "ti'
    assert json.loads(texts[2])["pid"] == 101


def test_an_unfinished_last_line_is_waited_for(tmp_path):
    spool.SpoolWriter(str(tmp_path)).append(record(0))
    segment = os.path.join(str(tmp_path), "spool", "0000000001.jsonl")
    with open(segment, "a") as handle:
        handle.write('{"v": 1, "ti')  # being written right now
    assert len(spool.SpoolReader(str(tmp_path)).read(10)) == 1


def test_only_one_reader_consumes_the_spool(tmp_path):
    spool.SpoolWriter(str(tmp_path)).append(record(0))
    first, second = spool.SpoolReader(str(tmp_path)), spool.SpoolReader(str(tmp_path))
    assert first.acquire() and not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


# -- how a program ended ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "description, expected",
    [
        ("exit status 3; not expected", (3, None)),
        ("exit status 0; expected", (0, None)),
        ("terminated by SIGKILL; not expected", (137, "SIGKILL")),
        ("terminated by SIGTERM", (143, "SIGTERM")),
        ("terminated by SIGSEGV (core dumped); not expected", (139, "SIGSEGV")),
        ("terminated by signal 40", (168, "signal 40")),
        ("unknown termination cause 0x0001", (None, None)),
    ],
)
def test_exit_codes_read_from_supervisords_words(description, expected):
    assert exit_code_of(description) == expected


LOG = """2024-01-01 10:00:00,001 INFO spawned: 'env1.web' with pid 10
2024-01-01 10:00:00,002 INFO spawned: 'env1.web2' with pid 11
2024-01-01 10:00:00,003 WARN exited: env1.web (exit status 3; not expected)
2024-01-01 10:00:00,004 INFO gave up: env1.web entered FATAL state, too many start retries too quickly
2024-01-01 10:00:05,000 INFO success: env1.web2 entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)
2024-01-01 10:00:09,000 WARN stopped: env1.web2 (terminated by SIGTERM)
"""


def test_an_exit_is_found_by_program_and_pid(tmp_path):
    log = tmp_path / "supervisord.log"
    log.write_text(LOG)
    finder = ExitFinder(str(log), kernel_log=str(tmp_path / "none"))
    stopped = finder.after_exit("env1.web2", 11)
    assert (stopped.pid, stopped.code, stopped.signal) == (11, 143, "SIGTERM")
    backoff = finder.after_backoff("env1.web")
    assert (backoff.pid, backoff.code) == (10, 3)
    # a second BACKOFF with no spawn since (the spawn itself failed) has no exit to tell
    assert finder.after_backoff("env1.web") is None


def test_the_exit_of_a_long_run_whose_spawn_left_the_log(tmp_path):
    log = tmp_path / "supervisord.log"
    log.write_text("2024-01-02 10:00:00,000 INFO exited: env1.web (exit status 0; expected)\n")
    end = ExitFinder(str(log)).after_exit("env1.web", 4242)
    assert (end.pid, end.code) == (None, 0)


def kernel_log(tmp_path, lines):
    path = tmp_path / "kmsg"
    path.write_text("".join(line + "\n" for line in lines))
    return str(path)


def microseconds_ago(seconds):
    return int((time.monotonic() - seconds) * 1e6)


def test_an_oom_kill_is_told_only_by_the_kernels_record_of_that_pid(tmp_path):
    recent = microseconds_ago(1)
    path = kernel_log(
        tmp_path,
        [
            "6,900,%d,-;python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0" % recent,
            "3,901,%d,-;Memory cgroup out of memory: Killed process 4242 (python3) "
            "total-vm:1234kB, anon-rss:1000kB" % recent,
            " SUBSYSTEM=memory",
            "6,902,%d,-;oom-kill:constraint=CONSTRAINT_MEMCG,task=java,pid=5151,uid=0" % recent,
            "3,903,%d,-;Out of memory: Killed process 6161 (old)" % microseconds_ago(120),
            "14,904,%d,-;Killed process 7171 (a user's words, not the kernel's)" % recent,
        ],
    )
    assert oom_killed(4242, path) is True
    assert oom_killed(5151, path) is True
    assert oom_killed(6161, path) is False  # too long ago: the pid may be another process now
    assert oom_killed(7171, path) is False
    assert oom_killed(8181, path) is False
    assert oom_killed(4242, str(tmp_path / "unreadable")) is None


# -- spooled events to triggers -----------------------------------------------------------------


def spooled(event, **fields):
    base = {
        "v": 1,
        "time": 1700000000.5,
        "event": event,
        "process": "env1.web",
        "group": "env1.web",
        "pid": 4242,
        "port": 31044,
        "exit": None,
        "oom": None,
    }
    base.update(fields)
    return base


def test_an_oom_kill_is_a_container_oom_and_not_a_container_exit():
    end = {"pid": 4242, "code": 137, "signal": "SIGKILL", "description": "terminated by SIGKILL"}
    found = triggers_for(spooled("PROCESS_STATE_EXITED", expected=False, exit=end, oom=True))
    assert [name for name, _payload in found] == ["task_status", "container_oom"]
    assert found[1][1]["exit_code"] == 137
    assert found[0][1]["ports"] == [31044]


def test_a_base_service_is_app_svc_name_of_its_env():
    [(name, payload)] = triggers_for(spooled("PROCESS_STATE_RUNNING", process="env1.svc-mysql"))
    assert (payload["env"], payload["app"], payload["state"]) == (
        "env1",
        "svc.mysql",
        "TASK_RUNNING",
    )


@pytest.mark.parametrize("program", ["qaeci-router", "qaeci-events", "Env.web", "env1."])
def test_programs_that_are_not_tasks_give_no_trigger(program):
    assert triggers_for(spooled("PROCESS_STATE_RUNNING", process=program)) == []


def test_a_spawn_that_failed_is_staging_without_a_container_exit():
    [(name, payload)] = triggers_for(spooled("PROCESS_STATE_BACKOFF", pid=None))
    assert (payload["state"], payload["message"]) == ("TASK_STAGING", "could not be started")


@pytest.mark.parametrize(
    "bad, kind",
    [
        ([1, 2], "not a JSON object"),
        ({"v": 1, "time": 1}, "missing fields"),
        ({"v": 2, "time": 1, "event": "X", "process": "a.b"}, "unknown record version"),
        ({"v": 1, "time": "noon", "event": "X", "process": "a.b"}, "wrong field types"),
        ({"v": 1, "time": 1, "event": "X", "process": "a.b", "exit": "3"}, "wrong field types"),
    ],
)
def test_records_that_are_not_records_are_refused_by_kind(bad, kind):
    with pytest.raises(MalformedRecord) as refused:
        check_record(bad)
    assert refused.value.kind == kind
