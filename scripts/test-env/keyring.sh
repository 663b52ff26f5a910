# Sourced by with-services.sh: starts an unlocked GNOME Keyring (Secret Service) on this D-Bus
# session for the credential tests.
# (Filled in by the credentials work.)
:
