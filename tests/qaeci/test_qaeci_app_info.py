"""env info on the library: what it shows of an app (FakeBackend runs real processes on
loopback), the links from the pack config's URL templates, secrets masked, and the chat block
its alias renders as StackStorm renders it."""

import os

import pytest
import yaml
from qaeci import app_info, links, redact, status
from qaeci.errors import ConfigError, EnvironmentNotFound, QaeciError
from qaeci.step_context import StepContext
from qaeci_envtree import env_up
from qaeci_testkit import SERVER_PY, make_repo, write_registry

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# The app prints its rendered config as it starts, as careless apps do: password included.
CHATTY_SERVER_PY = SERVER_PY.replace(
    "HTTPServer(", 'print("starting with", open("app.conf").read(), flush=True)\nHTTPServer('
)
DSN = (
    "mysql://{{ services.mysql.user }}:{{ services.mysql.password }}@"
    "{{ services.mysql.host }}:{{ services.mysql.port }}/{{ services.mysql.database }}"
)


def chatty_app(repos, code, depends_on=()):
    url = make_repo(
        os.path.join(repos, code),
        {"server.py": CHATTY_SERVER_PY, "app.conf": "%s db %s" % (code, DSN)},
    )
    return {
        "app_code": code,
        "scm": {"url": url, "branch": "master"},
        "build": {
            "method": "shell",
            "command": "mkdir -p dist && cp server.py app.conf dist/",
            "artifact": "dist",
        },
        "runtime": {"type": "python", "command": "server.py", "config_templates": ["app.conf"]},
        "check": {"urls": ["/health"], "timeout": 10},
        "depends_on": list(depends_on),
        "services": ["mysql"],
    }


@pytest.fixture
def context(tmp_path, datastore, backend):
    repos = str(tmp_path / "repos")
    registry = write_registry(
        str(tmp_path / "registry"),
        [chatty_app(repos, "api"), chatty_app(repos, "web", ["api"])],
        [
            {
                "name": "shop",
                "deploy_type": "beta",
                "managers": ["mia"],
                "services": {"mysql": {}},
                "apps": {"api": {}, "web": {}},
            }
        ],
    )
    config = {
        "registry_path": registry,
        "work_dir": str(tmp_path / "work"),
        "artifact_store": "file://" + str(tmp_path / "artifacts"),
        "router_port": 8088,
        "links": {
            "logs": "https://kibana.example/?q=env:{env}+app:{app}",
            "console": "https://marathon.example/ui/#/apps/{app_id}",
        },
    }
    return StepContext(config, datastore, backend=backend)


def test_env_info_shows_the_app_and_masks_the_password_its_log_prints(context, backend):
    env_up(context, "qa1", template="shop", requested_by="alice")
    info = app_info.app_info(context, "qa1", "api")
    assert (info["status"], info["url"], info["host"], info["deployed_by"]) == (
        "healthy",
        "http://api.qa1.localhost:8088/",
        "127.0.0.1",
        "alice",
    )
    assert info["port"] == backend.ports[("qa1", "api")]
    assert len(info["commit"]) == 40 and info["branch"] == "master"
    # FakeBackend knows no start time nor ids: the console link needs {app_id}, so it is left out.
    assert info["started_at"] is None and info["ids"] == {}
    assert info["links"] == {"logs": "https://kibana.example/?q=env:qa1+app:api"}
    password = backend.ensure_services("qa1", {"mysql": {}})["mysql"]["password"]
    assert "starting with api db mysql://qaeci:********@127.0.0.1:" in info["log_tail"]
    assert password not in repr(info)


def test_env_status_gives_each_app_its_deploy_and_address_too(context, backend):
    env_up(context, "qa1", template="shop", requested_by="alice")
    web = status.status(context, "qa1")["apps"]["web"]
    assert (web["status"], web["branch"], web["host"], web["deployed_by"]) == (
        "healthy",
        "master",
        "127.0.0.1",
        "alice",
    )
    assert web["port"] == backend.ports[("qa1", "web")] and web["deployed_at"]


def test_unknown_environment_app_or_line_count_is_one_line(context):
    with pytest.raises(EnvironmentNotFound, match="^environment qa9 does not exist; fix: "):
        app_info.app_info(context, "qa9", "api")
    env_up(context, "qa1", template="shop", requested_by="alice")
    with pytest.raises(app_info.UnknownApp) as refused:
        app_info.app_info(context, "qa1", "shop")
    assert str(refused.value) == (
        "app 'shop' is not in environment qa1; fix: ask about one of its apps (api, web)"
    )
    with pytest.raises(QaeciError, match="^log_lines 'many' is not a number; fix: "):
        app_info.app_info(context, "qa1", "api", log_lines="many")


# -- links ---------------------------------------------------------------------------------------


def test_links_are_rendered_with_encoded_values_and_left_out_without_one():
    templates = {
        "source": "https://git.example/{app}/tree/{branch}",
        "sandbox": "https://mesos.example/#/agents/{agent_id}/browse",
        "console": "https://marathon.example/ui/#/apps/{app_id}",
        "literal": "https://x.example/{{raw}}/{env}",
    }
    values = {
        "app": "f_tts",
        "branch": "feature/a b&c",
        "agent_id": None,
        "env": "qa1",
        "app_id": "/qaeci/qa1/f-tts",
    }
    assert links.render(templates, values) == {
        "source": "https://git.example/f_tts/tree/feature%2Fa%20b%26c",
        "console": "https://marathon.example/ui/#/apps/%2Fqaeci%2Fqa1%2Ff-tts",
        "literal": "https://x.example/{raw}/qa1",
    }


@pytest.mark.parametrize(
    "template, says",
    [
        (
            "https://g.example/?tenant={tenant}",
            "has an unknown placeholder {tenant}; fix: use only ",
        ),
        ("https://g.example/?p={port:05d}", "has an unknown placeholder {port:05d}; fix: "),
        ("https://g.example/?p={}", "has an unknown placeholder {}; fix: "),
        ("https://g.example/?app={app", "is not a valid URL template ("),
        ("", "links.metrics is '', not a URL template; fix: "),
    ],
)
def test_a_bad_template_is_a_config_error_naming_it(template, says):
    with pytest.raises(ConfigError) as refused:
        links.render({"metrics": template, "logs": "https://k.example/{app}"}, {"app": "web"})
    message = str(refused.value)
    assert message.startswith("links.metrics") and says in message and "\n" not in message
    assert message.endswith("configs/qaeci.yaml")


def test_links_that_are_not_a_mapping_are_refused():
    with pytest.raises(ConfigError, match="^links is not a mapping of names to URL templates"):
        links.render(["https://k.example/{app}"], {})


# -- secrets -------------------------------------------------------------------------------------


def test_secret_config_values_are_found_at_any_depth_of_the_schema():
    schema = {
        "backend": {"type": "string"},
        "artifact_store_key": {"type": "string", "secret": True},
        "clusters": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "marathon_url": {"type": "string"},
                    "marathon_auth": {"type": "string", "secret": True},
                },
            },
        },
    }
    values = {
        "backend": "marathon",
        "artifact_store_key": "AKIAEXAMPLEKEY",
        "clusters": {
            "dev": {"marathon_url": "http://127.0.0.1:8080", "marathon_auth": "qaeci:hunter22"}
        },
    }
    secrets = redact.config_secrets(values, schema)
    assert sorted(secrets) == ["AKIAEXAMPLEKEY", "qaeci:hunter22"]
    mask = redact.masker(secrets)
    assert mask(
        {
            "log": ["auth qaeci:hunter22 or hunter22 alone", "marathon"],
            "key": "AKIAEXAMPLEKEY",
            "port": 8080,
        }
    ) == {"log": ["auth ******** or ******** alone", "marathon"], "key": "********", "port": 8080}


def test_the_pack_schema_is_read_for_secrets():
    with open(os.path.join(REPO, "packs", "qaeci", "config.schema.yaml")) as handle:
        assert redact.pack_config_schema() == yaml.safe_load(handle)


# -- the chat block ------------------------------------------------------------------------------


def render_alias_result(status_, result, parameters):
    from st2lite.aliases import render_result

    with open(os.path.join(REPO, "packs", "qaeci", "aliases", "env_info.yaml")) as handle:
        alias = yaml.safe_load(handle)
    execution = {
        "id": "1",
        "action": "qaeci.env_info",
        "status": status_,
        "runner": "python-script",
        "parameters": parameters,
        "result": {"result": result, "stdout": "", "stderr": "", "exit_code": 0},
        "context": {"user": "alice"},
    }
    return render_result(alias, None, execution, None)


def test_the_chat_block_of_a_running_app(context):
    env_up(context, "qa1", template="shop", requested_by="alice")
    info = app_info.app_info(context, "qa1", "web", log_lines=1)
    text = render_alias_result("succeeded", info, {"env_name": "qa1", "app": "web"})
    assert text.splitlines() == [
        "✓ web in qa1: healthy",
        "http://web.qa1.localhost:8088/",
        "commit %s (master), on 127.0.0.1:%d" % (info["commit"][:10], info["port"]),
        "deployed %s by alice" % info["deployed_at"],
        "logs: https://kibana.example/?q=env:qa1+app:web",
        "log, last lines:",
        "```",
        info["log_tail"].strip(),
        "```",
    ]


def test_the_chat_block_of_a_failed_build_and_of_a_refusal():
    failed = {
        "env": "qa1",
        "app": "web",
        "status": "failed",
        "stage": "build",
        "reason": "make build exited with 2; see the build log",
        "url": "http://web.qa1.localhost:8088/",
        "commit": "9cda2a440365f5d9",
        "branch": "fix",
        "host": None,
        "port": 4100,
        "started_at": None,
        "deployed_at": None,
        "deployed_by": None,
        "links": {},
        "log_tail": "compiling\nError 3\n",
        "log_of": "build",
    }
    assert render_alias_result("succeeded", failed, {"env_name": "qa1", "app": "web"}) == "\n".join(
        [
            "✗ web in qa1: failed at build - make build exited with 2; see the build log",
            "http://web.qa1.localhost:8088/",
            "commit 9cda2a4403 (fix)",
            "not deployed yet",
            "build log, last lines:",
            "```",
            "compiling\nError 3",
            "```",
        ]
    )
    refused = {"error": "environment qa9 does not exist; fix: bring it up with env up qa9"}
    assert render_alias_result("failed", refused, {"env_name": "qa9", "app": "web"}) == (
        "✗ web in qa9: environment qa9 does not exist; fix: bring it up with env up qa9"
    )
