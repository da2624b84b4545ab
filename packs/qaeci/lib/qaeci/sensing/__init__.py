"""What the pack's sensors are made of: clients for the Mesos master, Marathon's launch queue and
the Docker Engine API, the pure logic that turns their answers into qaeci triggers, and the
retry and logging discipline every sensor shares (one line per problem, back-off, no floods)."""
