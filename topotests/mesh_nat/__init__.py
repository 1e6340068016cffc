"""The RP mesh across NAT66 and firewall profiles (a package, so that its
tests import its conftest by a name of their own)."""
