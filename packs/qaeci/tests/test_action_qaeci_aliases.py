"""The chat commands: each alias's format takes the commands a user types, with every option as a
trailing key=value, and extracts the parameters its action gets; near misses match no alias;
no command matches two aliases (StackStorm would refuse it as ambiguous)."""

from qaeci_pack_testkit import alias_format_strings, pack_resources
from st2tests.base import BaseActionAliasTestCase


def all_format_strings():
    return [
        text for alias in pack_resources("aliases").values() for text in alias_format_strings(alias)
    ]


class QaeciAliasTestCase(BaseActionAliasTestCase):
    """FORMAT is the alias's one format string; COMMANDS {typed: extracted parameters};
    NEAR_MISSES are commands that must match no alias of the pack."""

    FORMAT = None
    COMMANDS = {}
    NEAR_MISSES = []

    def check_alias(self):
        alias = pack_resources("aliases")[self.action_alias_name]
        self.assertEqual(alias_format_strings(alias), [self.FORMAT])
        self.assertEqual(alias["action_ref"], "qaeci." + self.action_alias_name)
        for command, parameters in sorted(self.COMMANDS.items()):
            self.assertExtractedParametersMatch(self.FORMAT, command, parameters)
            self.assertCommandMatchesExactlyOneFormatString(all_format_strings(), command)
        for command in self.NEAR_MISSES:
            with self.assertRaisesRegex(AssertionError, "didn't match any of the provided format"):
                self.assertCommandMatchesExactlyOneFormatString(all_format_strings(), command)


class EnvUpAliasTestCase(QaeciAliasTestCase):
    action_alias_name = "env_up"
    FORMAT = "env up {{ env }}"
    COMMANDS = {
        "env up qa1": {"env": "qa1"},
        "env up qa1 template=demo": {"env": "qa1", "template": "demo"},
        "env up qa1 apps=web,api": {"env": "qa1", "apps": "web,api"},
        "env up qa1 template=demo apps=web,api branch=dev branches=web=feat": {
            "env": "qa1",
            "template": "demo",
            "apps": "web,api",
            "branch": "dev",
            "branches": "web=feat",
        },
        "env up qa1 branches=web=feature-x,api:fix-1": {
            "env": "qa1",
            "branches": "web=feature-x,api:fix-1",
        },
        # Not an option: the whole text is the env name, which env_plan refuses with a hint.
        "env up qa1 from demo": {"env": "qa1 from demo"},
    }
    NEAR_MISSES = ["env up", "env upp qa1", "envup qa1", "please env up qa1"]

    def test_env_up(self):
        self.check_alias()


class EnvDownAliasTestCase(QaeciAliasTestCase):
    action_alias_name = "env_down"
    FORMAT = "env down {{ env }}"
    COMMANDS = {
        "env down qa1": {"env": "qa1"},
        "env down qa1 apps=web": {"env": "qa1", "apps": "web"},
        "env down qa1 apps=web,api": {"env": "qa1", "apps": "web,api"},
    }
    NEAR_MISSES = ["env down", "env dwn qa1", "env downs qa1"]

    def test_env_down(self):
        self.check_alias()


class EnvStatusAliasTestCase(QaeciAliasTestCase):
    action_alias_name = "env_status"
    FORMAT = "env status {{ env }}"
    COMMANDS = {"env status qa1": {"env": "qa1"}}
    NEAR_MISSES = ["env status", "env stat qa1", "env qa1 status"]

    def test_env_status(self):
        self.check_alias()


class EnvInfoAliasTestCase(QaeciAliasTestCase):
    action_alias_name = "env_info"
    FORMAT = "env info {{ env_name }} {{ app }}"
    COMMANDS = {
        "env info qa1 web": {"env_name": "qa1", "app": "web"},
        "env info qa1 f_tts_inter_java": {"env_name": "qa1", "app": "f_tts_inter_java"},
        "env info qa1 web log_lines=50": {"env_name": "qa1", "app": "web", "log_lines": "50"},
    }
    NEAR_MISSES = ["env info", "env info qa1", "env infos qa1 web", "env inf qa1 web"]

    def test_env_info(self):
        self.check_alias()


class EnvRebuildFailedAliasTestCase(QaeciAliasTestCase):
    action_alias_name = "env_rebuild_failed"
    FORMAT = "env rebuild-failed {{ env }}"
    COMMANDS = {"env rebuild-failed qa1": {"env": "qa1"}}
    NEAR_MISSES = ["env rebuild-failed", "env rebuild failed qa1", "env rebuild qa1"]

    def test_env_rebuild_failed(self):
        self.check_alias()


class EnvListAliasTestCase(QaeciAliasTestCase):
    action_alias_name = "env_list"
    FORMAT = "env list"
    COMMANDS = {"env list": {}}
    NEAR_MISSES = ["env lists", "env list all", "list envs"]

    def test_env_list(self):
        self.check_alias()


class RemediationHistoryAliasTestCase(QaeciAliasTestCase):
    action_alias_name = "remediation_history"
    FORMAT = 'remediation history {{ app="" }}'
    COMMANDS = {
        "remediation history": {"app": ""},
        "remediation history web": {"app": "web"},
        "remediation history qa1/web": {"app": "qa1/web"},
        "remediation history web env_name=qa1 limit=20": {
            "app": "web",
            "env_name": "qa1",
            "limit": "20",
        },
    }
    NEAR_MISSES = ["remediation", "remediations history", "history web", "env history qa1"]

    def test_remediation_history(self):
        self.check_alias()


class EveryAliasIsTestedTestCase(BaseActionAliasTestCase):
    action_alias_name = "env_list"

    def test_every_alias_of_the_pack_has_a_test_case_here(self):
        tested = set(case.action_alias_name for case in QaeciAliasTestCase.__subclasses__())
        self.assertEqual(sorted(pack_resources("aliases")), sorted(tested))


class ClusterCapacityAliasTestCase(QaeciAliasTestCase):
    action_alias_name = "cluster_capacity"
    FORMAT = "cluster capacity"
    COMMANDS = {"cluster capacity": {}}
    NEAR_MISSES = ["cluster capacities", "capacity", "cluster"]

    def test_cluster_capacity(self):
        self.check_alias()


class ClusterScaleOutAliasTestCase(QaeciAliasTestCase):
    action_alias_name = "cluster_scale_out"
    FORMAT = "cluster scale out {{ count }}"
    COMMANDS = {"cluster scale out 2": {"count": "2"}, "cluster scale out 10": {"count": "10"}}
    NEAR_MISSES = ["cluster scale out", "cluster scaleout 2", "cluster scale up 2"]

    def test_cluster_scale_out(self):
        self.check_alias()


class ClusterScaleInAliasTestCase(QaeciAliasTestCase):
    action_alias_name = "cluster_scale_in"
    FORMAT = "cluster scale in"
    COMMANDS = {"cluster scale in": {}}
    NEAR_MISSES = ["cluster scale", "cluster scalein", "cluster scale down"]

    def test_cluster_scale_in(self):
        self.check_alias()


class InquiryApproveAliasTestCase(QaeciAliasTestCase):
    action_alias_name = "inquiry_approve"
    FORMAT = "approve {{ inquiry_id }}"
    COMMANDS = {"approve 5f0c1d2e3a4b5c6d7e8f9a0b": {"inquiry_id": "5f0c1d2e3a4b5c6d7e8f9a0b"}}
    NEAR_MISSES = ["approve", "approved 5f0c1d2e", "please approve 5f0c1d2e"]

    def test_inquiry_approve(self):
        self.check_alias()


class InquiryDenyAliasTestCase(QaeciAliasTestCase):
    action_alias_name = "inquiry_deny"
    FORMAT = "deny {{ inquiry_id }}"
    COMMANDS = {"deny 5f0c1d2e3a4b5c6d7e8f9a0b": {"inquiry_id": "5f0c1d2e3a4b5c6d7e8f9a0b"}}
    NEAR_MISSES = ["deny", "denied 5f0c1d2e", "approve"]

    def test_inquiry_deny(self):
        self.check_alias()


class InquiryRespondAliasTestCase(QaeciAliasTestCase):
    action_alias_name = "inquiry_respond"
    FORMAT = "inquiry respond {{ inquiry_id }} {{ response }}"
    COMMANDS = {
        'inquiry respond 5f0c1d2e {"approve": true}': {
            "inquiry_id": "5f0c1d2e",
            "response": '{"approve": true}',
        },
        'inquiry respond 5f0c1d2e {"ticket": "OPS-12", "approve": false}': {
            "inquiry_id": "5f0c1d2e",
            "response": '{"ticket": "OPS-12", "approve": false}',
        },
    }
    NEAR_MISSES = ["inquiry respond", "inquiry 5f0c1d2e", "inquiry respond 5f0c1d2e"]

    def test_inquiry_respond(self):
        self.check_alias()
