from st2tests.base import BaseActionAliasTestCase


class EnvUpAliasTestCase(BaseActionAliasTestCase):
    action_alias_name = "env_up"
    FORMAT = "env up {{ env }}"

    def test_env_up_with_options(self):
        format_string = self.FORMAT
        self.assertExtractedParametersMatch(format_string, "env up qa1", {"env": "qa1"})
        self.assertExtractedParametersMatch(
            format_string, "env up qa1 template=demo apps=web,api branch=dev branches=web=feat",
            {"env": "qa1", "template": "demo", "apps": "web,api", "branch": "dev",
             "branches": "web=feat"})

    def test_one_format_only(self):
        format_string = self.FORMAT
        self.assertCommandMatchesExactlyOneFormatString([format_string], "env up qa1 from demo")


class EnvDownAliasTestCase(BaseActionAliasTestCase):
    action_alias_name = "env_down"
    FORMAT = "env down {{ env }}"

    def test_env_down(self):
        format_string = self.FORMAT
        self.assertExtractedParametersMatch(format_string, "env down qa1", {"env": "qa1"})
        self.assertExtractedParametersMatch(format_string, "env down qa1 apps=web",
                                            {"env": "qa1", "apps": "web"})


class EnvStatusAliasTestCase(BaseActionAliasTestCase):
    action_alias_name = "env_status"

    def test_env_status(self):
        self.assertExtractedParametersMatch("env status {{ env }}", "env status qa1",
                                            {"env": "qa1"})


class EnvRebuildFailedAliasTestCase(BaseActionAliasTestCase):
    action_alias_name = "env_rebuild_failed"

    def test_env_rebuild_failed(self):
        self.assertExtractedParametersMatch("env rebuild-failed {{ env }}",
                                            "env rebuild-failed qa1", {"env": "qa1"})


class EnvListAliasTestCase(BaseActionAliasTestCase):
    action_alias_name = "env_list"

    def test_env_list(self):
        self.assertExtractedParametersMatch("env list", "env list", {})
