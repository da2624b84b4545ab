"""The cloud-init user data a new OpenStack server boots with: it installs mesos-agent (and
Docker), pulls the environments' base images first (the pre-warm: they are on disk before the
agent can be offered a task), then starts mesos-agent against the master with the configured
attributes. Pool machines get the same values as placeholders of the provision command."""

import shlex


def attributes_text(attributes):
    """{"rack": "burst", "pool": "qa"} -> "pool:qa;rack:burst" (mesos-agent --attributes)."""
    return ";".join("%s:%s" % (name, attributes[name]) for name in sorted(attributes))


def user_data(master, attributes, images, hostname_command="hostname -I | awk '{print $1}'"):
    """A cloud-config document (text)."""
    agent = [
        "mesos-agent",
        "--master=%s" % master,
        "--work_dir=/var/lib/mesos",
        "--containerizers=docker,mesos",
        "--hostname=$(%s)" % hostname_command,
    ]
    if attributes:
        agent.append("--attributes=%s" % attributes_text(attributes))
    run = ["apt-get update", "apt-get install -y docker.io mesos"]
    run += ["docker pull %s" % shlex.quote(image) for image in images]
    run.append("systemctl stop mesos-master || true")
    run.append(
        "nohup %s >/var/log/mesos-agent.log 2>&1 &"
        % " ".join(part if part.startswith("--hostname") else shlex.quote(part) for part in agent)
    )
    lines = ["#cloud-config", "runcmd:"]
    lines += ["  - %s" % _yaml_scalar(command) for command in run]
    return "\n".join(lines) + "\n"


def _yaml_scalar(text):
    return "'%s'" % text.replace("'", "''")
