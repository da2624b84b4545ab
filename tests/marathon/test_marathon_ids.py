"""App ids: /qaeci/ENV/APP, with '_' mapped one-to-one, and the ids Marathon refuses or
mishandles refused here in one line."""

import pytest
from qaeci.backends import marathon_ids
from qaeci.backends.base import BackendError


@pytest.mark.parametrize("code", ["web", "f_tts_inter_java", "a__b", "x1_2"])
def test_codes_map_to_valid_segments_and_back(code):
    segment = marathon_ids.app_segment(code)
    assert "_" not in segment
    assert marathon_ids.app_code(segment) == code
    assert marathon_ids.parse_app_id(marathon_ids.app_id("e1", code)) == ("e1", code)


def test_distinct_codes_get_distinct_ids():
    codes = ["ab_c", "a_bc", "abc", "a_b_c"]
    assert len({marathon_ids.app_id("e1", code) for code in codes}) == len(codes)


def test_services_can_never_take_an_app_id():
    service = marathon_ids.service_id("e1", "mysql")
    assert service == "/qaeci/e1/svc.mysql"
    assert marathon_ids.is_service_segment(marathon_ids.parse_app_id(service)[1])
    assert service != marathon_ids.app_id("e1", "svc_mysql")


@pytest.mark.parametrize(
    "env, code, words",
    [
        ("web", "web", ["repeats the path segment 'web'", "#2855"]),
        ("qaeci", "web", ["repeats the path segment 'qaeci'"]),
        ("e1", "tasks", ["reserves", "fix: rename the app"]),
        ("e1", "versions", ["reserves"]),
        ("E1", "web", ["segment 'E1'", "fix:"]),
        ("e1", "web_", ["ends with '_'", "fix: rename the app"]),
        ("e1", "Web", ["cannot be deployed to Marathon"]),
    ],
)
def test_ids_marathon_refuses_or_mishandles_are_refused_in_one_line(env, code, words):
    with pytest.raises(BackendError) as refused:
        marathon_ids.app_id(env, code)
    message = str(refused.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_ids_of_other_owners_are_not_ours():
    assert marathon_ids.parse_app_id("/other/e1/web") is None
    assert marathon_ids.parse_app_id("/qaeci/e1") is None
