"""The click commands of ``provwatch`` other than the nightly ones (which live in cli.py):
they parse options, call crawler/, notify/ and store/, and print."""
