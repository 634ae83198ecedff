"""``python -m caudal`` runs the command line."""

from caudal.cli import main

main(prog_name="caudal")
