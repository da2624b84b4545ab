"""Every refusal of the registry, with the file, field and fix in one line."""

import pytest
from qaeci.errors import RegistryError
from qaeci.registry import Registry, check_env_name
from qaeci_testkit import write_registry


def app(code, **extra):
    data = {
        "app_code": code,
        "scm": {"url": "file:///nowhere/%s" % code},
        "build": {"method": "none"},
        "runtime": {"type": "command", "command": "true"},
    }
    data.update(extra)
    return data


def template(name="demo", apps=None, **extra):
    data = {"name": name, "apps": apps or {"web": {}}}
    data.update(extra)
    return data


def load(tmp_path, apps, templates):
    return Registry.load(write_registry(str(tmp_path), apps, templates))


def refusal(tmp_path, apps, templates, name=None):
    with pytest.raises(RegistryError) as caught:
        registry = load(tmp_path, apps, templates)
        registry.template(name or templates[0]["name"])
    message = str(caught.value)
    assert "\n" not in message and "fix:" in message
    return message


def test_a_valid_tree_loads_with_defaults(tmp_path):
    registry = load(
        tmp_path,
        [app("web", depends_on=["api"]), app("api")],
        [template(apps={"web": {"branch": "dev"}, "api": None})],
    )
    demo = registry.template("demo")
    assert demo.app_codes == ["api", "web"]
    assert demo.app_branches == {"web": "dev", "api": None}
    assert demo.deploy_type == "dev"
    assert registry.apps["web"].check_timeout == 120
    assert registry.validate_all() == {"apps": 2, "templates": 1}


def test_unknown_app_in_template_is_refused(tmp_path):
    message = refusal(tmp_path, [app("web")], [template(apps={"web": {}, "ghost": {}})])
    assert "envs/demo.yaml" in message and "apps.ghost" in message and "unknown app" in message


def test_dependency_outside_the_environment_is_refused(tmp_path):
    message = refusal(tmp_path, [app("web", depends_on=["api"]), app("api")], [template()])
    assert "web depends on api, which is not in the environment" in message


def test_dependency_on_unknown_app_is_refused(tmp_path):
    message = refusal(tmp_path, [app("web", depends_on=["nope"])], [template()])
    assert "apps/web.yaml" in message and "depends_on" in message and "'nope'" in message


def test_a_cycle_is_refused_and_named(tmp_path):
    message = refusal(
        tmp_path,
        [
            app("aa", depends_on=["bb"]),
            app("bb", depends_on=["cc"]),
            app("cc", depends_on=["aa"]),
            app("web"),
        ],
        [template()],
    )
    assert "dependency cycle aa -> bb -> cc -> aa" in message


def test_self_dependency_is_a_cycle(tmp_path):
    message = refusal(tmp_path, [app("web", depends_on=["web"])], [template()])
    assert "web -> web" in message


def test_duplicate_app_codes_are_refused(tmp_path):
    write_registry(str(tmp_path), [app("web")], [template()])
    (tmp_path / "apps" / "web_copy.yml").write_text(
        "app_code: web\nscm: {url: x}\nbuild: {method: none}\nruntime: {type: static}\n"
    )
    with pytest.raises(RegistryError) as caught:
        Registry.load(str(tmp_path))
    assert "duplicate app_code 'web'" in str(caught.value)
    assert "apps/web.yaml" in str(caught.value)


@pytest.mark.parametrize("code", ["Web", "1web", "w", "web-app", "a" * 41])
def test_bad_app_codes_are_refused(tmp_path, code):
    message = refusal(tmp_path, [app(code)], [template()])
    assert "field app_code" in message and "[a-z][a-z0-9_]{1,39}" in message


@pytest.mark.parametrize("name", ["QA1", "qa_1", "-qa", "qa-", "a" * 64, "qa.1", ""])
def test_environment_names_must_be_dns_labels(name):
    with pytest.raises(RegistryError) as caught:
        check_env_name(name)
    assert "not a DNS label" in str(caught.value)


@pytest.mark.parametrize("name", ["qa1", "q", "team-a-2", "1qa"])
def test_dns_labels_are_accepted(name):
    assert check_env_name(name) == name


def test_unknown_build_method_names_the_choices(tmp_path):
    message = refusal(tmp_path, [app("web", build={"method": "gradle"})], [template()])
    assert "apps/web.yaml: field build.method" in message
    assert "use one of mvn, npm, make, shell, none" in message


def test_missing_field_says_what_to_add(tmp_path):
    broken = app("web")
    del broken["runtime"]
    message = refusal(tmp_path, [broken], [template()])
    assert "add the field runtime" in message


def test_misspelt_field_is_refused(tmp_path):
    message = refusal(tmp_path, [app("web", depend_on=["x"])], [template()])
    assert "remove the unknown field" in message


def test_service_the_template_lacks_is_refused(tmp_path):
    message = refusal(tmp_path, [app("web", services=["redis"])], [template()])
    assert "uses service redis, which the template does not provide" in message


def test_unknown_service_in_template_is_refused(tmp_path):
    message = refusal(tmp_path, [app("web")], [template(services={"oracle": {}})])
    assert "field services" in message


def test_invalid_yaml_names_the_file(tmp_path):
    write_registry(str(tmp_path), [app("web")], [template()])
    (tmp_path / "envs" / "demo.yaml").write_text("name: demo\napps: [unclosed\n")
    with pytest.raises(RegistryError) as caught:
        Registry.load(str(tmp_path))
    assert "envs/demo.yaml" in str(caught.value) and "not valid YAML" in str(caught.value)


def test_unknown_template_lists_the_known_ones(tmp_path):
    registry = load(tmp_path, [app("web")], [template()])
    with pytest.raises(RegistryError) as caught:
        registry.template("prod")
    assert "unknown environment template 'prod'" in str(caught.value) and "demo" in str(
        caught.value
    )


def test_missing_registry_directory(tmp_path):
    with pytest.raises(RegistryError) as caught:
        Registry.load(str(tmp_path / "absent"))
    assert "registry_path" in str(caught.value)
