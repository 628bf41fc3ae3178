"""The embedded default: a moto-seeded fleet, the Studio stand-in and the `demo` command."""
