"""qaeci.router_sync (the router_sync rule's action) against the repository's Marathon double:
nothing to do where marathon-lb routes, the environment's nginx routes from its running tasks
otherwise, and a missing router setting as the one-line failure every step fails with. Outside
the repository there is no double and these tests are skipped with that reason."""

import os
import shlex
import shutil
import sys
import tempfile

import qaeci_sensor_doubles  # noqa: F401  (skips these tests without the repository's doubles)
from qaeci.backends.marathon_client import MarathonClient
from router_sync import RouterSync
from st2tests.base import BaseActionTestCase

from tests.doubles.marathon import MarathonDouble

CREDENTIALS = "qaeci:secret"


class RouterSyncTestCase(BaseActionTestCase):
    action_cls = RouterSync

    def setUp(self):
        super(RouterSyncTestCase, self).setUp()
        self.marathon = MarathonDouble(credentials=CREDENTIALS, start_delay=0.01).start()
        self.addCleanup(self.marathon.stop)
        self.site = tempfile.mkdtemp(prefix="qaeci-router-")
        self.addCleanup(shutil.rmtree, self.site, True)
        self.reloads = os.path.join(self.site, "reloads.log")

    def config(self, **cluster):
        settings = {"marathon_url": self.marathon.url, "marathon_auth": CREDENTIALS}
        settings.update(cluster)
        return {
            "registry_path": self.site,
            "domain": "qa.example.com",
            "clusters": {"dev": settings},
        }

    def router(self):
        return {
            "dir": os.path.join(self.site, "routes"),
            "reload": "%s -c %s"
            % (
                shlex.quote(sys.executable),
                shlex.quote("open(%r, 'a').write('reload\\n')" % self.reloads),
            ),
        }

    def sync(self, config, cluster="dev", env="e1"):
        return self.get_action_instance(config=config).run(cluster=cluster, env_name=env)

    def test_where_marathon_lb_routes_it_does_nothing_and_says_so(self):
        ok, result = self.sync(self.config())
        self.assertTrue(ok, result)
        self.assertFalse(result["changed"])
        self.assertIn("through marathon-lb", result["message"])

    def test_it_writes_the_routes_of_the_running_tasks_and_reloads_once(self):
        client = MarathonClient("dev", self.marathon.url, CREDENTIALS)
        client.put_app("/qaeci/e1/web", {"id": "/qaeci/e1/web", "cmd": "serve"})
        self.marathon.wait_for(
            lambda: [t[1] for t in self.marathon.tasks("/qaeci/e1/web")] == ["TASK_RUNNING"]
        )
        [(_, _, host, port)] = self.marathon.tasks("/qaeci/e1/web")
        config = self.config(marathon_lb=False, router=self.router())
        ok, result = self.sync(config)
        self.assertTrue(ok, result)
        self.assertEqual(
            (result["changed"], result["routes"]), (True, {"web": ["%s:%d" % (host, port)]})
        )
        with open(result["path"]) as handle:
            self.assertIn("server_name web.e1.qa.example.com;", handle.read())
        ok, again = self.sync(config)
        self.assertEqual((ok, again["changed"]), (True, False))
        with open(self.reloads) as handle:
            self.assertEqual(handle.read(), "reload\n")

    def test_a_cluster_without_marathon_lb_and_without_router_settings_fails_in_one_line(self):
        ok, result = self.sync(self.config(marathon_lb=False))
        self.assertFalse(ok)
        self.assertEqual(list(result), ["error"])
        self.assertIn("clusters.dev.router needs dir and reload", result["error"])
