"""Execution output as the API and the stream send it (StackStorm's ActionExecutionOutputAPI,
event `st2.execution.output__create`), read from the output store, so that what any st2lite
process runs is seen, while it runs.

The bus only wakes a stream when this process stores output (events.ExecutionEvents); what is
new is always read from the store, in order, and a quiet stream looks there too, which is how
the output of executions run by another st2lite process (`st2lite run`) arrives.
"""

import fnmatch

from st2lite.api import shapes
from st2lite.store.executions import FINAL_STATES
from st2lite.store.reading import all_after

OUTPUT_EVENT = "st2.execution.output__create"


def wanted_type(query):
    """The output_type filter of a request: None for all."""
    output_type = query.get("output_type")
    return None if output_type in (None, "", "all") else output_type


def event_data(chunk):
    return {
        "id": str(chunk["id"]),
        "execution_id": chunk["execution_id"],
        "action_ref": chunk["action_ref"],
        "runner_ref": chunk["runner_ref"],
        "timestamp": chunk["timestamp"],
        "output_type": chunk["output_type"],
        "data": chunk["data"],
    }


def recorded(runtime, record, output_type=None):
    """Event data of all the execution wrote so far. An execution that ended before st2lite
    stored output (a state directory of an older st2lite) has it from its result."""
    chunks = runtime.output.for_execution(record["id"], output_type)
    if chunks or record["status"] not in FINAL_STATES:
        return [event_data(chunk) for chunk in chunks]
    return [
        {
            "id": "%s-%s" % (record["id"], kind),
            "execution_id": record["id"],
            "action_ref": record["action"],
            "runner_ref": record["runner"],
            "timestamp": record["end_timestamp"],
            "output_type": kind,
            "data": text,
        }
        for kind, text in shapes.output_chunks(record)
        if output_type in (None, kind)
    ]


class OutputFeed(object):
    """The output events of one `/stream` connection: those stored since it connected that its
    filters (a stream.StreamRequest) take."""

    def __init__(self, store, wanted):
        self.store = store
        self.wanted = wanted
        self.active = any(fnmatch.fnmatchcase(OUTPUT_EVENT, p) for p in wanted.events)
        self.position = store.latest_id() if self.active else 0

    def newer(self):
        """Event data of the wanted chunks stored since the last call, oldest first."""
        if not self.active:
            return []
        chunks, self.position = all_after(self.store, self.position)
        found = [event_data(chunk) for chunk in chunks]
        return [data for data in found if self.wanted.accept(OUTPUT_EVENT, data)]


class ExecutionOutput(object):
    """One execution's output chunks, each returned once, in order."""

    def __init__(self, store, execution_id, output_type=None):
        self.store = store
        self.execution_id = execution_id
        self.output_type = output_type
        self.position = 0

    def newer(self):
        chunks = self.store.for_execution(self.execution_id, self.output_type, self.position)
        if chunks:
            self.position = chunks[-1]["id"]
        return [event_data(chunk) for chunk in chunks]
