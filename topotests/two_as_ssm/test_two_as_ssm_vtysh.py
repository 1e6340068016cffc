"""
test_two_as_ssm.py's tests with the RPs configured only through vtysh:
their mdcs commands are in the RP routers' frr.conf, pim6d's mdcs module
passes them to rpd, and rpd starts without a configuration file.
"""

from test_two_as_ssm import *  # noqa: F401,F403 (the tests to run again)

CONFIGURED_BY = "vtysh"
