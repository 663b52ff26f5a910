# Sourced by with-services.sh: starts cupsd with a cups-pdf queue for the print tests.
# (Filled in by the printing work; until then the print tests skip themselves with a message.)
:
