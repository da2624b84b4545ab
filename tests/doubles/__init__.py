"""API doubles for what cannot run on these machines (DESIGN.md section 5): real servers on
loopback that speak the documented APIs, built from the reference payloads in
../shared/payloads/ (loaded by tests.doubles.payloads)."""
